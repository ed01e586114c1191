//! The public vote through the real server and SMTP: staff set it up after
//! the pre-check; the public votes anonymously with a confirmation link
//! (double votes, changed ballots, reused and forged links, parallel clicks);
//! staff see the fraud signals and void a ballot; the result stays hidden
//! until the close and then stands beside the jury's ranking, unchanged.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::browser_session::{Browser, hidden};
use crate::entry_pages::wait_for_mail;
use crate::helpers::{TestApp, berlin, with_smtp_at};
use crate::jury::{ENTRANTS, school_entries, seated_panel};

const SLUG: &str = "schulklassen-smarte-projekte";

pub(crate) async fn admin(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, json, _) = app.request(method, path, body, app.token.as_deref()).await;
    (status, json)
}

fn token_in(text: &str) -> String {
    text.split("token=")
        .nth(1)
        .unwrap_or_else(|| panic!("no link: {text}"))
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// The newest vote email to `to` that was not seen before.
pub(crate) async fn confirmation_token(
    app: &TestApp,
    smtp: &ideenwettbewerb::mail::sink::SmtpSink,
    to: &str,
    seen: &mut Vec<String>,
) -> String {
    for _ in 0..100 {
        app.deliver().await;
        let tokens: Vec<String> = smtp
            .received()
            .iter()
            .filter(|m| m.to[0] == to)
            .filter_map(|m| {
                mail_parser::MessageParser::default()
                    .parse(&m.data)
                    .and_then(|mail| mail.body_text(0).map(|t| t.into_owned()))
            })
            .filter(|t| t.contains("abstimmung/bestaetigen"))
            .map(|t| token_in(&t))
            .collect();
        if let Some(new) = tokens.into_iter().find(|t| !seen.contains(t)) {
            seen.push(new.clone());
            return new;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no new vote email to {to}");
}

pub(crate) async fn confirm(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let (status, body, _) = app
        .request(
            Method::POST,
            "/api/vote/confirmations",
            Some(json!({ "token": token })),
            None,
        )
        .await;
    (status, body)
}

/// Every confirmation link clicked twice at the same moment: the answers.
pub(crate) async fn click_twice_at_once(app: &TestApp, links: &[String]) -> Vec<StatusCode> {
    let clicks: Vec<_> = links
        .iter()
        .flat_map(|token| [token.clone(), token.clone()])
        .map(|token| {
            let request = app
                .client
                .post(app.url("/api/vote/confirmations"))
                .json(&json!({ "token": token }));
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for click in clicks {
        statuses.push(click.await.unwrap());
    }
    statuses
}

async fn ballot(app: &TestApp, c: i64, email: &str, choices: Value) -> (StatusCode, Value) {
    let (status, body, _) = app
        .request(
            Method::POST,
            &format!("/api/competitions/{c}/vote/ballots"),
            Some(json!({ "email": email, "choices": choices })),
            None,
        )
        .await;
    (status, body)
}

#[tokio::test]
async fn the_public_votes_once_per_confirmed_address_and_the_result_waits_for_the_close() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    seated_panel(&app, &scene).await; // the pre-check admitted three; 2021-01-02 09:00
    let vote_path = format!("/api/competitions/{c}/vote");

    // Staff set it up; what the rules refuse changes nothing.
    let (status, problem) = admin(
        &app,
        Method::PUT,
        &vote_path,
        Some(
            json!({ "mode": "points", "points": 100, "max_per_entry": 60,
            "opens_at": "2021-01-03T08:00:00Z", "closes_at": "2021-01-03T07:00:00Z" }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        problem["type"].as_str().map(|t| t.ends_with("vote-rule")),
        Some(true),
        "{problem}"
    );
    assert_eq!(app.count("votes").await, 0);
    let entrant = &scene.entrant_tokens[0];
    let (status, _, _) = app
        .request(
            Method::PUT,
            &vote_path,
            Some(json!({ "mode": "points", "opens_at": "2021-01-03T08:00:00Z", "closes_at": "2021-01-10T22:59:00Z" })),
            Some(entrant),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an entrant is no staff");
    let (status, vote) = admin(
        &app,
        Method::PUT,
        &vote_path,
        Some(
            json!({ "mode": "points", "points": 100, "max_per_entry": 60,
            "opens_at": "2021-01-03T08:00:00Z", "closes_at": "2021-01-10T22:59:00Z" }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{vote}");
    assert_eq!(vote["phase"], "not_yet");

    // Before it opens: no ballot.
    let shortlist: Vec<String> = vote["shortlist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kennzahl"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        shortlist.len(),
        3,
        "the admitted entries, not the excluded one"
    );
    let (status, problem) = ballot(
        &app,
        c,
        "frueh@example.de",
        json!([{ "kennzahl": shortlist[0], "points": 10 }]),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");

    app.move_clock_to(berlin("2021-01-04T12:00")).await;
    // The public sees titles, summaries and Kennzahlen, never a name.
    let (status, public, _) = app.request(Method::GET, &vote_path, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(public["phase"], "open");
    let (_, page) = app.page(&format!("/wettbewerbe/{SLUG}/abstimmung")).await;
    let (_, competition_page) = app.page(&format!("/wettbewerbe/{SLUG}")).await;
    assert!(competition_page.contains("Zur Publikumsabstimmung"));
    for text in [public.to_string(), page.clone()] {
        for e in &ENTRANTS {
            for name in e.children.split(", ").chain([e.teacher, e.email, e.school]) {
                assert!(!text.contains(name), "{name} on the vote");
            }
        }
    }
    assert!(
        !page.contains(ENTRANTS[3].title),
        "the excluded entry is not on the ballot"
    );

    // On the page: too many points for one idea, too many together; what
    // was typed stays.
    let mut voter = Browser::new(&app);
    let field = |k: &String| format!("points_{k}");
    let over_one = voter
        .post(
            &format!("/wettbewerbe/{SLUG}/abstimmung"),
            &[
                (&field(&shortlist[0]), "61"),
                ("email", "anna@example.de"),
                ("lang", "de"),
            ],
        )
        .await;
    assert_eq!(over_one.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        over_one.body.contains("höchstens 60 Punkte pro Idee"),
        "{}",
        over_one.body
    );
    assert!(over_one.body.contains(r#"value="61""#) && over_one.body.contains("anna@example.de"));
    let over_all = voter
        .post(
            &format!("/wettbewerbe/{SLUG}/abstimmung"),
            &[
                (&field(&shortlist[0]), "60"),
                (&field(&shortlist[1]), "50"),
                ("email", "anna@example.de"),
            ],
        )
        .await;
    assert_eq!(over_all.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        over_all.body.contains("110 Punkte verteilt"),
        "{}",
        over_all.body
    );
    assert_eq!(app.count("ballots").await, 0, "nothing stored");
    let sent = voter
        .post(
            &format!("/wettbewerbe/{SLUG}/abstimmung"),
            &[
                (&field(&shortlist[0]), "60"),
                (&field(&shortlist[1]), "40"),
                ("email", "Anna@Example.de"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.body.contains("Bitte bestätigen Sie Ihre Stimme"));
    let mut seen = Vec::new();
    let first = confirmation_token(&app, &smtp, "anna@example.de", &mut seen).await;
    let mail = wait_for_mail(&smtp, "anna@example.de", "abstimmung/bestaetigen").await;
    assert!(
        mail.contains("60 Punkte") && mail.contains("40 Punkte"),
        "{mail}"
    );

    // The link opens a page with a button (a mail scanner changes nothing);
    // the button counts it, once.
    let button = voter
        .get(&format!("/abstimmung/bestaetigen?token={first}"))
        .await;
    assert_eq!(button.status, StatusCode::OK);
    assert_eq!(hidden(&button.body, "token"), first);
    let counted = voter
        .post(
            "/abstimmung/bestaetigen",
            &[("token", &first), ("lang", "de")],
        )
        .await;
    assert_eq!(counted.status, StatusCode::OK, "{}", counted.body);
    assert!(counted.body.contains("Ihre Stimme zählt"));
    let reused = voter
        .post("/abstimmung/bestaetigen", &[("token", &first)])
        .await;
    assert_eq!(reused.status, StatusCode::NOT_FOUND, "a used link");
    let (status, _) = confirm(&app, "0123456789abcdef0123456789abcdef0123456789abcdef").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a forged link");

    // A second ballot from the same address: the first still counts until
    // the new one is confirmed, then the new one replaces it; a link
    // replaced by a newer ballot no longer works.
    let (status, _) = ballot(
        &app,
        c,
        "anna@example.de",
        json!([{ "kennzahl": shortlist[2], "points": 30 }]),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let replaced_link = confirmation_token(&app, &smtp, "anna@example.de", &mut seen).await;
    let (status, _) = ballot(
        &app,
        c,
        "anna@example.de",
        json!([{ "kennzahl": shortlist[2], "points": 50 }]),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let newest = confirmation_token(&app, &smtp, "anna@example.de", &mut seen).await;
    assert_eq!(confirm(&app, &replaced_link).await.0, StatusCode::NOT_FOUND);
    let (status, done) = confirm(&app, &newest).await;
    assert_eq!(
        (status, done["replaced"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{done}"
    );
    assert_eq!(app.count("ballots").await, 1, "one ballot per address");

    // Many voters at once, each link clicked twice at the same moment:
    // every ballot counts exactly once.
    let voters: Vec<String> = (0..12).map(|i| format!("waehler{i}@example.de")).collect();
    let sends: Vec<_> = voters
        .iter()
        .map(|email| {
            let request = app
                .client
                .post(app.url(&format!("/api/competitions/{c}/vote/ballots")))
                .json(&json!({ "email": email, "choices": [{ "kennzahl": shortlist[1], "points": 10 }] }));
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    for send in sends {
        assert_eq!(send.await.unwrap(), StatusCode::ACCEPTED);
    }
    let mut links = Vec::new();
    for email in &voters {
        links.push(confirmation_token(&app, &smtp, email, &mut seen).await);
    }
    let statuses = click_twice_at_once(&app, &links).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        voters.len(),
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::NOT_FOUND)
            .count(),
        voters.len()
    );

    // A disposable address; staff see the signals (all came from one
    // client address) and void that ballot with a reason.
    let (status, _) = ballot(
        &app,
        c,
        "wegwerf@yopmail.com",
        json!([{ "kennzahl": shortlist[0], "points": 60 }]),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let link = confirmation_token(&app, &smtp, "wegwerf@yopmail.com", &mut seen).await;
    assert_eq!(confirm(&app, &link).await.0, StatusCode::OK);
    let (status, review) = admin(&app, Method::GET, &format!("{vote_path}/review"), None).await;
    assert_eq!(status, StatusCode::OK, "{review}");
    assert_eq!(review["counts"]["counted"], 14, "{review}");
    let flagged = review["ballots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["email"] == "w…@yopmail.com")
        .unwrap_or_else(|| panic!("{review}"))
        .clone();
    let kinds: Vec<&str> = flagged["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["signal"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"disposable") && kinds.contains(&"same_client"),
        "{flagged}"
    );
    assert!(
        !review.to_string().contains("waehler1@"),
        "addresses masked"
    );
    let mut staff = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = staff
        .get(&format!("/verwaltung/wettbewerbe/{c}/abstimmung"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Wegwerf-Adresse (yopmail.com)"),
        "{}",
        page.body
    );
    assert!(page.body.contains("bis zum Ende der Abstimmung verborgen"));
    let csrf = hidden(&page.body, "csrf");
    let id = flagged["id"].as_i64().unwrap();
    let void_path = format!("/verwaltung/wettbewerbe/{c}/abstimmung/{id}/ungueltig");
    let refused = staff
        .post(&void_path, &[("csrf", &csrf), ("reason", "")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("begründen Sie"), "{}", refused.body);
    let voided = staff
        .post(
            &void_path,
            &[
                ("csrf", &csrf),
                ("reason", "Wegwerf-Adresse, Teil einer Serie"),
            ],
        )
        .await;
    assert_eq!(voided.status, StatusCode::SEE_OTHER, "{}", voided.body);
    let (status, _) = admin(
        &app,
        Method::POST,
        &format!("{vote_path}/ballots/{id}/void"),
        Some(json!({ "reason": "noch einmal" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "void once");
    assert_eq!(
        app.count("audit_log WHERE action = 'ballot.voided'").await,
        1
    );
    // The voided address cannot vote again: the same answer, no email.
    let before = smtp.received().len();
    let (status, _) = ballot(
        &app,
        c,
        "wegwerf@yopmail.com",
        json!([{ "kennzahl": shortlist[0], "points": 1 }]),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    app.deliver().await;
    assert_eq!(smtp.received().len(), before);

    // Hidden until the close, for staff too; the jury's ranking is the same
    // before and after.
    let (status, problem) = admin(&app, Method::GET, &format!("{vote_path}/result"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (_, ranking_before) = admin(
        &app,
        Method::GET,
        &format!("/api/competitions/{c}/jury/ranking"),
        None,
    )
    .await;
    let (status, _) = ballot(
        &app,
        c,
        "spaet@example.de",
        json!([{ "kennzahl": shortlist[1], "points": 5 }]),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let late = confirmation_token(&app, &smtp, "spaet@example.de", &mut seen).await;

    app.move_clock_to(berlin("2021-01-11T00:30")).await;
    let (status, problem) = confirm(&app, &late).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "confirmed after the close: {problem}"
    );
    let (status, _) = ballot(
        &app,
        c,
        "nachzuegler@example.de",
        json!([{ "kennzahl": shortlist[1], "points": 5 }]),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "after the close");
    let (status, result) = admin(&app, Method::GET, &format!("{vote_path}/result"), None).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["counts"]["counted"], 13, "{result}");
    assert_eq!(result["counts"]["voided"], 1);
    let points = |k: &str| {
        result["tally"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kennzahl"] == k)
            .unwrap()["points"]
            .as_u64()
            .unwrap()
    };
    // Anna's replaced ballot (50 for the third), twelve voters' 10 for the
    // second; the voided 60 for the first does not count.
    assert_eq!(points(&shortlist[0]), 0);
    assert_eq!(points(&shortlist[1]), 120);
    assert_eq!(points(&shortlist[2]), 50);
    assert_eq!(result["tally"][0]["kennzahl"], shortlist[1].as_str());
    let (_, ranking_after) = admin(
        &app,
        Method::GET,
        &format!("/api/competitions/{c}/jury/ranking"),
        None,
    )
    .await;
    assert_eq!(
        ranking_before, ranking_after,
        "the vote never changes the jury's ranking"
    );
    // A week later the staff member signs in again.
    let mut staff = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let sitting = staff
        .get(&format!("/verwaltung/wettbewerbe/{c}/rangfolge"))
        .await;
    assert_eq!(sitting.status, StatusCode::OK, "{:?}", sitting.location);
    assert!(
        sitting.body.contains("Ergebnis der Publikumsabstimmung"),
        "{}",
        sitting.body
    );
    let page = staff
        .get(&format!("/verwaltung/wettbewerbe/{c}/abstimmung"))
        .await;
    assert!(page.body.contains("<td>120</td>"), "{}", page.body);
}

/// The confirmation emails the SMTP server received for `to`, once the
/// outbox is drained.
async fn links_sent_to(
    app: &TestApp,
    smtp: &ideenwettbewerb::mail::sink::SmtpSink,
    to: &str,
) -> usize {
    while app.deliver().await.sent > 0 {}
    smtp.received().iter().filter(|m| m.to[0] == to).count()
}

/// These ballots all at once through the API: how many were accepted, and
/// the `Retry-After` of each refused one.
async fn ballots_at_once(app: &TestApp, c: i64, ballots: Vec<Value>) -> (usize, Vec<Option<i64>>) {
    let requests: Vec<_> = ballots
        .into_iter()
        .map(|body| {
            let request = app
                .client
                .post(app.url(&format!("/api/competitions/{c}/vote/ballots")))
                .json(&body);
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse::<i64>().ok());
                (response.status(), wait)
            })
        })
        .collect();
    let (mut accepted, mut limited) = (0, Vec::new());
    for request in requests {
        match request.await.unwrap() {
            (StatusCode::ACCEPTED, _) => accepted += 1,
            (StatusCode::TOO_MANY_REQUESTS, wait) => limited.push(wait),
            other => panic!("neither accepted nor limited: {other:?}"),
        }
    }
    (accepted, limited)
}

/// The competition's vote form sent with points for one idea.
async fn vote_on_the_page(
    voter: &mut Browser<'_>,
    kennzahl: &str,
    points: &str,
    email: &str,
) -> crate::browser_session::Page {
    voter
        .post(
            &format!("/wettbewerbe/{SLUG}/abstimmung"),
            &[
                (&format!("points_{kennzahl}"), points),
                ("email", email),
                ("lang", "de"),
            ],
        )
        .await
}

#[tokio::test]
async fn one_address_is_sent_at_most_five_links_an_hour_also_when_asked_at_once() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    seated_panel(&app, &scene).await;
    let (status, vote) = admin(
        &app,
        Method::PUT,
        &format!("/api/competitions/{c}/vote"),
        Some(
            json!({ "mode": "points", "points": 100, "max_per_entry": 60,
            "opens_at": "2021-01-03T08:00:00Z", "closes_at": "2021-01-10T22:59:00Z" }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{vote}");
    let kennzahl = vote["shortlist"][0]["kennzahl"]
        .as_str()
        .unwrap()
        .to_owned();
    app.move_clock_to(berlin("2021-01-04T12:00")).await;
    let points = |n: u32| json!([{ "kennzahl": kennzahl, "points": n }]);

    // Five ballots in a row for one address: five links; the sixth is
    // refused with when to ask again, and nothing about it is stored.
    for n in 1..=5 {
        // 12:00, 12:10, … 12:40
        let at = berlin("2021-01-04T12:00") + chrono::Duration::minutes(10 * (n as i64 - 1));
        app.move_clock_to(at).await;
        let (status, body) = ballot(&app, c, "viel@example.de", points(n)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{n}: {body}");
    }
    let audit_before = app.count("audit_log").await;
    let response = app
        .client
        .post(app.url(&format!("/api/competitions/{c}/vote/ballots")))
        .json(&json!({ "email": "viel@example.de", "choices": points(6) }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1200"),
        "until the first is an hour old"
    );
    let problem: Value = response.json().await.unwrap();
    assert_eq!(
        problem["type"]
            .as_str()
            .map(|t| t.ends_with("rate-limited")),
        Some(true),
        "{problem}"
    );
    assert_eq!(app.count("audit_log").await, audit_before, "nothing stored");
    assert_eq!(links_sent_to(&app, &smtp, "viel@example.de").await, 5);

    // On the page too: the form comes back with what was typed and says
    // when a new link can be asked for; the last link still counts.
    let mut voter = Browser::new(&app);
    let refused = vote_on_the_page(&mut voter, &kennzahl, "42", "viel@example.de").await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("schon 5 Bestätigungslinks")
            && refused.body.contains("in 20 Minuten anfordern"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains(r#"value="42""#) && refused.body.contains("viel@example.de"));
    let last = token_in(&wait_for_mail(&smtp, "viel@example.de", ": 5 Punkte").await);
    let (status, body) = confirm(&app, &last).await;
    assert_eq!(status, StatusCode::OK, "the last link still counts: {body}");
    // Another address is not held back.
    let (status, _) = ballot(&app, c, "andere@example.de", points(1)).await;
    assert_eq!(status, StatusCode::ACCEPTED);

    // An hour after the first link, one more may go.
    app.move_clock_to(berlin("2021-01-04T13:00") + chrono::Duration::seconds(1))
        .await;
    let (status, body) = ballot(&app, c, "viel@example.de", points(7)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (status, _) = ballot(&app, c, "viel@example.de", points(8)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the other four are younger"
    );
    assert_eq!(links_sent_to(&app, &smtp, "viel@example.de").await, 6);

    // Twelve ballots for a new address at the same moment: five links.
    let twelve = (1..=12)
        .map(|n| json!({ "email": "zugleich@example.de", "choices": points(n) }))
        .collect();
    let (accepted, limited) = ballots_at_once(&app, c, twelve).await;
    assert_eq!((accepted, limited.len()), (5, 7), "{limited:?}");
    assert_eq!(links_sent_to(&app, &smtp, "zugleich@example.de").await, 5);

    // One client (a script, or a school's shared connection) sends at most
    // 120 ballots in ten minutes, however many addresses: 130 at once.
    app.move_clock_to(berlin("2021-01-04T13:20")).await;
    let many = (1..=130)
        .map(|n| json!({ "email": format!("klasse{n}@example.de"), "choices": points(1) }))
        .collect();
    let (accepted, limited) = ballots_at_once(&app, c, many).await;
    assert_eq!((accepted, limited.len()), (120, 10), "{limited:?}");
    assert!(limited.iter().all(|wait| *wait == Some(600)), "{limited:?}");
    let busy = vote_on_the_page(&mut voter, &kennzahl, "33", "spaeter@example.de").await;
    assert_eq!(
        busy.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        busy.body
    );
    assert!(
        busy.body.contains("sehr viele Stimmen") && busy.body.contains("in 10 Minuten"),
        "{}",
        busy.body
    );
    assert!(busy.body.contains(r#"value="33""#) && busy.body.contains("spaeter@example.de"));
    app.move_clock_to(berlin("2021-01-04T13:30")).await;
    let (status, _) = ballot(&app, c, "spaeter@example.de", points(1)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "ten minutes later");
}
