//! The overall placement across competitions: places with their own pool
//! within the programme's budget, awarded to category winners only, once per
//! place and entry also when administrators click at once (both engines),
//! withdrawn with a reason, public only from the entry's announcement on.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, berlin, with_smtp_at};
use crate::jury::ENTRANTS;

async fn admin(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, json, _) = app.request(method, path, body, app.token.as_deref()).await;
    (status, json)
}

#[tokio::test]
async fn category_winners_are_placed_overall_within_the_budget_and_shown_from_their_announcement() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let (c, winners) = crate::announcement::decided_and_awarded(&app).await;
    let (_, competition) = app.admin_get(&format!("/api/competitions/{c}")).await;
    let p = competition["programme_id"].as_i64().unwrap();
    let base = format!("/api/programmes/{p}/overall");
    let places = json!({ "places": [
        { "place": 1, "kind": "cash", "label": "Preisgeld", "value_cents": 100_000 },
        { "place": 2, "kind": "voucher", "label": "Gutschein", "value_cents": 50_000 },
    ]});

    // The competitions promise the whole budget: no room for a pool yet.
    let (status, problem) = admin(
        &app,
        Method::PUT,
        &format!("{base}/places"),
        Some(places.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["type"].as_str().unwrap().ends_with("over-budget"),
        "{problem}"
    );
    assert_eq!(app.count("overall_places").await, 0);
    let (status, _) = app
        .admin_patch(
            &format!("/api/programmes/{p}"),
            json!({ "budget_cents": 8_250_000 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem) = admin(
        &app,
        Method::PUT,
        &format!("{base}/places"),
        Some(json!({ "places": [{ "place": 2, "kind": "cash", "label": "x", "value_cents": 1 }] })),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "numbered from 1: {problem}"
    );
    let (status, view) = admin(&app, Method::PUT, &format!("{base}/places"), Some(places)).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["pool_cents"], 150_000);
    // The pool is promised now: the budget cannot drop below it.
    let (status, refused) = app
        .admin_patch(
            &format!("/api/programmes/{p}"),
            json!({ "budget_cents": 8_200_000 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (_, budget) = admin(
        &app,
        Method::GET,
        &format!("/api/programmes/{p}/budget"),
        None,
    )
    .await;
    assert_eq!(budget["overall"]["planned_cents"], 150_000, "{budget}");

    // Only the category winners are candidates.
    let candidates: Vec<(i64, String)> = view["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["entry_id"].as_i64().unwrap(),
                c["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(candidates.len(), 2, "{view}");
    assert!(candidates.iter().all(|(_, t)| winners.contains(t)));
    let first_place = view["places"][0]["id"].as_i64().unwrap();
    let second_place = view["places"][1]["id"].as_i64().unwrap();
    let loser_entry = {
        use ideenwettbewerb::entities::entry;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let loser = ENTRANTS
            .iter()
            .find(|e| !winners.iter().any(|w| w == e.title))
            .unwrap();
        entry::Entity::find()
            .filter(entry::Column::Title.eq(loser.title))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let (status, problem) = admin(
        &app,
        Method::POST,
        &format!("{base}/awards"),
        Some(json!({ "place_id": first_place, "entry_id": loser_entry })),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "not a category winner: {problem}"
    );

    // Twenty clicks at once on the first place, for both winners: one wins.
    let token = app.token.clone().unwrap();
    let clicks: Vec<_> = (0..20)
        .map(|i| {
            let request = app
                .client
                .post(app.url(&format!("{base}/awards")))
                .bearer_auth(&token)
                .json(&json!({ "place_id": first_place, "entry_id": candidates[i % 2].0 }));
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for click in clicks {
        statuses.push(click.await.unwrap());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT)
    );
    assert_eq!(
        app.count("overall_awards WHERE withdrawn_at IS NULL").await,
        1
    );
    let (_, view) = admin(&app, Method::GET, &base, None).await;
    let placed = view["places"][0]["entry"]["entry_id"].as_i64().unwrap();
    let other = candidates.iter().find(|(id, _)| *id != placed).unwrap().0;
    // The same entry cannot take a second place; the other winner can.
    let (status, _) = admin(
        &app,
        Method::POST,
        &format!("{base}/awards"),
        Some(json!({ "place_id": second_place, "entry_id": placed })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "one place per entry");
    let (status, view) = admin(
        &app,
        Method::POST,
        &format!("{base}/awards"),
        Some(json!({ "place_id": second_place, "entry_id": other })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{view}");
    assert_eq!(view["awarded_cents"], 150_000);
    // While places are awarded they stay as they are.
    let (status, _) = admin(
        &app,
        Method::PUT,
        &format!("{base}/places"),
        Some(json!({ "places": [{ "place": 1, "kind": "cash", "label": "Mehr", "value_cents": 200_000 }] })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Not public before the competition's announcement.
    let (_, public) = admin(&app, Method::GET, &format!("{base}/results"), None).await;
    assert_eq!(public, json!([]));
    let (_, page) = app.page("/gesamtwertung").await;
    for title in &winners {
        assert!(
            !page.contains(title.as_str()),
            "{title} before the announcement"
        );
    }
    let (status, body) = admin(
        &app,
        Method::PUT,
        &format!("/api/competitions/{c}/announcement"),
        Some(json!({ "scheduled_for": "2021-02-15T17:00:00Z" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.move_clock_to(berlin("2021-02-15T18:05")).await;
    let (status, public, _) = app
        .request(Method::GET, &format!("{base}/results"), None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(public.as_array().unwrap().len(), 2, "{public}");
    assert_eq!(public[0]["place"], 1);
    let (_, page) = app.page("/gesamtwertung").await;
    for title in &winners {
        assert!(page.contains(title.as_str()), "{page}");
    }
    for e in &ENTRANTS {
        assert!(!page.contains(e.teacher) && !public.to_string().contains(e.email));
    }

    // Withdrawn with a reason (audited) on the staff page; the place is free.
    let mut staff = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = staff.get("/verwaltung/gesamtwertung").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("1. Platz"), "{}", page.body);
    let csrf = crate::browser_session::hidden(&page.body, "csrf");
    let award_id = view["places"][1]["entry"]["award_id"].as_i64().unwrap();
    let path = format!("/verwaltung/gesamtwertung/vergaben/{award_id}/zurueckziehen");
    let refused = staff.post(&path, &[("csrf", &csrf), ("reason", " ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = staff
        .post(&path, &[("csrf", &csrf), ("reason", "Doppelte Förderung")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        app.count("audit_log WHERE action = 'overall.withdrawn'")
            .await,
        1
    );
    let again = staff
        .post(
            &format!("/verwaltung/gesamtwertung/plaetze/{second_place}/vergeben"),
            &[("csrf", &csrf), ("entry_id", &other.to_string())],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(
        app.count("overall_awards WHERE withdrawn_at IS NULL").await,
        2
    );
}
