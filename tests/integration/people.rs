//! The people page: administrators list accounts, invite staff and jurors, change
//! roles, assign coordinators and deactivate accounts, all on the pages; the last
//! administrator is protected there as in the API, also when two administrators
//! act at once.

use reqwest::{Method, StatusCode};

use crate::browser_session::{Browser, hidden, request_link};
use crate::helpers::with_smtp_at;

#[tokio::test]
async fn administrators_run_the_people_page_and_the_last_administrator_stays() {
    let (app, smtp) = with_smtp_at("2020-08-01T10:00").await;
    let mut admin = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let list = admin.get("/verwaltung/personen").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("admin@localhost"));
    assert!(list.body.contains("Administration"));
    assert!(
        list.body
            .contains(r#"href="/verwaltung/personen?lang=de">Personen</a>"#),
        "in the staff menu: {}",
        list.body
    );
    let form = admin.get("/verwaltung/personen/einladen").await;
    let csrf = hidden(&form.body, "csrf");

    // Bad input: each problem named, what was typed kept, nobody created.
    let accounts = app.count("users").await;
    let refused = admin
        .post(
            "/verwaltung/personen/einladen",
            &[
                ("csrf", &csrf),
                ("email", "keine adresse"),
                ("name", " "),
                ("role", "entrant"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Bitte geben Sie eine gültige E-Mail-Adresse an",
        "Bitte geben Sie den Namen der Person an",
        "Bitte wählen Sie eine Rolle",
    ] {
        assert!(
            refused.body.contains(message),
            "{message}: {}",
            refused.body
        );
    }
    assert!(refused.body.contains(r#"value="keine adresse""#));
    assert!(refused.body.contains("<title>Fehler: "));
    assert_eq!(app.count("users").await, accounts);

    // An invitation: the account, the email, the audit row, a confirmation.
    let invited = admin
        .post(
            "/verwaltung/personen/einladen",
            &[
                ("csrf", &csrf),
                ("email", "Jury.Mueller@example.de"),
                ("name", "Jana Müller"),
                ("role", "juror"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    let person_page = invited.location.unwrap();
    let shown = admin.get(&person_page).await;
    assert!(
        shown
            .body
            .contains("Die Einladung an jury.mueller@example.de ist unterwegs."),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Jurymitglied"));
    assert!(shown.body.contains("noch nie"), "not signed in yet");
    app.deliver().await;
    let mails = smtp.wait_for(2, std::time::Duration::from_secs(10)).await;
    assert!(
        mails
            .iter()
            .any(|m| m.to.iter().any(|to| to == "jury.mueller@example.de")),
        "the invitation is sent"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'user.invited'").await,
        1
    );
    let again = admin
        .post(
            "/verwaltung/personen/einladen",
            &[
                ("csrf", &csrf),
                ("email", "jury.mueller@example.de"),
                ("name", "Jana"),
                ("role", "juror"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again
            .body
            .contains("Für diese E-Mail-Adresse gibt es schon ein Konto")
    );

    // Search and role filter.
    let found = admin.get("/verwaltung/personen?q=MUELLER").await;
    assert!(found.body.contains("jury.mueller@example.de"));
    assert!(!found.body.contains("admin@localhost"));
    let jurors = admin.get("/verwaltung/personen?rolle=admin").await;
    assert!(!jurors.body.contains("jury.mueller@example.de"));

    // A coordinator for one competition: role, then assignment.
    let id: i64 = person_page
        .trim_start_matches("/verwaltung/personen/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let competition = app.competition_id("wir-lieben-gera").await;
    let other = app.competition_id("senioren-unabhaengigkeit").await;
    let not_yet = admin
        .post(
            &format!("/verwaltung/personen/{id}/wettbewerbe"),
            &[("csrf", &csrf), ("competition", &competition.to_string())],
        )
        .await;
    assert_eq!(not_yet.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        not_yet
            .body
            .contains("nur Personen mit der Rolle „Koordination“")
    );
    let changed = admin
        .post(
            &format!("/verwaltung/personen/{id}/rolle"),
            &[("csrf", &csrf), ("role", "coordinator")],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let assigned = admin
        .post(
            &format!("/verwaltung/personen/{id}/wettbewerbe"),
            &[("csrf", &csrf), ("competition", &competition.to_string())],
        )
        .await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER);
    let shown = admin.get(&person_page).await;
    assert!(shown.body.contains("Zugewiesen: "), "{}", shown.body);
    assert!(shown.body.contains("Betreute Wettbewerbe"));
    assert_eq!(
        app.count("audit_log WHERE action = 'competition.coordinator_assigned'")
            .await,
        1
    );

    // The coordinator sees their competition, not another, and no people page.
    let mut coordinator =
        crate::credentials::signed_in_browser(&app, &smtp, "jury.mueller@example.de").await;
    let theirs = coordinator
        .get(&format!("/verwaltung/wettbewerbe/{competition}"))
        .await;
    assert_eq!(theirs.status, StatusCode::OK);
    let not_theirs = coordinator
        .get(&format!("/verwaltung/wettbewerbe/{other}"))
        .await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
    for page in ["bearbeiten", "erfassen", "verlauf", "schritt/close"] {
        let status = coordinator
            .get(&format!("/verwaltung/wettbewerbe/{other}/{page}"))
            .await
            .status;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{page} of another competition"
        );
    }
    let theirs_edit = coordinator
        .get(&format!("/verwaltung/wettbewerbe/{competition}/bearbeiten"))
        .await;
    assert_eq!(
        theirs_edit.status,
        StatusCode::OK,
        "their own may be edited"
    );
    assert_eq!(
        coordinator.get("/verwaltung/wettbewerbe/neu").await.status,
        StatusCode::FORBIDDEN,
        "setting up competitions is for administrators"
    );
    assert_eq!(
        coordinator.get("/verwaltung/personen").await.status,
        StatusCode::FORBIDDEN
    );
    let their_csrf = hidden(
        &coordinator
            .get(&format!("/verwaltung/wettbewerbe/{competition}/erfassen"))
            .await
            .body,
        "csrf",
    );
    let forbidden = coordinator
        .post(
            "/verwaltung/personen/1/deaktivieren",
            &[("csrf", &their_csrf)],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let shown = admin.get(&person_page).await;
    assert!(!shown.body.contains("noch nie"), "the sign-in is recorded");

    // The last administrator can neither lose the role nor be deactivated.
    for (path, fields) in [
        ("/verwaltung/personen/1/rolle", vec![("role", "juror")]),
        ("/verwaltung/personen/1/deaktivieren", vec![]),
    ] {
        let mut fields = fields;
        fields.push(("csrf", &csrf));
        let refused = admin.post(path, &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(
            refused
                .body
                .contains("Das ist die letzte Person mit Administrationsrechten"),
            "{path}: {}",
            refused.body
        );
    }
    assert_eq!(
        app.count("users WHERE role = 'admin' AND deactivated_at IS NULL")
            .await,
        1
    );

    // Deactivated: the session ends at once, signing in is refused with a reason.
    let done = admin
        .post(
            &format!("/verwaltung/personen/{id}/deaktivieren"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(
        admin
            .get(&person_page)
            .await
            .body
            .contains("Das Konto jury.mueller@example.de ist deaktiviert.")
    );
    let ended = coordinator
        .get(&format!("/verwaltung/wettbewerbe/{competition}"))
        .await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "signed out");
    let mut again = Browser::new(&app);
    let token = request_link(&app, &smtp, &mut again, "jury.mueller@example.de").await;
    let refused = again.post("/anmelden/link", &[("token", &token)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .body
            .contains("Ihr Konto wurde von der Verwaltung deaktiviert")
    );
    let reactivated = admin
        .post(
            &format!("/verwaltung/personen/{id}/reaktivieren"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(reactivated.status, StatusCode::SEE_OTHER);
    crate::credentials::signed_in_browser(&app, &smtp, "jury.mueller@example.de").await;
    assert_eq!(
        app.count("audit_log WHERE action IN ('user.deactivated', 'user.reactivated')")
            .await,
        2
    );
}

#[tokio::test]
async fn two_administrators_deactivating_each_other_at_once_leave_one() {
    let app = crate::helpers::TestApp::spawn().await;
    let second = crate::accounts::token_for(&app, "admin").await;
    let first = app.token.clone().unwrap();
    let (_, people) = app.admin_get("/api/admin/users?role=admin").await;
    let ids: Vec<i64> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    for round in 0..5 {
        let (one, two) = (
            format!("/api/admin/users/{}/deactivation", ids[1]),
            format!("/api/admin/users/{}/deactivation", ids[0]),
        );
        let (a, b) = tokio::join!(
            app.request(Method::PUT, &one, None, Some(&first)),
            app.request(Method::PUT, &two, None, Some(&second)),
        );
        let ok = [a.0, b.0].iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(ok, 1, "round {round}: one wins ({} / {})", a.0, b.0);
        for (status, problem) in [(a.0, &a.1), (b.0, &b.1)] {
            assert!(
                [
                    StatusCode::OK,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    StatusCode::UNAUTHORIZED
                ]
                .contains(&status),
                "round {round}: {status} {problem}"
            );
        }
        assert_eq!(
            app.count("users WHERE role = 'admin' AND deactivated_at IS NULL")
                .await,
            1,
            "round {round}"
        );
        // Whoever is left brings the other back for the next round.
        let left = if a.0 == StatusCode::OK {
            &first
        } else {
            &second
        };
        let back = if a.0 == StatusCode::OK {
            ids[1]
        } else {
            ids[0]
        };
        let (status, _, _) = app
            .request(
                Method::DELETE,
                &format!("/api/admin/users/{back}/deactivation"),
                None,
                Some(left),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, problem) = app.admin_get("/api/admin/users?role=bogus").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
}

#[tokio::test]
async fn the_same_invitation_sent_twice_at_once_makes_one_account() {
    let app = crate::helpers::TestApp::spawn().await;
    let body = serde_json::json!({
        "email": "jury.doppelt@example.de", "display_name": "Jana", "role": "juror"
    });
    let accounts = app.count("users").await;
    let (a, b, c) = tokio::join!(
        app.admin_post("/api/admin/users", body.clone()),
        app.admin_post("/api/admin/users", body.clone()),
        app.admin_post("/api/admin/users", body.clone()),
    );
    let created = [&a, &b, &c]
        .iter()
        .filter(|(status, _)| *status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{a:?} {b:?} {c:?}");
    for (status, problem) in [a, b, c] {
        assert!(
            [StatusCode::CREATED, StatusCode::CONFLICT].contains(&status),
            "{status} {problem}"
        );
    }
    assert_eq!(app.count("users").await, accounts + 1);
    assert_eq!(
        app.count("outbox_events WHERE event_type = 'user.invited'")
            .await,
        1,
        "one invitation"
    );
}
