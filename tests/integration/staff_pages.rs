//! The city's workplace on the pages: the dashboard's "needs attention", the
//! programme and competition pages, and deadlines of several competitions at once.

use reqwest::StatusCode;
use sea_orm::ConnectionTrait;

use crate::helpers::{berlin, with_smtp_at};

#[tokio::test]
async fn the_dashboard_shows_what_needs_attention() {
    let (app, smtp) = with_smtp_at("2020-09-25T10:00").await;
    let mut admin = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = admin.get("/verwaltung").await.body;
    assert!(page.contains("Braucht Aufmerksamkeit"), "{page}");
    assert_eq!(
        page.matches("Einsendeschluss am 30.09.2020, 23:59 Uhr (in weniger als 7 Tagen).")
            .count(),
        4,
        "the four competitions of phase 1: {page}"
    );
    assert!(!page.contains("die Bewertung hat noch nicht begonnen"));

    // After the deadline: closed, waiting for the review, with the step to start it.
    app.move_clock_to(berlin("2020-10-01T10:00")).await;
    app.deliver().await;
    // Days later: a new sign-in (sessions end when idle).
    let mut admin = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = admin.get("/verwaltung").await.body;
    assert_eq!(
        page.matches("Geschlossen; die Bewertung hat noch nicht begonnen.")
            .count(),
        4,
        "{page}"
    );
    let competition = app.competition_id("unternehmen-smarte-vernetzung").await;
    assert!(page.contains(&format!(
        "/verwaltung/wettbewerbe/{competition}/schritt/start_review?lang=de\">Bewertung beginnen"
    )), "{page}");
    assert!(!page.contains("nicht zugestellt"));

    // A message that could not be delivered shows for administrators.
    app.state
        .db
        .execute_unprepared("UPDATE email_messages SET status = 'failed' WHERE id = 1")
        .await
        .unwrap();
    let page = admin.get("/verwaltung").await.body;
    assert!(
        page.contains("1 E-Mail konnte nicht zugestellt werden"),
        "{page}"
    );
    assert!(page.contains("/admin/emails?status=failed&amp;lang=de"));
    let step = admin
        .get(&format!(
            "/verwaltung/wettbewerbe/{competition}/schritt/start_review"
        ))
        .await;
    assert_eq!(step.status, StatusCode::OK);
}
