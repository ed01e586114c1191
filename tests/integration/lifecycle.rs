//! The competition lifecycle: by staff, by the clock, and under concurrency.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, berlin};
use ideenwettbewerb::domain::LifecycleEvent;
use ideenwettbewerb::services::lifecycle;

const PHASE_1: &str = "unternehmen-smarte-vernetzung";
const PHASE_2: &str = "wir-lieben-gera";

#[tokio::test]
async fn an_illegal_transition_is_refused_with_the_allowed_states_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let competition = app.competition(PHASE_1).await;
    let id = competition["id"].as_i64().unwrap();
    let before = app.snapshot_counts().await;

    let (status, problem) = app.transition(id, json!({ "event": "announce" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["current_state"], "scheduled");
    assert_eq!(problem["allowed_next_states"], json!(["open", "cancelled"]));
    assert_eq!(problem["allowed_events"], json!(["open", "cancel"]));
    assert!(problem["detail"].as_str().unwrap().contains("announce"));

    assert_eq!(app.snapshot_counts().await, before);
    assert_eq!(app.competition(PHASE_1).await, competition);
}

#[tokio::test]
async fn the_clock_opens_and_closes_each_competition_exactly_once() {
    let app = TestApp::spawn().await;
    assert!(
        app.move_clock_to(berlin("2020-06-01T23:59"))
            .await
            .is_empty()
    );

    let opened = app.move_clock_to(berlin("2020-06-02T00:00")).await;
    assert_eq!(opened.len(), 4, "phase 1 opens");
    assert!(
        opened
            .iter()
            .all(|(_, event)| *event == LifecycleEvent::Open)
    );
    assert!(
        app.move_clock_to(berlin("2020-06-02T00:01"))
            .await
            .is_empty(),
        "nothing twice"
    );
    let phase_1 = app.competition(PHASE_1).await;
    assert_eq!(phase_1["state"], "open");
    assert_eq!(phase_1["accepting_entries"], true);
    assert_eq!(app.competition(PHASE_2).await["state"], "scheduled");

    let applied = app.move_clock_to(berlin("2020-09-30T23:59")).await;
    let closed = applied
        .iter()
        .filter(|(_, event)| *event == LifecycleEvent::Close)
        .count();
    assert_eq!(
        closed, 4,
        "phase 1 closes at its deadline (phases 2 and 3 opened meanwhile)"
    );
    let phase_1 = app.competition(PHASE_1).await;
    assert_eq!(
        (
            phase_1["state"].as_str(),
            phase_1["accepting_entries"].as_bool()
        ),
        (Some("closed"), Some(false))
    );

    let id = phase_1["id"].as_i64().unwrap();
    assert_eq!(
        app.outbox_events(id).await,
        ["competition.opened", "competition.closed"]
    );
    let (_, history) = app
        .admin_get(&format!("/api/competitions/{id}/history"))
        .await;
    let moves: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "competition.transitioned")
        .map(|e| {
            (
                e["from_state"].as_str().unwrap(),
                e["to_state"].as_str().unwrap(),
                e["actor"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("scheduled", "open", "system:scheduler"),
            ("open", "closed", "system:scheduler")
        ]
    );
}

#[tokio::test]
async fn after_downtime_the_clock_catches_up_in_order() {
    let app = TestApp::spawn().await;
    let applied = app.move_clock_to(berlin("2021-01-15T12:00")).await;
    assert_eq!(applied.len(), 24, "every competition opened and closed");
    let (_, all) = app.get("/api/competitions").await;
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|c| c["state"] == "closed")
    );
}

#[tokio::test]
async fn gera_extends_every_deadline_to_the_end_of_the_year() {
    // On 1 Oct 2020 the city extended all twelve competitions to 31 Dec 2020.
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-10-01T10:00")).await;
    let new_deadline = "2020-12-31T23:59:00+01:00";

    // Phase 1 closed the night before: it is re-opened, with a reason.
    let phase_1 = app.competition(PHASE_1).await;
    let id_1 = phase_1["id"].as_i64().unwrap();
    let (status, problem) = app
        .transition(
            id_1,
            json!({ "event": "reopen", "closes_at": new_deadline }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required: {problem}"
    );
    let (status, problem) = app
        .transition(id_1, json!({ "event": "reopen", "reason": "Verlängerung", "closes_at": "2020-09-01T00:00:00+02:00" }))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the new deadline must lie ahead: {problem}"
    );
    let (status, reopened) = app
        .transition(id_1, json!({ "event": "reopen", "reason": "Verlängerung durch die Stadt", "closes_at": new_deadline }))
        .await;
    assert_eq!(status, StatusCode::OK, "{reopened}");
    assert_eq!(
        (reopened["state"].as_str(), reopened["closes_at"].as_str()),
        (Some("open"), Some("2020-12-31T22:59:00+00:00"))
    );
    assert_eq!(reopened["reopened_at"], "2020-10-01T08:00:00+00:00");
    // Its page shows the new window, not the first start beside the new deadline.
    let slug = reopened["slug"].as_str().unwrap().to_owned();
    app.state.catalogue.invalidate();
    let (_, page) = app.page(&format!("/wettbewerbe/{slug}")).await;
    assert!(
        page.contains("Wieder geöffnet am") && page.contains("01.10.2020"),
        "{page}"
    );
    assert!(!page.contains("02.06.2020"), "not the 2020 start");
    let (_, home) = app.page("/").await;
    assert!(home.contains("wieder geöffnet am"));

    // Phase 2 is still open: its deadline is extended, never shortened.
    let id_2 = app.competition(PHASE_2).await["id"].as_i64().unwrap();
    let (status, problem) = app
        .admin_patch(
            &format!("/api/competitions/{id_2}"),
            json!({ "closes_at": "2020-11-01T00:00:00+01:00" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "shortening is refused: {problem}"
    );
    let (status, extended) = app
        .admin_patch(
            &format!("/api/competitions/{id_2}"),
            json!({ "closes_at": new_deadline }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    assert_eq!(extended["state"], "open");

    assert_eq!(
        app.outbox_events(id_1).await.last().map(String::as_str),
        Some("competition.reopened")
    );
    assert_eq!(
        app.outbox_events(id_2).await,
        ["competition.opened", "competition.deadline_extended"]
    );

    // The old deadlines pass without effect; the new one closes both.
    let applied = app.move_clock_to(berlin("2020-11-21T00:00")).await;
    assert!(
        !applied.iter().any(|(id, _)| *id == id_1 || *id == id_2),
        "{applied:?}"
    );
    assert_eq!(app.competition(PHASE_2).await["state"], "open");
    let closed = app.move_clock_to(berlin("2020-12-31T23:59")).await;
    assert!(
        closed.contains(&(id_1, LifecycleEvent::Close))
            && closed.contains(&(id_2, LifecycleEvent::Close))
    );
}

#[tokio::test]
async fn guards_ask_for_a_window_a_reason_or_force() {
    let app = TestApp::spawn().await;
    let id = app.competition(PHASE_2).await["id"].as_i64().unwrap();

    let (status, problem) = app.transition(id, json!({ "event": "open" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["detail"].as_str().unwrap().contains("force=true"),
        "{problem}"
    );
    let (status, _) = app
        .transition(id, json!({ "event": "open", "force": true }))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "force needs a reason"
    );
    let (status, opened) = app
        .transition(
            id,
            json!({ "event": "open", "force": true, "reason": "Vorstart zum Stadtfest" }),
        )
        .await;
    assert_eq!(
        (status, opened["state"].as_str()),
        (StatusCode::OK, Some("open"))
    );
    // Opened early, it takes ideas from now: its window starts now.
    assert_eq!(
        opened["opens_at"]
            .as_str()
            .map(|at| at.starts_with(&app.state.now().date_naive().to_string())),
        Some(true),
        "{opened}"
    );
    let entrant = app.entrant("frueh@example.de").await;
    let (status, draft, _) = app
        .request(
            reqwest::Method::POST,
            &format!("/api/competitions/{id}/entries"),
            Some(json!({ "title": "Früh dran", "summary": "Eine Idee am ersten Tag." })),
            Some(&entrant),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");

    let (status, _) = app.transition(id, json!({ "event": "close" })).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "closing early needs a reason"
    );
    let (status, _) = app.transition(id, json!({ "event": "cancel" })).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cancelling needs a reason"
    );
    let (status, cancelled) = app
        .transition(
            id,
            json!({ "event": "cancel", "reason": "Doppelt angelegt" }),
        )
        .await;
    assert_eq!(
        (status, cancelled["state"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    let (status, problem) = app
        .admin_patch(
            &format!("/api/competitions/{id}"),
            json!({ "headline": "x" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "cancelled competitions are frozen: {problem}"
    );

    let (_, history) = app
        .admin_get(&format!("/api/competitions/{id}/history"))
        .await;
    let reasons: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["reason"].as_str())
        .collect();
    assert_eq!(reasons, ["Vorstart zum Stadtfest", "Doppelt angelegt"]);

    // A draft without a window cannot be scheduled.
    let (_, draft) = app
        .admin_post("/api/competitions", json!({ "phase_id": 1, "slug": "ohne-zeitraum", "target_group": "Alle", "headline": "Ohne Zeitraum" }))
        .await;
    let (status, problem) = app
        .transition(
            draft["id"].as_i64().unwrap(),
            json!({ "event": "schedule" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["current_state"], "draft");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("opens_at and closes_at")
    );
}

#[tokio::test]
async fn the_whole_lifecycle_to_the_archive() {
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2021-01-02T09:00")).await;
    let id = app.competition(PHASE_1).await["id"].as_i64().unwrap();
    for (event, state) in [
        ("start_review", "in_review"),
        ("decide", "decided"),
        ("announce", "announced"),
        ("archive", "archived"),
    ] {
        let (status, moved) = app.transition(id, json!({ "event": event })).await;
        assert_eq!(
            (status, moved["state"].as_str()),
            (StatusCode::OK, Some(state)),
            "{event}: {moved}"
        );
    }
    let (status, problem) = app
        .transition(id, json!({ "event": "cancel", "reason": "zu spät" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["allowed_next_states"], json!([]));
    assert_eq!(
        app.outbox_events(id).await,
        [
            "competition.opened",
            "competition.closed",
            "competition.review_started",
            "competition.decided",
            "competition.announced",
            "competition.archived"
        ]
    );
}

#[tokio::test]
async fn two_instances_apply_each_due_transition_exactly_once() {
    let first = TestApp::spawn().await;
    let second = TestApp::builder().database_of(&first).spawn().await;
    let now = berlin("2021-01-15T12:00");
    first.clock.set(now);
    second.clock.set(now);
    let (a, b) = tokio::join!(
        lifecycle::apply_due(&first.state.db, now),
        lifecycle::apply_due(&second.state.db, now)
    );
    let (a, b) = (a.expect("first instance"), b.expect("second instance"));
    assert_eq!(
        a.len() + b.len(),
        24,
        "12 openings and 12 closings in all: {a:?} {b:?}"
    );
    let mut all: Vec<_> = a.into_iter().chain(b).collect();
    all.sort_by_key(|(id, event)| (*id, event.as_str()));
    all.dedup();
    assert_eq!(all.len(), 24, "no transition applied twice");
    let transitions = first
        .count("audit_log WHERE action = 'competition.transitioned'")
        .await;
    assert_eq!(transitions, 24);
    assert_eq!(first.count("outbox_events").await, 24);
}

#[tokio::test]
async fn concurrent_staff_requests_cannot_both_win() {
    let app = TestApp::spawn().await;
    let id = app.competition(PHASE_2).await["id"].as_i64().unwrap();
    let cancel = json!({ "event": "cancel", "reason": "Abgesagt" });
    let (a, b) = tokio::join!(
        app.transition(id, cancel.clone()),
        app.transition(id, cancel)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{:?} {:?}",
        a.1,
        b.1
    );
    assert_eq!(app.outbox_events(id).await, ["competition.cancelled"]);
}
