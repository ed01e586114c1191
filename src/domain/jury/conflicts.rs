//! Likely conflicts of interest between a juror and an entry, found from what the
//! system knows, for staff to confirm or dismiss (with a reason). A juror's own
//! declaration needs no such hint; a confirmed conflict keeps the entry away from
//! the juror entirely.

/// What is known about a person for the check: a juror, or an entry's author or
/// co-author.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
    /// Organisation, company, club or school, as typed.
    pub organisation: Option<String>,
}

/// Why a conflict is likely.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "hint", content = "value")]
pub enum Hint {
    /// The juror is an author or co-author of the entry.
    SamePerson,
    SameOrganisation(String),
    /// The same email domain, other than the large free-mail providers.
    SameEmailDomain(String),
    SameSurname(String),
}

/// The entry-form fields that name an entrant's organisation (school, company,
/// club, university): compared with the juror's organisation.
pub const ORGANISATION_FIELDS: [&str; 6] = [
    "school",
    "organisation",
    "university",
    "company",
    "club",
    "group_name",
];

/// Where a conflict of interest stands. Every status but `Dismissed` keeps the
/// entry away from the juror: a declaration at once, a suspicion until staff
/// have looked at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictStatus {
    /// The juror said so; it stands.
    Declared,
    /// Found from what the system knows; staff confirm or dismiss it.
    Suspected,
    Confirmed,
    Dismissed,
}

impl ConflictStatus {
    pub const ALL: [Self; 4] = [
        Self::Declared,
        Self::Suspected,
        Self::Confirmed,
        Self::Dismissed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Declared => "declared",
            Self::Suspected => "suspected",
            Self::Confirmed => "confirmed",
            Self::Dismissed => "dismissed",
        }
    }

    /// Whether the juror is kept from the entry (cannot see or score it).
    pub fn keeps_away(self) -> bool {
        !matches!(self, Self::Dismissed)
    }
}

named_values!(ConflictStatus, "conflict status");

/// What staff decide about a suspected conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ruling {
    Confirm,
    Dismiss,
}

/// Why a ruling is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RulingError {
    #[error("the juror declared this conflict themselves; it stands")]
    Declared,
    #[error("give the reason for the decision")]
    NoReason,
}

/// The status after staff rule on a conflict (they may also change their mind).
pub fn rule(
    status: ConflictStatus,
    ruling: Ruling,
    reason: &str,
) -> Result<ConflictStatus, RulingError> {
    if status == ConflictStatus::Declared {
        return Err(RulingError::Declared);
    }
    if reason.trim().is_empty() {
        return Err(RulingError::NoReason);
    }
    Ok(match ruling {
        Ruling::Confirm => ConflictStatus::Confirmed,
        Ruling::Dismiss => ConflictStatus::Dismissed,
    })
}

/// Free-mail domains: sharing one says nothing about two people.
const FREE_MAIL: [&str; 18] = [
    "gmail.com",
    "googlemail.com",
    "web.de",
    "gmx.de",
    "gmx.net",
    "t-online.de",
    "yahoo.com",
    "yahoo.de",
    "outlook.com",
    "outlook.de",
    "hotmail.com",
    "hotmail.de",
    "live.de",
    "icloud.com",
    "me.com",
    "freenet.de",
    "posteo.de",
    "mailbox.org",
];

/// Lower case, umlauts and ß spelled out, inner whitespace collapsed: `Müller`,
/// `MUELLER` and `Mueller ` compare equal.
fn folded(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .replace('ä', "ae")
        .replace('ö', "oe")
        .replace('ü', "ue")
        .replace('ß', "ss")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn domain(email: &str) -> Option<String> {
    let (_, domain) = email.trim().rsplit_once('@')?;
    let domain = domain.to_lowercase();
    (!domain.is_empty()).then_some(domain)
}

fn surname(name: &str) -> Option<String> {
    let last = folded(name).split(' ').next_back()?.to_owned();
    // Initials and one-letter remainders prove nothing.
    (last.chars().count() > 2).then_some(last)
}

/// Every hint that `juror` may be conflicted on an entry by `authors`.
pub fn likely_conflicts(juror: &Person, authors: &[Person]) -> Vec<Hint> {
    let mut hints = Vec::new();
    let mut add = |hint: Hint| {
        if !hints.contains(&hint) {
            hints.push(hint);
        }
    };
    let juror_domain = domain(&juror.email);
    let juror_surname = surname(&juror.name);
    let juror_organisation = juror
        .organisation
        .as_deref()
        .map(folded)
        .filter(|o| !o.is_empty());
    for author in authors {
        if folded(&author.email) == folded(&juror.email) {
            add(Hint::SamePerson);
        }
        if let (Some(mine), Some(theirs)) = (
            &juror_organisation,
            author.organisation.as_deref().map(folded),
        ) && *mine == theirs
        {
            add(Hint::SameOrganisation(
                author
                    .organisation
                    .clone()
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            ));
        }
        if let (Some(mine), Some(theirs)) = (&juror_domain, domain(&author.email))
            && *mine == theirs
            && !FREE_MAIL.contains(&theirs.as_str())
            && folded(&author.email) != folded(&juror.email)
        {
            add(Hint::SameEmailDomain(theirs));
        }
        if let (Some(mine), Some(theirs)) = (&juror_surname, surname(&author.name))
            && *mine == theirs
            && folded(&author.email) != folded(&juror.email)
        {
            add(Hint::SameSurname(theirs));
        }
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, email: &str, organisation: Option<&str>) -> Person {
        Person {
            name: name.into(),
            email: email.into(),
            organisation: organisation.map(Into::into),
        }
    }

    #[test]
    fn shared_schools_domains_and_surnames_are_hinted_free_mail_is_not() {
        let juror = person(
            "Dr. Jana Müller",
            "jana.mueller@stadtwerke-gera.de",
            Some("Stadtwerke Gera"),
        );
        let colleague = person(
            "Tom Weber",
            "t.weber@stadtwerke-gera.de",
            Some(" stadtwerke  GERA "),
        );
        assert_eq!(
            likely_conflicts(&juror, &[colleague]),
            vec![
                Hint::SameOrganisation("stadtwerke  GERA".into()),
                Hint::SameEmailDomain("stadtwerke-gera.de".into())
            ]
        );
        let relative = person("Paul Mueller", "paul@gmx.de", None);
        assert_eq!(
            likely_conflicts(&juror, &[relative]),
            vec![Hint::SameSurname("mueller".into())]
        );
        let stranger = person("Anna Schmidt", "anna@gmx.de", Some("Goethe-Gymnasium"));
        let free_mail_juror = person("Eva Lang", "eva@gmx.de", Some("Rutheneum"));
        assert!(likely_conflicts(&free_mail_juror, &[stranger]).is_empty());
    }

    #[test]
    fn declarations_stand_and_suspicions_are_ruled_on_with_a_reason() {
        use ConflictStatus::*;
        assert_eq!(
            rule(Declared, Ruling::Dismiss, "kennt sie nicht"),
            Err(RulingError::Declared)
        );
        assert_eq!(
            rule(Suspected, Ruling::Dismiss, " "),
            Err(RulingError::NoReason)
        );
        assert_eq!(
            rule(Suspected, Ruling::Dismiss, "Namensgleichheit"),
            Ok(Dismissed)
        );
        assert_eq!(
            rule(Dismissed, Ruling::Confirm, "doch verwandt"),
            Ok(Confirmed)
        );
        assert!(Declared.keeps_away() && Suspected.keeps_away() && !Dismissed.keeps_away());
    }

    #[test]
    fn a_juror_who_wrote_the_entry_is_the_same_person() {
        let juror = person("Jana Müller", "Jana.Mueller@example.de", None);
        let author = person("J. Müller", "jana.mueller@example.de", None);
        assert_eq!(likely_conflicts(&juror, &[author]), vec![Hint::SamePerson]);
        let initials = person("A. B", "ab@example.org", None);
        assert!(likely_conflicts(&person("C. B", "cb@example.net", None), &[initials]).is_empty());
    }
}
