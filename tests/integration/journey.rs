//! One Gera competition from its draft to its archive through the real
//! server, with every email checked at the SMTP server: a citizen follows
//! the programme; staff create the competition and schedule it; it opens and
//! closes on time; four classes enter; the pre-check excludes one; the panel
//! is invited, scores and decides; prizes are awarded; the announcement
//! comes at its moment; the competition is archived. Every message the
//! outbox holds arrived exactly once, and the expected ones are there.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::browser_session::Browser;
use crate::helpers::{berlin, with_smtp_at};
use crate::jury::{ENTRANTS, entries_in, seated_panel};

#[tokio::test]
async fn a_gera_competition_from_draft_to_archive_with_every_email() {
    let (app, smtp) = with_smtp_at("2020-10-01T10:00").await;
    let school = app.competition_id("schulklassen-smarte-projekte").await;
    let (_, template) = app.admin_get(&format!("/api/competitions/{school}")).await;

    // A citizen follows the programme (double opt-in).
    let follower = "buergerin.gera@example.de";
    let (status, _) = app
        .request_json(
            "/api/subscriptions",
            json!({ "email": follower, "programme_id": template["programme_id"] }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.deliver().await;
    let text = crate::entry_pages::wait_for_mail(&smtp, follower, "bestaetigen").await;
    let token: String = text
        .split("token=")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let confirmed = Browser::new(&app)
        .post("/benachrichtigung/bestaetigen", &[("token", &token)])
        .await;
    assert_eq!(confirmed.status, StatusCode::OK);

    // The council adds 6,000 EUR to the budget; a draft, then scheduled.
    let programme = template["programme_id"].as_i64().unwrap();
    let (status, raised) = app
        .admin_patch(
            &format!("/api/programmes/{programme}"),
            json!({ "budget_cents": 8_700_000 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{raised}");
    let (status, created) = app
        .admin_post(
            "/api/competitions",
            json!({
                "phase_id": template["phase_id"],
                "slug": "klassen-ideen-2020",
                "target_group": "Schulklassen",
                "headline": "Klassen-Ideen 2020",
                "aim": "Ideen von Schulklassen für ein smartes Gera.",
                "opens_at": "2020-11-10T08:00:00Z",
                "closes_at": "2020-12-20T22:59:00Z",
                "prize_money_cents": 600_000,
                "entry_form": template["entry_form"],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["state"], "draft");
    let c = created["id"].as_i64().unwrap();
    let (status, moved) = app.transition(c, json!({ "event": "schedule" })).await;
    assert_eq!(status, StatusCode::OK, "{moved}");

    // It opens at its moment; four classes enter.
    app.move_clock_to(berlin("2020-11-10T10:00")).await;
    assert_eq!(
        app.admin_get(&format!("/api/competitions/{c}")).await.1["state"],
        "open"
    );
    let scene = entries_in(&app, c).await;
    // It closes at its deadline (the panel's helper moves the clock to
    // January): pre-check (the last class excluded), panel, review.
    let jurors = seated_panel(&app, &scene).await;
    assert_eq!(
        app.admin_get(&format!("/api/competitions/{c}")).await.1["state"],
        "in_review"
    );
    let winners = crate::announcement::decide_and_award(&app, &scene, &jurors).await;

    // The announcement at its moment, then the archive.
    let (status, body, _) = app
        .request(
            Method::PUT,
            &format!("/api/competitions/{c}/announcement"),
            Some(json!({ "scheduled_for": "2021-02-15T17:00:00Z", "statement": "Danke an alle Klassen." })),
            app.token.as_deref(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.move_clock_to(berlin("2021-02-15T18:05")).await;
    assert_eq!(
        app.admin_get(&format!("/api/competitions/{c}")).await.1["state"],
        "announced"
    );
    let (status, moved) = app.transition(c, json!({ "event": "archive" })).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["state"], "archived", "{moved}");
    let (status, page) = app.page("/wettbewerbe/klassen-ideen-2020/ergebnisse").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the results stay public in the archive"
    );
    for title in &winners {
        assert!(page.contains(title.as_str()));
    }

    // Every message in the outbox arrived once at the SMTP server.
    let mut delivered = 0;
    for _ in 0..50 {
        app.deliver().await;
        let pending = app.count("email_messages WHERE status <> 'sent'").await;
        delivered = app.count("email_messages").await;
        if pending == 0 && smtp.received().len() as i64 == delivered {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.count("email_messages WHERE status <> 'sent'").await, 0);
    let rows: Vec<(String, String)> = {
        use ideenwettbewerb::entities::email_message;
        use sea_orm::EntityTrait;
        email_message::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.recipient, m.template))
            .collect()
    };
    let mut per_recipient: BTreeMap<&str, usize> = BTreeMap::new();
    for (to, _) in &rows {
        *per_recipient.entry(to.as_str()).or_default() += 1;
    }
    let received = smtp.received();
    assert_eq!(received.len() as i64, delivered, "nothing sent twice");
    for (to, n) in &per_recipient {
        let arrived = received.iter().filter(|m| m.to[0] == *to).count();
        assert_eq!(arrived, *n, "{to}: {n} queued, {arrived} arrived");
    }
    let got = |to: &str, template: &str| rows.iter().any(|(r, t)| r == to && t == template);
    for template in [
        "subscription_confirm",
        "competition_scheduled",
        "competition_opened",
        "announcement",
    ] {
        assert!(
            got(follower, template),
            "{follower}: {template} in {rows:?}"
        );
    }
    for e in &ENTRANTS {
        assert!(got(e.email, "submission_received"), "{}", e.email);
    }
    assert!(got(ENTRANTS[3].email, "entry_excluded"));
    let won = |e: &&crate::jury::Entrant| winners.iter().any(|w| w == e.title);
    for e in ENTRANTS.iter().filter(won) {
        assert!(got(e.email, "results_winner"), "{}", e.email);
    }
    for e in ENTRANTS.iter().filter(|e| !won(e)) {
        assert!(got(e.email, "results_entrant"), "{}", e.email);
    }
    for juror in [
        "ilse.ahorn@jury.example",
        "bernd.birke@jury.example",
        "carla.ceder@jury.example",
    ] {
        assert!(got(juror, "jury_invitation"), "{juror} in {rows:?}");
        assert!(got(juror, "results_jury"), "{juror}");
    }
}
