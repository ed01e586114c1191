//! Prizes within the budget: defined as data, suggested from the ranking,
//! awarded after the jury's decision, withdrawn with a reason, never beyond a
//! competition's prize money or the programme's budget, not even under 200
//! awards at once from two app instances.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, berlin};
use crate::jury::{call, everyone_scores, school_entries, seated_panel};

use crate::bulk;

async fn admin(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, json, _) = app.request(method, path, body, app.token.as_deref()).await;
    (status, json)
}

fn gera_prizes() -> Value {
    json!({ "prizes": [
        { "tier": "first", "kind": "cash", "label": "Preisgeld", "value_cents": 300_000 },
        { "tier": "second", "kind": "voucher", "label": "Einkaufsgutschein", "value_cents": 200_000 },
        { "tier": "third", "kind": "event", "label": "Klassenparty", "value_cents": 100_000 },
        { "tier": "special", "kind": "grant", "label": "Zuschuss für die Klassenkasse", "value_cents": 50_000 },
    ]})
}

#[tokio::test]
async fn prizes_are_suggested_awarded_within_the_pool_and_withdrawn_with_a_reason() {
    let app = TestApp::spawn().await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    let jurors = seated_panel(&app, &scene).await;
    let path = format!("/api/competitions/{c}/prizes");

    // More than the prize money of 6,750 EUR is refused and changes nothing.
    let (status, before) = admin(&app, Method::GET, &path, None).await;
    assert_eq!(
        (status, before["pool_cents"].as_i64()),
        (StatusCode::OK, Some(675_000))
    );
    let mut over = gera_prizes();
    over["prizes"][0]["value_cents"] = json!(600_000);
    let (status, problem) = admin(&app, Method::PUT, &path, Some(over)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("more than the competition's prize money"),
        "{problem}"
    );
    assert_eq!(app.count("prizes").await, 0);
    let (status, set) = admin(&app, Method::PUT, &path, Some(gera_prizes())).await;
    assert_eq!(status, StatusCode::OK, "{set}");
    let prize_ids: Vec<i64> = set["prizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();

    // Nothing is awarded before the jury's decision.
    let awards = format!("/api/competitions/{c}/awards");
    let first_entry = scene.entries[0];
    let (status, problem) = admin(
        &app,
        Method::POST,
        &awards,
        Some(json!({ "prize_id": prize_ids[0], "entry_id": first_entry })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("once the jury has decided")
    );

    everyone_scores(&app, c, &jurors).await;
    let (status, locked) = call(
        &app,
        Method::POST,
        &format!("/api/jury/competitions/{c}/decision"),
        Some(json!({})),
        &jurors[0].1,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{locked}");

    // The suggestion follows the ranking: three admitted entries, three places.
    let (_, view) = admin(&app, Method::GET, &path, None).await;
    let suggestion = view["suggestion"].as_array().unwrap().clone();
    assert_eq!(suggestion.len(), 3, "{view}");
    let amounts: Vec<i64> = suggestion
        .iter()
        .map(|s| s["amount_cents"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, vec![300_000, 200_000, 100_000]);
    let winner = suggestion[0]["entry_id"].as_i64().unwrap();
    let second = suggestion[1]["entry_id"].as_i64().unwrap();

    // Following the suggestion needs no reason; deviating does.
    let (status, done) = admin(
        &app,
        Method::POST,
        &awards,
        Some(json!({ "prize_id": prize_ids[0], "entry_id": winner })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    assert_eq!(done["remaining_cents"].as_i64(), Some(375_000));
    let (status, problem) = admin(
        &app,
        Method::POST,
        &awards,
        Some(json!({ "prize_id": prize_ids[1], "entry_id": second, "amount_cents": 250_000 })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("needs a reason")
    );
    // Beyond the pool: 409 with what is left.
    let (status, problem) = admin(
        &app,
        Method::POST,
        &awards,
        Some(json!({ "prize_id": prize_ids[1], "entry_id": second, "amount_cents": 400_000, "reason": "Herausragend" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        problem["remaining_cents"].as_i64(),
        Some(375_000),
        "{problem}"
    );
    assert_eq!(
        problem["type"].as_str().map(|t| t.ends_with("over-budget")),
        Some(true),
        "{problem}"
    );
    // The same prize to the same entry twice is refused.
    let (status, _) = admin(
        &app,
        Method::POST,
        &awards,
        Some(json!({ "prize_id": prize_ids[0], "entry_id": winner })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // An entry that is not admitted gets nothing.
    let (status, _) = admin(
        &app,
        Method::POST,
        &awards,
        Some(json!({ "prize_id": prize_ids[3], "entry_id": *scene.entries.last().unwrap(), "reason": "Trotzdem" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Prizes are fixed while one is awarded.
    let (status, _) = admin(&app, Method::PUT, &path, Some(gera_prizes())).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Withdrawn with a reason only; the money is free again; both audited.
    let award_id = done["awards"][0]["id"].as_i64().unwrap();
    let withdrawal = format!("/api/competitions/{c}/awards/{award_id}/withdrawal");
    let (status, _) = admin(
        &app,
        Method::POST,
        &withdrawal,
        Some(json!({ "reason": " " })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, after) = admin(
        &app,
        Method::POST,
        &withdrawal,
        Some(json!({ "reason": "Doppelt eingereicht" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["remaining_cents"].as_i64(), Some(675_000));
    assert_eq!(
        after["awards"][0]["withdrawal_reason"],
        "Doppelt eingereicht"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'prize.awarded'").await,
        1
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'prize.withdrawn' AND reason = 'Doppelt eingereicht'")
            .await,
        1
    );

    // The budget overview for administrators; a juror may not see it.
    let (status, budget) = admin(&app, Method::GET, "/api/programmes/1/budget", None).await;
    assert_eq!(status, StatusCode::OK, "{budget}");
    assert_eq!(
        budget["programme"]["planned_cents"].as_i64(),
        Some(8_100_000)
    );
    assert_eq!(budget["programme"]["awarded_cents"].as_i64(), Some(0));
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/programmes/1/budget",
        None,
        &jurors[0].1,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Competition `slug` decided with `entries` admitted and scored entries, its
/// prizes a single honourable mention worth `value_cents`.
async fn decided_with_many(
    app: &TestApp,
    slug: &str,
    entries: usize,
    value_cents: i64,
) -> (i64, i64, Vec<i64>) {
    let c = app.competition_id(slug).await;
    bulk::seed(
        &app.state.db,
        &[c],
        1.0,
        entries,
        50,
        berlin("2020-12-01T09:00"),
    )
    .await;
    app.move_clock_to(berlin("2021-01-02T09:00")).await;
    let scene = crate::jury::Scene {
        competition: c,
        entries: Vec::new(),
        entrant_tokens: Vec::new(),
    };
    crate::jury::seat_panel(app, &scene).await;
    ideenwettbewerb::services::jury::criteria(&app.state.db, c)
        .await
        .unwrap();
    bulk::score_all(&app.state.db, c, app.state.now()).await;
    let (status, set) = admin(
        app,
        Method::PUT,
        &format!("/api/competitions/{c}/prizes"),
        Some(json!({ "prizes": [
            { "tier": "honourable", "kind": "cash", "label": "Anerkennung", "value_cents": value_cents },
        ]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    // Decided as the chair would (the lock has its own tests).
    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE competitions SET state = 'decided' WHERE id = {c}"
        ))
        .await
        .unwrap();
    let ids: Vec<i64> = {
        use ideenwettbewerb::entities::entry;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
        entry::Entity::find()
            .filter(entry::Column::CompetitionId.eq(c))
            .select_only()
            .column(entry::Column::Id)
            .order_by_asc(entry::Column::Id)
            .into_tuple()
            .all(&app.state.db)
            .await
            .unwrap()
    };
    (c, set["prizes"][0]["id"].as_i64().unwrap(), ids)
}

#[tokio::test]
async fn two_hundred_awards_at_once_from_two_instances_never_exceed_the_prize_money() {
    let app = TestApp::spawn().await;
    let second = TestApp::builder().database_of(&app).spawn().await;
    // 6,750 EUR of prize money, 101 EUR a mention: 66 fit, 134 must be refused.
    let value = 10_100;
    let (c, prize, entries) =
        decided_with_many(&app, "schulklassen-smarte-projekte", 200, value).await;
    let token = app.token.clone().unwrap();
    let tasks: Vec<_> = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let instance = if i % 2 == 0 { &app } else { &second };
            let request = instance
                .client
                .post(instance.url(&format!("/api/competitions/{c}/awards")))
                .bearer_auth(&token)
                .json(&json!({
                    "prize_id": prize,
                    "entry_id": entry,
                    "amount_cents": value,
                    "reason": "Anerkennung für alle Klassen",
                }));
            tokio::spawn(async move {
                let answer = request.send().await.expect("sent");
                let status = answer.status();
                (status, answer.json::<Value>().await.unwrap_or(Value::Null))
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                let left = body["remaining_cents"]
                    .as_i64()
                    .expect("the remaining amount");
                assert!((0..value).contains(&left), "{body}");
                assert!(
                    body["detail"].as_str().unwrap().contains("prize money"),
                    "{body}"
                );
            }
            other => panic!("an award answered {other}: {body}"),
        }
    }
    let pool = 675_000;
    assert_eq!(created, pool / value, "as many as fit, no more");
    let stored: i64 = app.count("awards WHERE withdrawn_at IS NULL").await;
    assert_eq!(stored, created);
    assert!(stored * value <= pool);
    assert_eq!(
        app.count("audit_log WHERE action = 'prize.awarded'").await,
        created
    );
}

#[tokio::test]
async fn an_award_never_exceeds_the_programme_budget_either() {
    let app = TestApp::spawn().await;
    let (c, prize, entries) =
        decided_with_many(&app, "schulklassen-smarte-projekte", 3, 100_000).await;
    // The budget was cut below what is planned (kept from before): 1,500 EUR in all.
    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared("UPDATE programmes SET budget_cents = 150000")
        .await
        .unwrap();
    let award = |entry: i64| json!({ "prize_id": prize, "entry_id": entry, "amount_cents": 100_000, "reason": "Anerkennung" });
    let path = format!("/api/competitions/{c}/awards");
    let (status, _) = admin(&app, Method::POST, &path, Some(award(entries[0]))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, problem) = admin(&app, Method::POST, &path, Some(award(entries[1]))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        problem["remaining_cents"].as_i64(),
        Some(50_000),
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("programme's budget"),
        "{problem}"
    );
}

#[tokio::test]
async fn staff_set_award_and_withdraw_prizes_on_the_pages() {
    let (app, smtp) = crate::helpers::with_smtp_at("2020-12-01T10:00").await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    let jurors = seated_panel(&app, &scene).await;
    let mut staff = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let base = format!("/verwaltung/wettbewerbe/{c}/preise");
    let page = staff.get(&base).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Preisgeld 6.750 €"), "{}", page.body);
    let csrf = crate::browser_session::hidden(&page.body, "csrf");

    // Over the prize money: the rule's message, what was typed kept, nothing stored.
    let over = staff
        .post(
            &base,
            &[
                ("csrf", &csrf),
                ("tier_1", "first"),
                ("kind_1", "cash"),
                ("label_1", "Preisgeld für die Klasse"),
                ("value_1", "7000"),
            ],
        )
        .await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        over.body.contains("mehr als das Preisgeld von 6.750 €"),
        "{}",
        over.body
    );
    assert!(over.body.contains("value=\"Preisgeld für die Klasse\""));
    assert!(over.body.contains("value=\"7000\""));
    // A value that is no amount names the prize.
    let bad = staff
        .post(
            &base,
            &[
                ("csrf", &csrf),
                ("tier_1", "first"),
                ("kind_1", "cash"),
                ("label_1", "Preisgeld"),
                ("value_1", "viel"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains("Preis 1: Der Wert ist kein gültiger Betrag"),
        "{}",
        bad.body
    );
    assert_eq!(app.count("prizes").await, 0);
    let saved = staff
        .post(
            &base,
            &[
                ("csrf", &csrf),
                ("tier_1", "first"),
                ("kind_1", "cash"),
                ("label_1", "Preisgeld"),
                ("value_1", "3.000"),
                ("tier_2", "second"),
                ("kind_2", "event"),
                ("label_2", "Klassenparty"),
                ("value_2", "2000"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = staff.get(saved.location.as_deref().unwrap()).await.body;
    assert!(page.contains("Die Preise sind gespeichert"), "{page}");
    assert_eq!(app.count("prizes").await, 2);

    // Decided: the suggestion's button awards the first prize.
    everyone_scores(&app, c, &jurors).await;
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/jury/competitions/{c}/decision"),
        Some(json!({})),
        &jurors[0].1,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = staff.get(&base).await.body;
    assert!(page.contains("Vorschlag nach der Rangfolge"), "{page}");
    let (_, view) = admin(
        &app,
        Method::GET,
        &format!("/api/competitions/{c}/prizes"),
        None,
    )
    .await;
    let first = &view["suggestion"][0];
    let (prize_id, entry_id) = (first["prize_id"].to_string(), first["entry_id"].to_string());
    let kennzahl_of_other = view["suggestion"][1]["kennzahl"]
        .as_str()
        .unwrap()
        .to_owned();
    let awarded = staff
        .post(
            &format!("{base}/vergeben"),
            &[
                ("csrf", &csrf),
                ("prize_id", &prize_id),
                ("entry_id", &entry_id),
            ],
        )
        .await;
    assert_eq!(awarded.status, StatusCode::SEE_OTHER, "{}", awarded.body);
    let page = staff.get(awarded.location.as_deref().unwrap()).await.body;
    assert!(page.contains("Der Preis ist vergeben"), "{page}");
    assert!(page.contains("vergeben 3.000 €"), "{page}");

    // The form: beyond what is left, refused with the amount left; kept.
    let refused = staff
        .post(
            &format!("{base}/vergeben"),
            &[
                ("csrf", &csrf),
                ("prize_id", &prize_id),
                ("kennzahl", &kennzahl_of_other),
                ("amount", "4000"),
                ("reason", "Besonders gelungen"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Frei sind noch 3.750"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Besonders gelungen"));
    // An unknown Kennzahl says so.
    let unknown = staff
        .post(
            &format!("{base}/vergeben"),
            &[
                ("csrf", &csrf),
                ("prize_id", &prize_id),
                ("kennzahl", "000000"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.body.contains("keine zugelassene Einreichung"),
        "{}",
        unknown.body
    );
    assert_eq!(app.count("awards").await, 1);

    // Withdrawing asks for the reason.
    let award_id = app.count("awards").await; // the one award, id 1
    let path = format!("{base}/{award_id}/zurueckziehen");
    let no_reason = staff.post(&path, &[("csrf", &csrf), ("reason", "")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason
            .body
            .contains("Bitte nennen Sie den Grund für das Zurückziehen")
    );
    let done = staff
        .post(&path, &[("csrf", &csrf), ("reason", "Versehen")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = staff.get(done.location.as_deref().unwrap()).await.body;
    assert!(page.contains("zurückgezogen: Versehen"), "{page}");

    // The budget page: chart with its text alternative, and the table.
    let budget = staff.get("/verwaltung/budget").await;
    assert_eq!(budget.status, StatusCode::OK);
    assert!(
        budget
            .body
            .contains("<svg role=\"img\" aria-labelledby=\"chart-title chart-desc\"")
    );
    assert!(budget.body.contains("81.000 €"), "{}", budget.body);

    // A juror reaches neither page.
    let mut juror =
        crate::credentials::signed_in_browser(&app, &smtp, "bernd.birke@jury.example").await;
    assert_eq!(juror.get(&base).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        juror.get("/verwaltung/budget").await.status,
        StatusCode::FORBIDDEN
    );
}
