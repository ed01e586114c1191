//! Winners' payout details: the lead author enters them after the
//! announcement (IBANs checked, every problem shown with what was typed
//! kept); they are stored sealed, shown to staff masked, and exported in
//! full only to administrators, each export audited; a second instance with
//! the same key reads them.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::browser_session::hidden;
use crate::entry_pages::wait_for_mail;
use crate::helpers::{TestApp, berlin, with_smtp_at};
use crate::jury::ENTRANTS;

const IBAN: &str = "DE89370400440532013000";
const HOLDER: &str = "Förderverein der Regelschule Ost e. V.";

async fn sql_strings(app: &TestApp, sql: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = &app.state.db;
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap_or_default())
        .collect()
}

/// The winner's payout link from their email, and the entry's id.
fn payout_link(text: &str) -> (String, i64) {
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/auszahlung"))
        .unwrap_or_else(|| panic!("no payout link: {text}"));
    let path = link[link.find("/konto/").unwrap()..].to_owned();
    let id = path
        .trim_start_matches("/konto/ideen/")
        .trim_end_matches("/auszahlung")
        .parse()
        .unwrap();
    (path, id)
}

#[tokio::test]
async fn winners_give_payout_details_that_are_sealed_masked_and_exported_only_to_administrators() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let (c, winners) = crate::announcement::decided_and_awarded(&app).await;
    let (status, body) = crate::announcement::admin(
        &app,
        Method::PUT,
        &format!("/api/competitions/{c}/announcement"),
        Some(json!({ "scheduled_for": "2021-02-15T17:00:00Z" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.move_clock_to(berlin("2021-02-15T18:05")).await;
    app.deliver().await;

    // The winners' emails link the form; the cash prize needs an account,
    // the voucher an address.
    let won: Vec<_> = ENTRANTS
        .iter()
        .filter(|e| winners.iter().any(|w| w == e.title))
        .collect();
    let mut cash = None;
    let mut voucher = None;
    for e in &won {
        let text = wait_for_mail(&smtp, e.email, "ausgezeichnet").await;
        let (path, id) = payout_link(&text);
        if text.contains("Preisgeld") {
            cash = Some((e, path, id));
        } else {
            assert!(text.contains("Einkaufsgutschein"), "{text}");
            voucher = Some((e, path, id));
        }
    }
    let (cash_winner, cash_path, cash_entry) = cash.expect("a cash winner");
    let (voucher_winner, voucher_path, _) = voucher.expect("a voucher winner");

    let mut winner = crate::credentials::signed_in_browser(&app, &smtp, cash_winner.email).await;
    let page = winner.get(&cash_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Bankverbindung"), "{}", page.body);
    assert!(!page.body.contains(r#"id="street""#), "no address for cash");
    let csrf = hidden(&page.body, "csrf");

    // A wrong digit: the rule's message, what was typed kept, nothing stored.
    let typo = "DE89 3704 0044 0532 0130 01";
    let refused = winner
        .post(
            &cash_path,
            &[("csrf", &csrf), ("holder", HOLDER), ("iban", typo)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Prüfziffer"), "{}", refused.body);
    assert!(refused.body.contains(&format!(r#"value="{typo}""#)));
    assert!(
        refused
            .body
            .contains("Förderverein der Regelschule Ost e. V.")
    );
    assert!(
        refused.body.contains(r##"href="#iban""##),
        "the summary links the field"
    );
    assert_eq!(app.count("payout_details").await, 0);

    let saved = winner
        .post(
            &cash_path,
            &[
                ("csrf", &csrf),
                ("holder", HOLDER),
                ("iban", "de89 3704 0044 0532 0130 00"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = winner.get(saved.location.as_deref().unwrap()).await;
    assert!(
        page.body
            .contains("Ihre Angaben zur Auszahlung sind gespeichert."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("DE89 3704 0044 0532 0130 00"),
        "shown to its author"
    );

    // The voucher: an address, every missing field named at once.
    let mut other = crate::credentials::signed_in_browser(&app, &smtp, voucher_winner.email).await;
    let page = other.get(&voucher_path).await;
    assert!(page.body.contains("Postanschrift") && !page.body.contains(r#"id="iban""#));
    let csrf = hidden(&page.body, "csrf");
    let refused = other
        .post(&voucher_path, &[("csrf", &csrf), ("street", "Markt 1")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Postleitzahl") && refused.body.contains("Ort an"));
    assert!(refused.body.contains(r#"value="Markt 1""#));
    let saved = other
        .post(
            &voucher_path,
            &[
                ("csrf", &csrf),
                ("street", "Markt 1"),
                ("postcode", "07545"),
                ("city", "Gera"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // No one else's form: not the other winner's, not an entry without a prize.
    assert_eq!(other.get(&cash_path).await.status, StatusCode::NOT_FOUND);
    let loser = ENTRANTS
        .iter()
        .find(|e| !winners.iter().any(|w| w == e.title))
        .unwrap();
    let mut nobody = crate::credentials::signed_in_browser(&app, &smtp, loser.email).await;
    assert_eq!(nobody.get(&cash_path).await.status, StatusCode::NOT_FOUND);

    // Stored sealed: neither the IBAN nor the holder nor the street is
    // readable in the row or the audit log.
    assert_eq!(app.count("payout_details").await, 2);
    let masked = sql_strings(
        &app,
        "SELECT iban_masked FROM payout_details ORDER BY entry_id",
    )
    .await;
    assert!(masked.contains(&"DE89 **** 3000".to_owned()), "{masked:?}");
    {
        use ideenwettbewerb::entities::payout_detail;
        use sea_orm::EntityTrait;
        for row in payout_detail::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
        {
            let sealed = String::from_utf8_lossy(&row.sealed).into_owned();
            for secret in [IBAN, "0532013000", "Förderverein", "Markt 1", "07545"] {
                assert!(!sealed.contains(secret), "{secret} readable in the row");
            }
            assert!(!format!("{row:?}").contains("0532013000"));
        }
    }
    let audit = sql_strings(
        &app,
        "SELECT details FROM audit_log WHERE action = 'payout.saved'",
    )
    .await;
    assert_eq!(audit.len(), 2, "{audit:?}");
    for details in &audit {
        assert!(!details.contains("0532013000") && !details.contains("Förderverein"));
    }

    // Staff see the status, the IBAN masked, on the API and the page.
    let (status, overview, _) = app
        .request(
            Method::GET,
            &format!("/api/competitions/{c}/payouts"),
            None,
            app.token.as_deref(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    let lines = overview.as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert!(
        lines.iter().all(|l| l["complete"] == Value::Bool(true)),
        "{overview}"
    );
    assert!(!overview.to_string().contains("0532013000"), "{overview}");
    assert!(overview.to_string().contains("DE89 **** 3000"));
    let mut staff = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = staff
        .get(&format!("/verwaltung/wettbewerbe/{c}/bekanntgabe"))
        .await;
    assert!(page.body.contains("DE89 **** 3000"), "{}", page.body);
    assert!(!page.body.contains("0532013000") && !page.body.contains("3704 0044"));

    // The treasury's export: administrators only, audited, on either
    // instance (the key is shared).
    let coordinator = crate::accounts::token_for(&app, "coordinator").await;
    let refused = app
        .client
        .get(app.url(&format!("/api/competitions/{c}/payouts/export")))
        .bearer_auth(&coordinator)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let exports = || async {
        sql_strings(
            &app,
            "SELECT actor FROM audit_log WHERE action = 'payout.exported'",
        )
        .await
        .len()
    };
    assert_eq!(exports().await, 0, "a refusal exports nothing");
    let second = TestApp::builder().database_of(&app).spawn().await;
    let csv = second
        .client
        .get(second.url(&format!("/api/competitions/{c}/payouts/export")))
        .bearer_auth(app.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert!(
        csv.starts_with("\u{feff}Nr.;Kennzahl;Titel;Betrag (EUR)"),
        "{csv}"
    );
    assert!(csv.contains("DE89 3704 0044 0532 0130 00"), "{csv}");
    assert!(
        csv.contains(HOLDER) && csv.contains("Markt 1;07545;Gera"),
        "{csv}"
    );
    assert!(csv.contains(cash_winner.email), "{csv}");
    assert_eq!(exports().await, 1);
    let page_csv = staff
        .get(&format!("/verwaltung/wettbewerbe/{c}/auszahlung.csv"))
        .await;
    assert_eq!(page_csv.status, StatusCode::OK);
    assert!(page_csv.body.contains("DE89 3704 0044 0532 0130 00"));
    let xlsx = app
        .client
        .get(app.url(&format!("/verwaltung/wettbewerbe/{c}/auszahlung.xlsx")))
        .header("cookie", staff.cookie_header())
        .send()
        .await
        .unwrap();
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "a workbook");
    assert_eq!(exports().await, 3, "every download is recorded");

    // The API: the author reads and changes them; a broken IBAN is a 422
    // naming the field, and what was stored stays.
    let person = {
        use ideenwettbewerb::entities::user;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        user::Entity::find()
            .filter(user::Column::Email.eq(cash_winner.email))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
    };
    let token = ideenwettbewerb::services::identity::api_tokens::create_token(
        &app.state.db,
        person.id,
        app.state.now(),
        "test",
    )
    .await
    .unwrap()
    .1;
    let path = format!("/api/entries/{cash_entry}/payout");
    let (status, mine, _) = app.request(Method::GET, &path, None, Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["details"]["iban"], "DE89 3704 0044 0532 0130 00");
    assert_eq!(mine["needs"]["bank_account"], true);
    let (status, problem, _) = app
        .request(
            Method::PUT,
            &path,
            Some(json!({ "account_holder": HOLDER, "iban": "DE8937040044053201300" })),
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "iban", "{problem}");
    let (_, still, _) = app.request(Method::GET, &path, None, Some(&token)).await;
    assert_eq!(still["details"]["iban"], "DE89 3704 0044 0532 0130 00");
    let (status, _, _) = app
        .request(Method::GET, &path, None, Some(&coordinator))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not the coordinator's entry");

    // Children's entries are never credited by name, whoever asks.
    assert_eq!(mine["may_be_named"], false);
    let (status, problem, _) = app
        .request(
            Method::PUT,
            &format!("/api/entries/{cash_entry}/public-name"),
            Some(json!({ "public_name": cash_winner.teacher })),
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(app.count("name_consents").await, 0);
    assert!(!winner.get(&cash_path).await.body.contains("name_consent"));
}

#[tokio::test]
async fn adult_winners_choose_whether_the_results_name_them() {
    let (app, _smtp) = with_smtp_at("2020-10-01T10:00").await;
    let school = app.competition_id("schulklassen-smarte-projekte").await;
    let (_, template) = app.admin_get(&format!("/api/competitions/{school}")).await;
    let mut form = template["entry_form"].clone();
    form["for_minors"] = json!(false);
    let programme = template["programme_id"].as_i64().unwrap();
    let (status, _) = app
        .admin_patch(
            &format!("/api/programmes/{programme}"),
            json!({ "budget_cents": 8_700_000 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, created) = app
        .admin_post(
            "/api/competitions",
            json!({
                "phase_id": template["phase_id"], "slug": "vereine-2020",
                "target_group": "Vereine", "headline": "Vereine für Gera",
                "opens_at": "2020-11-10T08:00:00Z", "closes_at": "2020-12-20T22:59:00Z",
                "prize_money_cents": 600_000, "entry_form": form,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let c = created["id"].as_i64().unwrap();
    app.transition(c, json!({ "event": "schedule" })).await;
    app.move_clock_to(berlin("2020-11-10T10:00")).await;
    let scene = crate::jury::entries_in(&app, c).await;
    let jurors = crate::jury::seated_panel(&app, &scene).await;
    let winners = crate::announcement::decide_and_award(&app, &scene, &jurors).await;
    let (status, _) = crate::announcement::admin(
        &app,
        Method::PUT,
        &format!("/api/competitions/{c}/announcement"),
        Some(json!({ "scheduled_for": "2021-02-15T17:00:00Z" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.move_clock_to(berlin("2021-02-15T18:05")).await;

    let i = ENTRANTS
        .iter()
        .position(|e| winners.iter().any(|w| w == e.title))
        .unwrap();
    let (e, token, id) = (&ENTRANTS[i], &scene.entrant_tokens[i], scene.entries[i]);
    let path = format!("/api/entries/{id}/public-name");
    let results = || async {
        app.request(
            Method::GET,
            &format!("/api/competitions/{c}/results"),
            None,
            None,
        )
        .await
        .1
        .to_string()
    };
    assert!(!results().await.contains(e.teacher), "not without consent");
    let (status, problem, _) = app
        .request(
            Method::PUT,
            &path,
            Some(json!({ "public_name": "  " })),
            Some(token),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, named, _) = app
        .request(
            Method::PUT,
            &path,
            Some(json!({ "public_name": e.teacher })),
            Some(token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{named}");
    assert_eq!(named["public_name"], e.teacher);
    assert!(results().await.contains(e.teacher), "named once agreed");
    let (_, page) = app.page("/wettbewerbe/vereine-2020/ergebnisse").await;
    assert!(page.contains(e.teacher), "{page}");
    let other = (i + 1..ENTRANTS.len()).find(|j| winners.iter().any(|w| w == ENTRANTS[*j].title));
    if let Some(j) = other {
        assert!(
            !results().await.contains(ENTRANTS[j].teacher),
            "only who agreed"
        );
    }
    let (status, _, _) = app
        .request(Method::PUT, &path, Some(json!({})), Some(token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!results().await.contains(e.teacher), "consent withdrawn");
    assert_eq!(app.count("audit_log WHERE action LIKE 'credit.%'").await, 2);
}

#[tokio::test]
async fn parallel_saves_of_one_winner_leave_one_readable_row() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let (c, winners) = crate::announcement::decided_and_awarded(&app).await;
    crate::announcement::admin(
        &app,
        Method::PUT,
        &format!("/api/competitions/{c}/announcement"),
        Some(json!({ "scheduled_for": "2021-02-15T17:00:00Z" })),
    )
    .await;
    app.move_clock_to(berlin("2021-02-15T18:05")).await;
    app.deliver().await;
    let e = ENTRANTS
        .iter()
        .find(|e| winners.iter().any(|w| w == e.title))
        .unwrap();
    let text = wait_for_mail(&smtp, e.email, "ausgezeichnet").await;
    let (_, entry) = payout_link(&text);
    let person = {
        use ideenwettbewerb::entities::user;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        user::Entity::find()
            .filter(user::Column::Email.eq(e.email))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
    };
    let token = ideenwettbewerb::services::identity::api_tokens::create_token(
        &app.state.db,
        person.id,
        app.state.now(),
        "test",
    )
    .await
    .unwrap()
    .1;
    let path = format!("/api/entries/{entry}/payout");
    let body = json!({
        "account_holder": HOLDER, "iban": IBAN,
        "street": "Markt 1", "postcode": "07545", "city": "Gera",
    });
    let saves: Vec<_> = (0..16)
        .map(|_| {
            let request = app
                .client
                .put(app.url(&path))
                .bearer_auth(&token)
                .json(&body);
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    for save in saves {
        assert_eq!(save.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(app.count("payout_details").await, 1);
    let (_, mine, _) = app.request(Method::GET, &path, None, Some(&token)).await;
    assert_eq!(mine["complete"], true, "{mine}");
    let saved = sql_strings(
        &app,
        "SELECT actor FROM audit_log WHERE action = 'payout.saved'",
    )
    .await;
    assert_eq!(saved.len(), 16, "each save audited");
}
