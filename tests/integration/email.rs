//! Email through a real SMTP server on 127.0.0.1: subscriptions with double opt-in,
//! delivery, outages, crashes, concurrent workers, failures, and the admin view.

use std::collections::HashSet;
use std::time::Duration;

use chrono::Duration as Span;
use ideenwettbewerb::mail::sink::{ReceivedMail, SmtpSink};
use ideenwettbewerb::mail::templates::{
    EmailTemplates, Envelope, LOCALES, TEMPLATE_NAMES, sample_context,
};
use ideenwettbewerb::services::emails::{self, NewEmail};
use mail_parser::MessageParser;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, berlin};

const WAIT: Duration = Duration::from_secs(10);

async fn sink() -> SmtpSink {
    SmtpSink::start("127.0.0.1:0".parse().unwrap())
        .await
        .expect("SMTP sink")
}

struct Parsed {
    subject: String,
    text: String,
    html: String,
    to: String,
    from_name: String,
    message_id: String,
    content_type: String,
    list_unsubscribe: Option<String>,
}

fn parse(mail: &ReceivedMail) -> Parsed {
    let message = MessageParser::default()
        .parse(&mail.data)
        .expect("a MIME message");
    Parsed {
        subject: message.subject().unwrap_or_default().to_owned(),
        text: message.body_text(0).unwrap_or_default().into_owned(),
        html: message.body_html(0).unwrap_or_default().into_owned(),
        to: message
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_owned(),
        from_name: message
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.name())
            .unwrap_or_default()
            .to_owned(),
        message_id: message.message_id().unwrap_or_default().to_owned(),
        content_type: message
            .header_raw("Content-Type")
            .unwrap_or_default()
            .to_owned(),
        list_unsubscribe: message
            .header_raw("List-Unsubscribe")
            .map(|v| v.trim().to_owned()),
    }
}

/// The value of `name=` in the first link of `text` that contains `path`.
fn token_in(text: &str, path: &str) -> String {
    let start = text
        .find(path)
        .unwrap_or_else(|| panic!("no {path} link in {text}"));
    let rest = &text[start..];
    let token = rest.split("token=").nth(1).expect("a token");
    token
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// Queues `n` sample messages directly, as a feature would.
pub(crate) async fn queue(app: &TestApp, n: usize, recipient: impl Fn(usize) -> String) {
    for i in 0..n {
        let email = NewEmail {
            idempotency_key: format!("test:{i}:{}", recipient(i)),
            template: "competition_opened",
            locale: "de".into(),
            recipient: recipient(i),
            context: sample_context("competition_opened"),
            competition_id: None,
            event_id: None,
        };
        assert!(
            emails::enqueue(&app.state.db, app.clock.now_for_tests(), email)
                .await
                .unwrap()
        );
    }
}

trait Now {
    fn now_for_tests(&self) -> chrono::DateTime<chrono::Utc>;
}

impl Now for std::sync::Arc<ideenwettbewerb::clock::ManualClock> {
    fn now_for_tests(&self) -> chrono::DateTime<chrono::Utc> {
        use ideenwettbewerb::clock::Clock;
        self.now()
    }
}

async fn statuses(app: &TestApp) -> Vec<String> {
    let (_, list) = app.admin_get("/api/admin/emails?limit=500").await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn subscribers_confirm_then_hear_of_the_opening_and_can_leave_with_one_click() {
    let smtp = sink().await;
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;
    let id = app.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();

    let (status, _) = app
        .request_json(
            "/api/subscriptions",
            json!({ "email": "Anna.Schmidt@Example.de", "programme_id": 1, "competition_id": id }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.deliver().await;
    let mails = smtp.wait_for(1, WAIT).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["anna.schmidt@example.de"]);
    let confirm = parse(&mails[0]);
    assert_eq!(
        confirm.subject,
        "Bitte bestätigen Sie: Benachrichtigungen zu Smarte Projekte für Gera"
    );

    // Before confirming, the opening sends nothing.
    app.move_clock_to(berlin("2020-07-20T00:00")).await;
    app.deliver().await;
    assert_eq!(smtp.received().len(), 1, "no mail without confirmation");

    let token = token_in(&confirm.text, "/benachrichtigung/bestaetigen");
    let (status, page) = app
        .page(&format!("/benachrichtigung/bestaetigen?token={token}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Bestätigen"),
        "a button, so link scanners change nothing"
    );
    let response = app
        .client
        .post(app.url("/benachrichtigung/bestaetigen"))
        .form(&[("token", token.as_str()), ("lang", "de")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("Bestätigt"));

    // The deadline is extended: the subscriber hears of it, in German, with both parts.
    let (status, _) = app
        .admin_patch(
            &format!("/api/competitions/{id}"),
            json!({ "closes_at": "2020-12-31T23:59:00+01:00" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.deliver().await;
    let mails = smtp.wait_for(2, WAIT).await;
    assert_eq!(mails.len(), 2);
    let extended = parse(&mails[1]);
    assert_eq!(
        extended.subject,
        "Mehr Zeit: Einsendeschluss verlängert für Smarte Projekte für Gera · Alle, die Gera lieben"
    );
    assert_eq!(extended.to, "anna.schmidt@example.de");
    assert_eq!(extended.from_name, "SMARTCity Gera");
    assert!(
        extended.content_type.contains("multipart/alternative"),
        "{}",
        extended.content_type
    );
    assert!(
        extended
            .text
            .contains("von 20.11.2020, 23:59 Uhr auf 31.12.2020, 23:59 Uhr"),
        "{}",
        extended.text
    );
    assert!(extended.html.contains("Smarte Projekte für Gera"));
    assert!(extended.message_id.ends_with("@ideenwettbewerb"));

    // One-click unsubscribe (RFC 8058), then nothing more arrives.
    let unsubscribe = extended.list_unsubscribe.expect("List-Unsubscribe header");
    let url = unsubscribe.trim_start_matches('<').trim_end_matches('>');
    let path = &url[url.find("/benachrichtigung").unwrap()..];
    let response = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    app.transition(id, json!({ "event": "cancel", "reason": "Test" }))
        .await;
    app.move_clock_to(berlin("2021-01-01T00:00")).await;
    app.deliver().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let to_anna = smtp
        .received()
        .iter()
        .filter(|m| m.to[0] == "anna.schmidt@example.de")
        .count();
    assert_eq!(to_anna, 2, "nothing after unsubscribing");
}

#[tokio::test]
async fn the_deadline_closing_tells_administrators() {
    let smtp = sink().await;
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;
    app.move_clock_to(berlin("2020-09-30T23:59")).await;
    let round = app.deliver().await;
    assert_eq!(
        round.sent, 4,
        "one mail per closed phase-1 competition: {round:?}"
    );
    let mails = smtp.wait_for(4, WAIT).await;
    let subjects: HashSet<_> = mails.iter().map(|m| parse(m).subject).collect();
    assert!(
        subjects.contains("Einsendeschluss erreicht: Smartes Handwerk · Handwerksbetriebe"),
        "{subjects:?}"
    );
    assert!(mails.iter().all(|m| m.to == ["admin@localhost"]));
}

#[tokio::test]
async fn an_smtp_outage_delays_but_loses_nothing_and_duplicates_nothing() {
    let mut smtp = sink().await;
    let app = TestApp::builder()
        .without_seed()
        .smtp(smtp.addr())
        .spawn()
        .await;
    queue(&app, 5, |i| format!("person{i}@example.de")).await;
    smtp.stop();

    let round = app.deliver().await;
    assert_eq!((round.sent, round.failed), (0, 5));
    assert!(
        statuses(&app).await.iter().all(|s| s == "pending"),
        "waiting to retry"
    );
    let (_, list) = app.admin_get("/api/admin/emails").await;
    assert!(
        list[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("temporary"),
        "{list}"
    );
    assert_eq!(list[0]["attempts"], 1);

    assert_eq!(app.deliver().await.sent, 0, "not before the retry time");
    smtp.restart().await.unwrap();
    app.clock.advance(Span::minutes(10));
    let round = app.deliver().await;
    assert_eq!(round.sent, 5, "{round:?}");
    app.clock.advance(Span::hours(10));
    assert_eq!(app.deliver().await.sent, 0);
    let mails = smtp.wait_for(5, WAIT).await;
    let recipients: HashSet<_> = mails.iter().map(|m| m.to[0].clone()).collect();
    assert_eq!((mails.len(), recipients.len()), (5, 5), "each exactly once");
    assert!(statuses(&app).await.iter().all(|s| s == "sent"));
}

#[tokio::test]
async fn what_committed_before_a_crash_is_sent_after_the_restart() {
    let smtp = sink().await;
    let first = TestApp::builder().smtp(smtp.addr()).spawn().await;
    // Phase 1 closes: four events are committed, then the process dies unsent.
    let closing = berlin("2020-09-30T23:59");
    first.move_clock_to(closing).await;
    // And a delivery round had claimed a message when it died.
    queue(&first, 1, |_| "claimed@example.de".into()).await;
    let claimed = emails::claim(&first.state.db, closing, Span::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let restart = TestApp::builder()
        .database_of(&first)
        .smtp(smtp.addr())
        .at(closing)
        .with_worker();
    first.stop().await;
    assert!(smtp.received().is_empty());

    let second = restart.spawn().await;
    let mails = smtp.wait_for(4, WAIT).await;
    assert_eq!(
        mails.len(),
        4,
        "the committed events are delivered by the restarted process"
    );
    assert!(
        mails
            .iter()
            .all(|m| parse(m).subject.starts_with("Einsendeschluss erreicht"))
    );

    // The claimed message waits for its claim to expire, then goes out once.
    second.clock.advance(Span::minutes(6));
    second.state.wake.notify_one();
    let mails = smtp.wait_for(5, WAIT).await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.to[0] == "claimed@example.de")
            .count(),
        1
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.received().len(), 5, "nothing twice");
}

#[tokio::test]
async fn two_workers_on_one_database_send_each_message_exactly_once() {
    let smtp = sink().await;
    let first = TestApp::builder()
        .without_seed()
        .smtp(smtp.addr())
        .spawn()
        .await;
    let second = TestApp::builder()
        .database_of(&first)
        .smtp(smtp.addr())
        .spawn()
        .await;
    queue(&first, 120, |i| format!("p{i}@example.de")).await;
    loop {
        let (a, b) = tokio::join!(first.deliver(), second.deliver());
        if a.sent + b.sent == 0 {
            break;
        }
    }
    let mails = smtp.wait_for(120, WAIT).await;
    let ids: HashSet<_> = mails.iter().map(|m| parse(m).message_id).collect();
    assert_eq!(mails.len(), 120, "no duplicates");
    assert_eq!(ids.len(), 120);
    assert!(statuses(&first).await.iter().all(|s| s == "sent"));
}

#[tokio::test]
async fn a_refused_recipient_is_parked_and_admins_retry_or_resend() {
    let smtp = sink().await;
    let app = TestApp::builder()
        .without_seed()
        .smtp(smtp.addr())
        .spawn()
        .await;
    queue(&app, 1, |_| "reject@example.de".into()).await;
    queue_one(&app, "ok@example.de").await;
    let round = app.deliver().await;
    assert_eq!((round.sent, round.failed), (1, 1));

    let (_, failed) = app.admin_get("/api/admin/emails?status=failed").await;
    assert_eq!(
        failed.as_array().unwrap().len(),
        1,
        "a 5xx answer parks at once"
    );
    assert!(
        failed[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("permanent")
    );
    let failed_id = failed[0]["id"].as_i64().unwrap();
    let (_, sent) = app
        .admin_get("/api/admin/emails?status=sent&recipient=OK@example.de")
        .await;
    let sent_id = sent[0]["id"].as_i64().unwrap();

    let (status, preview) = app.admin_get(&format!("/api/admin/emails/{sent_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        preview["subject"],
        "Jetzt Ideen einreichen: Smarte Projekte für Gera · Alle, die Gera lieben"
    );
    assert!(
        preview["html"]
            .as_str()
            .unwrap()
            .contains("<html lang=\"de\">")
    );

    let (status, problem) = app
        .admin_post(&format!("/api/admin/emails/{sent_id}/retry"), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, retried) = app
        .admin_post(&format!("/api/admin/emails/{failed_id}/retry"), json!({}))
        .await;
    assert_eq!(
        (status, retried["status"].as_str()),
        (StatusCode::OK, Some("pending"))
    );
    let (status, copy) = app
        .admin_post(&format!("/api/admin/emails/{sent_id}/resend"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(copy["resent_from_id"], sent_id);
    let round = app.deliver().await;
    assert_eq!((round.sent, round.failed), (1, 1));
    assert_eq!(
        smtp.wait_for(2, WAIT)
            .await
            .iter()
            .filter(|m| m.to[0] == "ok@example.de")
            .count(),
        2
    );
    assert_eq!(app.count("audit_log WHERE subject_type = 'email'").await, 2);

    let (status, _) = app.admin_get("/api/admin/emails/999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app
        .request(reqwest::Method::GET, "/api/admin/emails", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn queue_one(app: &TestApp, recipient: &str) {
    let email = NewEmail {
        idempotency_key: format!("one:{recipient}"),
        template: "competition_opened",
        locale: "de".into(),
        recipient: recipient.into(),
        context: sample_context("competition_opened"),
        competition_id: None,
        event_id: None,
    };
    emails::enqueue(&app.state.db, app.clock.now_for_tests(), email)
        .await
        .unwrap();
}

#[tokio::test]
async fn without_smtp_email_is_written_as_eml_files() {
    let app = TestApp::spawn().await;
    let (status, _) = app
        .request_json(
            "/api/subscriptions",
            json!({ "email": "max@example.de", "locale": "en", "programme_id": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(app.deliver().await.sent, 1);
    let files: Vec<_> = std::fs::read_dir(app.outbox.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].extension().is_some_and(|e| e == "eml"));
    assert_eq!(
        app.count("email_messages WHERE delivered_via = 'file'")
            .await,
        1,
        "recorded as written to a file, not as sent to a server"
    );
    let raw = std::fs::read(&files[0]).unwrap();
    let message = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        message.subject(),
        Some("Please confirm: notifications about SMARTCity Gera")
    );
}

#[tokio::test]
async fn events_and_subscriptions_are_never_queued_twice() {
    let app = TestApp::spawn().await;
    for _ in 0..2 {
        let (status, _) = app
            .request_json(
                "/api/subscriptions",
                json!({ "email": "max@example.de", "programme_id": 1 }),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    app.deliver().await;
    let before = app.count("email_messages").await;
    // Re-emitting already processed events must not queue their mails again.
    let db = &app.state.db;
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("UPDATE outbox_events SET processed_at = NULL")
        .await
        .unwrap();
    app.deliver().await;
    assert_eq!(app.count("email_messages").await, before);
}

#[tokio::test]
async fn bad_subscriptions_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({ "email": "not-an-address", "programme_id": 1 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
        ),
        (
            json!({ "email": "a@b.de\r\nBcc: x@y.de", "programme_id": 1 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
        ),
        (
            json!({ "email": "a@b.de", "programme_id": 99 }),
            StatusCode::NOT_FOUND,
            "programme 99",
        ),
        (
            json!({ "email": "a@b.de", "programme_id": 1, "competition_id": 999 }),
            StatusCode::NOT_FOUND,
            "competition 999",
        ),
        (
            json!({ "email": "a@b.de", "programme_id": 1, "locale": "fr" }),
            StatusCode::BAD_REQUEST,
            "locale",
        ),
        (
            json!({ "email": "a@b.de", "programme_id": 1, "spam": true }),
            StatusCode::BAD_REQUEST,
            "spam",
        ),
    ];
    for (body, expected, mentions) in cases {
        let (status, problem) = app.request_json("/api/subscriptions", body.clone()).await;
        assert_eq!(status, expected, "{body}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(mentions),
            "{body}: {problem}"
        );
    }
    assert_eq!(app.count("subscriptions").await, 0);
    assert_eq!(
        app.count("outbox_events WHERE event_type = 'subscription.requested'")
            .await,
        0
    );

    let response = app
        .client
        .post(app.url("/benachrichtigung"))
        .form(&[("email", "kaputt"), ("programme_id", "1"), ("lang", "de")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("name@beispiel.de"));
    let (status, page) = app.page("/benachrichtigung/abmelden?token=unknown").await;
    assert_eq!(status, StatusCode::OK, "the page with the button");
    assert!(page.contains("Abbestellen"));
    let response = app
        .client
        .post(app.url("/benachrichtigung/abmelden"))
        .form(&[("token", "unknown")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[test]
fn every_email_template_in_both_languages_matches_its_snapshot() {
    let templates = EmailTemplates::load().expect("templates");
    for name in TEMPLATE_NAMES {
        for locale in LOCALES {
            let envelope = Envelope {
                locale,
                sender_name: "SMARTCity Gera",
                site_url: "https://ideen.gera.de",
                unsubscribe_url: Some("https://ideen.gera.de/benachrichtigung/abmelden?token=abc"),
            };
            let email = templates
                .render(name, &sample_context(name), &envelope)
                .unwrap();
            let shown = format!(
                "Subject: {}\n\n--- text ---\n{}\n--- html ---\n{}",
                email.subject, email.text, email.html
            );
            insta::assert_snapshot!(format!("email_{name}_{locale}"), shown);
        }
    }
}

#[tokio::test]
async fn a_mail_server_down_over_a_weekend_loses_nothing() {
    let mut smtp = sink().await;
    let app = TestApp::builder()
        .without_seed()
        .smtp(smtp.addr())
        .configure(|settings| settings.mail.retry_base_seconds = 30)
        .spawn()
        .await;
    queue(&app, 3, |i| format!("wochenende{i}@example.de")).await;
    smtp.stop();
    // Friday evening to Monday morning: 60 hours of refused connections, a round
    // every 10 minutes. The old policy (8 attempts from 30 s) parked them after
    // about an hour.
    let mut attempts = 0;
    for _ in 0..360 {
        let round = app.deliver().await;
        attempts += round.failed;
        app.clock.advance(Span::minutes(10));
    }
    let waiting = app.count("email_messages WHERE status = 'pending'").await;
    println!("after a 60 h outage: expected 3 waiting, got {waiting} ({attempts} attempts)");
    assert_eq!(waiting, 3);
    let (_, list) = app.admin_get("/api/admin/emails").await;
    assert!(list[0]["last_error"].as_str().is_some(), "{list}");
    let (status, ready) = app.page("/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ready.contains("emails waiting for a retry: 3"), "{ready}");

    smtp.restart().await.unwrap();
    // At most an hour (with jitter, 75 minutes) until each tries again.
    app.clock.advance(Span::minutes(80));
    let round = app.deliver().await;
    assert_eq!(round.sent, 3, "{round:?}");
    assert_eq!(smtp.wait_for(3, WAIT).await.len(), 3);

    // Past the window a message is parked, for an administrator to retry.
    queue(&app, 1, |_| "spaeter@example.de".into()).await;
    smtp.stop();
    for _ in 0..80 {
        app.deliver().await;
        app.clock.advance(Span::hours(1));
    }
    assert_eq!(app.count("email_messages WHERE status = 'failed'").await, 1);
}

#[tokio::test]
async fn two_workers_and_a_slow_mail_server_send_each_message_once() {
    let smtp = sink().await;
    // 1 s per message (200 ms here, with the clocks running five times as fast),
    // a 5 s lease, 40 messages over 4 connections: one worker's connection holds
    // ten messages, twice the lease. (Without renewing the claim before each
    // message, 12 of 40 went out twice.)
    smtp.set_delay(std::time::Duration::from_millis(200));
    let slow = |settings: &mut ideenwettbewerb::config::Settings| {
        settings.mail.claim_lease_seconds = 5;
    };
    let first = TestApp::builder()
        .without_seed()
        .smtp(smtp.addr())
        .configure(slow)
        .spawn()
        .await;
    queue(&first, 40, |i| format!("langsam{i}@example.de")).await;
    // Both deliver in the background, each looking for due mail every 50 ms.
    let first = TestApp::builder()
        .database_of(&first)
        .without_seed()
        .smtp(smtp.addr())
        .configure(slow)
        .with_worker()
        .spawn()
        .await;
    let second = TestApp::builder()
        .database_of(&first)
        .without_seed()
        .smtp(smtp.addr())
        .configure(slow)
        .with_worker()
        .spawn()
        .await;
    let clocks = (first.clock.clone(), second.clock.clone());
    let ticking = tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            clocks.0.advance(Span::milliseconds(100));
            clocks.1.advance(Span::milliseconds(100));
        }
    });
    for _ in 0..200 {
        if first.count("email_messages WHERE status = 'sent'").await == 40 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Time for a duplicate to arrive, if one were on its way.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    ticking.abort();
    let mails = smtp.received();
    let recipients: HashSet<_> = mails.iter().map(|m| m.to[0].clone()).collect();
    println!(
        "slow server, two workers: expected 40 messages, got {} ({} distinct)",
        mails.len(),
        recipients.len()
    );
    assert_eq!(
        (mails.len(), recipients.len()),
        (40, 40),
        "no message twice"
    );
    assert_eq!(
        first.count("email_messages WHERE status = 'sent'").await,
        40
    );
}
