//! What may be attached to an idea: PDF, images and common office documents, up to
//! a size and a number per entry. The type is read from the content, never from the
//! name the uploader gave the file.

/// A kind of file we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    pub media_type: &'static str,
    pub extension: &'static str,
    /// What people call it, for messages.
    pub label: &'static str,
}

const ACCEPTED: [FileType; 14] = [
    FileType {
        media_type: "application/pdf",
        extension: "pdf",
        label: "PDF",
    },
    FileType {
        media_type: "image/png",
        extension: "png",
        label: "PNG",
    },
    FileType {
        media_type: "image/jpeg",
        extension: "jpg",
        label: "JPEG",
    },
    FileType {
        media_type: "image/gif",
        extension: "gif",
        label: "GIF",
    },
    FileType {
        media_type: "image/webp",
        extension: "webp",
        label: "WebP",
    },
    FileType {
        media_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extension: "docx",
        label: "Word",
    },
    FileType {
        media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        extension: "xlsx",
        label: "Excel",
    },
    FileType {
        media_type: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        extension: "pptx",
        label: "PowerPoint",
    },
    FileType {
        media_type: "application/msword",
        extension: "doc",
        label: "Word",
    },
    FileType {
        media_type: "application/vnd.ms-excel",
        extension: "xls",
        label: "Excel",
    },
    FileType {
        media_type: "application/vnd.ms-powerpoint",
        extension: "ppt",
        label: "PowerPoint",
    },
    FileType {
        media_type: "application/vnd.oasis.opendocument.text",
        extension: "odt",
        label: "OpenDocument Text",
    },
    FileType {
        media_type: "application/vnd.oasis.opendocument.spreadsheet",
        extension: "ods",
        label: "OpenDocument Tabelle",
    },
    FileType {
        media_type: "application/vnd.oasis.opendocument.presentation",
        extension: "odp",
        label: "OpenDocument Präsentation",
    },
];

/// The file types, as a list for messages and the form's `accept` attribute.
pub fn accepted_extensions() -> Vec<&'static str> {
    ACCEPTED.iter().map(|t| t.extension).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("the file is empty")]
    Empty,
    #[error("the file has {size} bytes; at most {max} bytes ({} MiB) are allowed", max / 1_048_576)]
    TooLarge { size: usize, max: usize },
    #[error("an idea can have at most {max} attachments; remove one first")]
    TooMany { max: u64 },
    #[error(
        "`{name}` is not a PDF, image or office document (its content is {found}), whatever its name says; accepted: PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint, OpenDocument"
    )]
    UnsupportedType { name: String, found: String },
}

impl AttachmentError {
    /// What to do about it, for people (pages).
    pub fn localized(&self) -> crate::domain::entry_form::Localized {
        use crate::domain::entry_form::Localized;
        match self {
            Self::Empty => Localized::new(
                "Die Datei ist leer. Bitte wählen Sie eine andere Datei.",
                "The file is empty. Please choose another file.",
            ),
            Self::TooLarge { max, .. } => Localized::new(
                format!(
                    "Die Datei ist zu groß: erlaubt sind höchstens {} MB.",
                    max / 1_048_576
                ),
                format!(
                    "The file is too large: at most {} MB are allowed.",
                    max / 1_048_576
                ),
            ),
            Self::TooMany { max } => Localized::new(
                format!(
                    "Eine Idee kann höchstens {max} Anhänge haben. Entfernen Sie zuerst einen."
                ),
                format!("An idea can have at most {max} attachments. Remove one first."),
            ),
            Self::UnsupportedType { name, .. } => Localized::new(
                format!(
                    "„{name}“ ist kein PDF, Bild oder Office-Dokument (geprüft wird der Inhalt, nicht der Name). Erlaubt sind PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint und OpenDocument."
                ),
                format!(
                    "“{name}” is not a PDF, image or office document (we check the content, not the name). Accepted: PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint and OpenDocument."
                ),
            ),
        }
    }
}

/// The accepted type of `content`, recognised by its bytes.
pub fn classify(name: &str, content: &[u8]) -> Result<FileType, AttachmentError> {
    if content.is_empty() {
        return Err(AttachmentError::Empty);
    }
    let detected = infer::get(content);
    let media_type = detected.map(|t| t.mime_type());
    ACCEPTED
        .iter()
        .find(|t| Some(t.media_type) == media_type)
        .copied()
        .ok_or_else(|| AttachmentError::UnsupportedType {
            name: name.to_owned(),
            found: media_type.unwrap_or("unknown").to_owned(),
        })
}

/// Checks size and number before anything is stored.
pub fn check_limits(
    size: usize,
    max_bytes: usize,
    existing: u64,
    max_files: u64,
) -> Result<(), AttachmentError> {
    if size > max_bytes {
        return Err(AttachmentError::TooLarge {
            size,
            max: max_bytes,
        });
    }
    if existing >= max_files {
        return Err(AttachmentError::TooMany { max: max_files });
    }
    Ok(())
}

/// A safe name to show and download: no folders, no control or quoting characters,
/// at most 100 characters, and the extension of what the file really is.
pub fn display_name(original: &str, kind: FileType) -> String {
    let base = original.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    };
    let cleaned: String = stem
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | ';' | '<' | '>' | '`'))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.');
    let stem = if cleaned.is_empty() {
        "anhang"
    } else {
        cleaned
    };
    format!("{stem}.{}", kind.extension)
}

/// The accepted type with this media type.
pub fn type_of(media_type: &str) -> Option<FileType> {
    ACCEPTED.into_iter().find(|t| t.media_type == media_type)
}

/// Whether a file of this type may carry its author in its own metadata (PDF
/// and office document properties, a photo's EXIF data): the jury is warned,
/// since such files are passed on unchanged.
pub fn may_name_its_author(media_type: &str) -> bool {
    media_type == "application/pdf"
        || media_type == "image/jpeg"
        || media_type.starts_with("application/vnd.openxmlformats")
        || media_type.starts_with("application/vnd.oasis")
        || media_type.starts_with("application/vnd.ms-")
        || media_type == "application/msword"
}

/// The name a juror downloads an attachment under: `Anlage-2.pdf`.
pub fn anonymous_name(number: usize, media_type: &str) -> String {
    match type_of(media_type) {
        Some(kind) => format!("Anlage-{number}.{}", kind.extension),
        None => format!("Anlage-{number}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

    #[test]
    fn the_content_decides_not_the_name() {
        assert_eq!(
            classify("plan.pdf", PDF).unwrap().media_type,
            "application/pdf"
        );
        assert_eq!(classify("plan.pdf", PNG).unwrap().extension, "png");
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
        assert!(matches!(
            classify("harmlos.pdf", exe),
            Err(AttachmentError::UnsupportedType { .. })
        ));
        let html = b"<html><script>alert(1)</script></html>";
        assert!(classify("bild.png", html).is_err());
        assert_eq!(classify("leer.pdf", b""), Err(AttachmentError::Empty));
    }

    #[test]
    fn limits_are_checked_before_storing() {
        assert!(check_limits(10, 10, 4, 5).is_ok());
        assert_eq!(
            check_limits(11, 10, 0, 5),
            Err(AttachmentError::TooLarge { size: 11, max: 10 })
        );
        assert_eq!(
            check_limits(1, 10, 5, 5),
            Err(AttachmentError::TooMany { max: 5 })
        );
    }

    #[test]
    fn names_are_cleaned_and_get_the_real_extension() {
        let png = classify("x", PNG).unwrap();
        assert_eq!(
            display_name("../../etc/Plan \"neu\".pdf", png),
            "Plan neu.png"
        );
        assert_eq!(display_name("C:\\Users\\a\\Skizze.png", png), "Skizze.png");
        assert_eq!(display_name(".htaccess", png), "htaccess.png");
        assert_eq!(display_name("", png), "anhang.png");
    }
}
