//! Teams: co-authors invited by email, and the receipt's copy of the entry.

use ideenwettbewerb::mail::sink::SmtpSink;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::browser_session::hidden;
use crate::credentials::signed_in_browser;
use crate::entries::idea;
use crate::entry_pages::{draft_on_the_web, wait_for_mail};
use crate::helpers::{berlin, with_smtp_at};

/// The invitation token from the invitation email to `to`.
async fn invitation_token(smtp: &SmtpSink, to: &str) -> String {
    let text = wait_for_mail(smtp, to, "/einladung?token=").await;
    let start = text.find("token=").expect("a link") + "token=".len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

#[tokio::test]
async fn co_authors_are_invited_by_email_and_may_edit_but_not_submit() {
    let (app, smtp) = with_smtp_at("2020-08-01T10:00").await;
    let competition = app.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();
    let anna = app.entrant("anna@example.de").await;
    let ben = app.entrant("ben@example.de").await;
    let carl = app.entrant("carl@example.de").await;
    let (_, draft, _) = app
        .request(
            Method::POST,
            &format!("/api/competitions/{competition}/entries"),
            Some(idea("Solarbänke")),
            Some(&anna),
        )
        .await;
    let id = draft["id"].as_i64().unwrap();
    let invite = format!("/api/entries/{id}/coauthors");

    // Bad invitations say what to fix and store nothing.
    for (body, status) in [
        (
            json!({ "email": "kein-at-zeichen", "name": "Ben" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "email": "anna@example.de", "name": "Ich" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "email": "ben@example.de" }),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (answered, problem, _) = app
            .request(Method::POST, &invite, Some(body), Some(&anna))
            .await;
        assert_eq!(answered, status, "{problem}");
    }
    assert_eq!(app.count("entry_coauthors").await, 0);
    // Only the lead invites; strangers do not even see the entry.
    let (status, _, _) = app
        .request(
            Method::POST,
            &invite,
            Some(json!({ "email": "x@example.de", "name": "X" })),
            Some(&carl),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, invited, _) = app
        .request(
            Method::POST,
            &invite,
            Some(json!({ "email": "Ben@Example.de", "name": "Ben Berger" })),
            Some(&anna),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    assert_eq!(invited["accepted"], json!(false));
    let (status, _, _) = app
        .request(
            Method::POST,
            &invite,
            Some(json!({ "email": "ben@example.de", "name": "Ben" })),
            Some(&anna),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "invited once");
    app.deliver().await;
    let token = invitation_token(&smtp, "ben@example.de").await;
    let invitation = wait_for_mail(&smtp, "ben@example.de", "„Solarbänke“").await;
    assert!(
        invitation.contains("Guten Tag Ben Berger")
            && invitation.contains("Schulklasse 7b hat Sie eingeladen"),
        "{invitation}"
    );

    // The link is for Ben's address only.
    let accept = "/api/coauthor-invitations/accept";
    let (status, problem, _) = app
        .request(
            Method::POST,
            accept,
            Some(json!({ "token": token })),
            Some(&carl),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("b…@example.de")
    );
    let (status, _, _) = app
        .request(
            Method::POST,
            accept,
            Some(json!({ "token": "falsch" })),
            Some(&ben),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, joined, _) = app
        .request(
            Method::POST,
            accept,
            Some(json!({ "token": token })),
            Some(&ben),
        )
        .await;
    assert_eq!((status, joined["id"].as_i64()), (StatusCode::OK, Some(id)));

    // Ben edits and attaches; submitting and withdrawing stay with Anna.
    let entry = format!("/api/entries/{id}");
    let (status, _, _) = app
        .request(
            Method::PUT,
            &entry,
            Some(idea("Solarbänke mit Ladekabeln")),
            Some(&ben),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem, _) = app
        .request(Method::POST, &format!("{entry}/submit"), None, Some(&ben))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let (_, bens, _) = app
        .request(Method::GET, "/api/me/entries", None, Some(&ben))
        .await;
    assert_eq!(bens[0]["id"].as_i64(), Some(id));
    let (_, carls, _) = app
        .request(Method::GET, "/api/me/entries", None, Some(&carl))
        .await;
    assert_eq!(carls, json!([]));

    // The receipt carries a copy of the entry as submitted.
    let (status, submitted, _) = app
        .request(Method::POST, &format!("{entry}/submit"), None, Some(&anna))
        .await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    app.deliver().await;
    let receipt = wait_for_mail(&smtp, "anna@example.de", "Eingangsnummer").await;
    for part in [
        "Ihre Einreichung im Wortlaut",
        "Titel: Solarbänke mit Ladekabeln",
        "Sitzbänke, an denen man Fahrräder",
        "Ziele: Nachhaltigkeit, Multimodale Mobilität",
    ] {
        assert!(receipt.contains(part), "{part} in {receipt}");
    }

    // Removed, Ben no longer sees it.
    let coauthor = invited["id"].as_i64().unwrap();
    let remove = format!("{invite}/{coauthor}");
    let (status, _, _) = app.request(Method::DELETE, &remove, None, Some(&ben)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the lead removes");
    let (status, _, _) = app
        .request(Method::DELETE, &remove, None, Some(&anna))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = app.request(Method::GET, &entry, None, Some(&ben)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("audit_log WHERE action LIKE 'entry.coauthor_%'")
            .await,
        3
    );
}

#[tokio::test]
async fn an_invitation_is_accepted_on_the_web() {
    let (app, smtp) = with_smtp_at("2020-08-01T10:00").await;
    let mut lead = signed_in_browser(&app, &smtp, "lehrerin@example.de").await;
    let (entry, csrf) = draft_on_the_web(&mut lead, "Schulgarten-App", "Wer gießt wann?").await;
    let invite = format!("{entry}/mitautoren");
    let wrong = lead
        .post(
            &invite,
            &[
                ("csrf", csrf.as_str()),
                ("coauthor_name", "Herr Kaya"),
                ("coauthor_email", "kaya-at-example.de"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .body
            .contains("Bitte geben Sie eine gültige E-Mail-Adresse an")
            && wrong.body.contains(r#"value="Herr Kaya""#),
        "says what to fix and keeps what was typed"
    );
    let sent = lead
        .post(
            &invite,
            &[
                ("csrf", csrf.as_str()),
                ("coauthor_name", "Herr Kaya"),
                ("coauthor_email", "kaya@example.de"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    app.deliver().await;
    let token = invitation_token(&smtp, "kaya@example.de").await;

    let mut kaya = signed_in_browser(&app, &smtp, "kaya@example.de").await;
    let page = kaya.get(&format!("/einladung?token={token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Schulgarten-App") && page.body.contains("Einladung annehmen"));
    assert_eq!(
        app.count("entry_coauthors WHERE accepted_at IS NULL").await,
        1,
        "opening the link accepts nothing"
    );
    let csrf_kaya = hidden(&page.body, "csrf");
    let accepted = kaya
        .post(
            "/einladung",
            &[("token", token.as_str()), ("csrf", csrf_kaya.as_str())],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    let shared = kaya.get(&entry).await;
    assert_eq!(shared.status, StatusCode::OK);
    assert!(shared.body.contains("Schulgarten-App"));
    assert!(
        !shared.body.contains("Jetzt verbindlich einreichen"),
        "co-authors do not submit"
    );
    let lead_page = lead.get(&entry).await;
    assert!(
        lead_page
            .body
            .contains("Herr Kaya (kaya@example.de) – dabei")
    );
}

#[tokio::test]
async fn an_invitation_expires_after_two_weeks() {
    let (app, smtp) = with_smtp_at("2020-08-01T10:00").await;
    let competition = app.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();
    let anna = app.entrant("anna@example.de").await;
    let ben = app.entrant("ben@example.de").await;
    let (_, draft, _) = app
        .request(
            Method::POST,
            &format!("/api/competitions/{competition}/entries"),
            Some(idea("Später")),
            Some(&anna),
        )
        .await;
    app.request(
        Method::POST,
        &format!("/api/entries/{}/coauthors", draft["id"]),
        Some(json!({ "email": "ben@example.de", "name": "Ben" })),
        Some(&anna),
    )
    .await;
    app.deliver().await;
    let token = invitation_token(&smtp, "ben@example.de").await;

    app.move_clock_to(berlin("2020-08-16T10:00")).await;
    let (status, problem, _) = app
        .request(
            Method::POST,
            "/api/coauthor-invitations/accept",
            Some(json!({ "token": token })),
            Some(&ben),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem["detail"].as_str().unwrap().contains("expired"));
    assert_eq!(
        app.count("entry_coauthors WHERE accepted_at IS NOT NULL")
            .await,
        0
    );
}
