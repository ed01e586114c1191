//! Attachments: type by content, limits, storage apart from the web, downloads only
//! for those allowed, nothing stored half-way.

use ideenwettbewerb::services::attachments;
use reqwest::{Method, StatusCode, multipart};
use serde_json::{Value, json};

use crate::credentials::signed_in_browser;
use crate::entry_pages::draft_on_the_web;
use crate::helpers::{OpenDraft, TestApp, berlin};

pub(crate) const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n";
const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00";

fn pdf_of(size: usize) -> Vec<u8> {
    let mut bytes = PDF.to_vec();
    bytes.resize(size, b' ');
    bytes
}

pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    entry: i64,
    name: &str,
    content: Vec<u8>,
) -> (StatusCode, Value) {
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(content).file_name(name.to_owned()),
    );
    let response = app
        .client
        .post(app.url(&format!("/api/entries/{entry}/attachments")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn stored_files(app: &TestApp) -> usize {
    std::fs::read_dir(&app.state.settings.attachments.dir)
        .map(|dir| dir.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn attachments_are_checked_by_content_and_served_only_to_those_allowed() {
    let app = TestApp::builder()
        .configure(|settings| {
            settings.attachments.max_bytes = 64 * 1024;
            settings.attachments.max_files = 2;
        })
        .spawn()
        .await;
    let OpenDraft {
        entry_id: entry,
        token: anna,
        ..
    } = app.open_with_draft().await;

    // A PDF is stored under a random name, outside anything served.
    let (status, pdf) = upload(&app, &anna, entry, "Skizze.pdf", PDF.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{pdf}");
    assert_eq!(
        (pdf["media_type"].as_str(), pdf["file_name"].as_str()),
        (Some("application/pdf"), Some("Skizze.pdf"))
    );
    assert_eq!(stored_files(&app), 1);
    let names: Vec<String> = std::fs::read_dir(&app.state.settings.attachments.dir)
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names[0].len() == 32 && !names[0].contains("Skizze"),
        "{names:?}"
    );

    // Disguised, empty, oversized: refused with what to fix, nothing kept.
    let (status, problem) = upload(&app, &anna, entry, "rechnung.pdf", EXE.to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("whatever its name says"),
        "{problem}"
    );
    let (status, _) = upload(
        &app,
        &anna,
        entry,
        "seite.png",
        b"<html><script>alert(1)</script>".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _) = upload(&app, &anna, entry, "leer.pdf", Vec::new()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, problem) = upload(&app, &anna, entry, "gross.pdf", pdf_of(100 * 1024)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("at most"));
    let (status, problem) = upload(&app, &anna, entry, "riesig.pdf", pdf_of(2 << 20)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert_eq!(
        problem["type"],
        "urn:ideenwettbewerb:problem:payload-too-large"
    );
    assert_eq!(app.count("entry_attachments").await, 1);
    assert_eq!(stored_files(&app), 1, "no file left behind");

    // At most two files.
    let (status, _) = upload(&app, &anna, entry, "foto.pdf", PDF.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, problem) = upload(&app, &anna, entry, "drei.pdf", PDF.to_vec()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        problem["type"],
        "urn:ideenwettbewerb:problem:too-many-files"
    );

    // Downloads: always as a file, for the author and staff; nobody else learns of it.
    let download = pdf["download_path"].as_str().unwrap().to_owned();
    let response = app
        .client
        .get(app.url(&download))
        .bearer_auth(&anna)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);
    let (status, _) = app.admin_get(&download).await;
    assert_eq!(status, StatusCode::OK, "administrators may read it");
    let ben = app.entrant("ben@example.de").await;
    for path in [
        download.clone(),
        format!("/api/entries/{entry}/attachments"),
    ] {
        let (status, _, _) = app.request(Method::GET, &path, None, Some(&ben)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = upload(&app, &ben, entry, "fremd.pdf", PDF.to_vec()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app
        .request(Method::DELETE, &download, None, Some(&ben))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Removing deletes the file; after the deadline nothing changes.
    let (status, _, _) = app
        .request(Method::DELETE, &download, None, Some(&anna))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(stored_files(&app), 1);
    app.move_clock_to(berlin("2020-11-21T00:00")).await;
    let (status, problem) = upload(&app, &anna, entry, "spaet.pdf", PDF.to_vec()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["type"], "urn:ideenwettbewerb:problem:entry-locked");
    let (_, list, _) = app
        .request(
            Method::GET,
            &format!("/api/entries/{entry}/attachments"),
            None,
            Some(&anna),
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["file_name"], json!("foto.pdf"));

    // A crash between writing a file and committing its row leaves a file behind;
    // the sweep at start removes it once it is old, and nothing else.
    let dir = std::path::PathBuf::from(&app.state.settings.attachments.dir);
    let stray = dir.join("0123456789abcdef0123456789abcdef");
    std::fs::write(&stray, PDF).unwrap();
    let fresh = dir.join("fedcba9876543210fedcba9876543210");
    std::fs::write(&fresh, PDF).unwrap();
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&stray)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    for stored in std::fs::read_dir(&dir).unwrap() {
        let path = stored.unwrap().path();
        if path != stray && path != fresh {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(two_hours_ago)
                .unwrap();
        }
    }
    let removed = attachments::sweep_orphans(
        &app.state.db,
        &app.state.files,
        std::time::Duration::from_secs(3600),
    )
    .await
    .unwrap();
    assert_eq!(removed, 1);
    assert!(
        !stray.exists() && fresh.exists(),
        "young files may be in flight"
    );
    assert_eq!(stored_files(&app), 2, "the attached file stays");
}

#[tokio::test]
async fn files_are_attached_on_the_entry_page() {
    let (app, smtp) = crate::helpers::with_smtp_at("2020-08-01T10:00").await;
    let mut browser = signed_in_browser(&app, &smtp, "familie@example.de").await;
    let (entry, csrf) = draft_on_the_web(
        &mut browser,
        "Trinkbrunnen",
        "Trinkbrunnen in der Innenstadt.",
    )
    .await;
    let page = browser.get(&entry).await;
    assert!(page.body.contains(r#"enctype="multipart/form-data""#));

    let fields = [("csrf", csrf.as_str()), ("lang", "de")];
    let uploads = format!("{entry}/anhaenge");
    let done = browser
        .upload(&uploads, &fields, "Lageplan.pdf", PDF.to_vec())
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = browser.get(&entry).await;
    assert!(page.body.contains("Lageplan.pdf"));
    let disguised = browser
        .upload(&uploads, &fields, "Lageplan2.pdf", EXE.to_vec())
        .await;
    assert_eq!(disguised.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        disguised
            .body
            .contains("ist kein PDF, Bild oder Office-Dokument")
            && disguised.body.contains(r##"href="#file""##),
        "the page says what is wrong"
    );
    let nothing = browser.upload(&uploads, &fields, "", Vec::new()).await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        nothing
            .body
            .contains("Bitte wählen Sie zuerst eine Datei aus.")
    );
    let forged = browser
        .upload(&uploads, &[("csrf", "nein")], "x.pdf", PDF.to_vec())
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("entry_attachments").await, 1);

    let id = app
        .count("entry_attachments WHERE file_name = 'Lageplan.pdf'")
        .await;
    assert_eq!(id, 1);
    let link = page
        .body
        .split("href=\"")
        .find(|s| s.starts_with(&format!("{entry}/anhaenge/")))
        .unwrap_or_else(|| panic!("{entry} {}", page.body))
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let download = browser.get(&link).await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(download.body.starts_with("%PDF"));
    let mut other = signed_in_browser(&app, &smtp, "nachbar@example.de").await;
    assert_eq!(other.get(&link).await.status, StatusCode::NOT_FOUND);
    let removed = browser
        .post(&format!("{link}/loeschen"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("entry_attachments").await, 0);
}
