//! Public vote benchmark: 32 clients vote (a ballot of three ideas per
//! request, each from its own address) against the server for a fixed time,
//! then confirm every acknowledged ballot with the token of its real
//! confirmation link (read from the outbox, as the email carries it), on
//! SQLite (WAL, synchronous=FULL, the group-commit writer) and PostgreSQL.
//! Prints ballots and confirmations per second with p50/p99 latency beside the
//! raw rate of a one-row durable insert on the same database in the same run,
//! then checks that every acknowledged confirmation is counted.
//!
//!   cargo bench --bench votes
//!   BENCH_SECONDS=20 BENCH_CLIENTS=32 BENCH_ENGINES=sqlite cargo bench --bench votes

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::TimeZone;
use ideenwettbewerb::app::Application;
use ideenwettbewerb::clock::ManualClock;
use ideenwettbewerb::config::Settings;
use ideenwettbewerb::domain::CompetitionState;
use ideenwettbewerb::entities::{ballot, competition, outbox_event, precheck};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

#[path = "support/bulk.rs"]
mod bulk;
#[path = "support/measure.rs"]
mod measure;
use measure::{env_or, fresh_postgres, percentile, raw_durable_inserts};

/// One phase's figures.
#[derive(Default)]
struct Phase {
    ok: u64,
    failed: u64,
    latencies: Vec<Duration>,
    seconds: f64,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.seconds
    }
}

struct Outcome {
    engine: &'static str,
    ballots: Phase,
    confirmations: Phase,
    raw_inserts_per_second: f64,
    counted: u64,
    confirmed_total: u64,
}

/// `clients` tasks send requests made by `request(client, n)` until `until`;
/// an answer with `expected` counts.
async fn hammer<F>(
    clients: usize,
    until: Instant,
    expected: reqwest::StatusCode,
    request: F,
) -> Phase
where
    F: Fn(usize, u64) -> Option<reqwest::RequestBuilder> + Send + Sync + 'static,
{
    let request = Arc::new(request);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut phase = Phase::default();
            let mut n = 0u64;
            while Instant::now() < until {
                let Some(builder) = request(client, n) else {
                    break;
                };
                n += 1;
                let sent = Instant::now();
                let answer = builder.send().await;
                let took = sent.elapsed();
                if matches!(&answer, Ok(r) if r.status() == expected) {
                    phase.ok += 1;
                    phase.latencies.push(took);
                } else {
                    phase.failed += 1;
                }
            }
            phase
        }));
    }
    let mut all = Phase::default();
    for task in tasks {
        let p = task.await.unwrap();
        all.ok += p.ok;
        all.failed += p.failed;
        all.latencies.extend(p.latencies);
    }
    all.seconds = started.elapsed().as_secs_f64();
    all.latencies.sort();
    all
}

async fn run(engine: &'static str, url: String, clients: usize, seconds: u64) -> Outcome {
    let mut settings = Settings::defaults().expect("settings");
    settings.server.bind = "127.0.0.1:0".parse().unwrap();
    settings.database.url = url;
    settings.database.max_connections = env_or("BENCH_POOL", 8);
    settings.scheduler.enabled = false;
    settings.mail.worker_enabled = false;
    settings.payout.key = "00".repeat(32);
    settings.seed.programme_file = format!(
        "{}/config/programmes/gera-smartcity.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let now = chrono_tz::Europe::Berlin
        .with_ymd_and_hms(2021, 1, 4, 12, 0, 0)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let clock = Arc::new(ManualClock::new(now));
    let app = Application::build(settings, clock).await.expect("server");
    let state = app.state();
    let address = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let db = &state.db;

    // A competition after its pre-check: twelve admitted ideas, in review.
    let found = competition::Entity::find()
        .filter(competition::Column::Slug.eq("schulklassen-smarte-projekte"))
        .one(db)
        .await
        .unwrap()
        .expect("the Gera programme");
    let (first, last) = bulk::seed(db, &[found.id], 1.0, 12, 12, now).await;
    for id in first..=last {
        precheck::ActiveModel {
            entry_id: Set(id),
            competition_id: Set(found.id),
            verdict: Set("admitted".into()),
            reason: Set(None),
            remark: Set(String::new()),
            jury_note: Set(String::new()),
            decided_by: Set(None),
            decided_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
    }
    let mut moved: competition::ActiveModel = found.clone().into();
    moved.state = Set(CompetitionState::InReview);
    moved.update(db).await.unwrap();
    let admin = ideenwettbewerb::entities::user::Entity::find()
        .filter(ideenwettbewerb::entities::user::Column::Email.eq("admin@localhost"))
        .one(db)
        .await
        .unwrap()
        .expect("the administrator");
    let token =
        ideenwettbewerb::services::identity::api_tokens::create_token(db, admin.id, now, "bench")
            .await
            .unwrap()
            .1;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let vote = http
        .put(format!("{address}/api/competitions/{}/vote", found.id))
        .bearer_auth(&token)
        .json(
            &json!({ "mode": "points", "points": 100, "max_per_entry": 50,
            "opens_at": "2021-01-04T08:00:00Z", "closes_at": "2021-01-31T22:59:00Z" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(vote.status(), reqwest::StatusCode::OK, "the vote is set up");
    let vote: serde_json::Value = vote.json().await.unwrap();
    let ideas: Vec<String> = vote["shortlist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kennzahl"].as_str().unwrap().to_owned())
        .collect();

    // Ballots: each request from a new address, 100 points over three ideas.
    let path = format!("{address}/api/competitions/{}/vote/ballots", found.id);
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..clients)
            .map(|c| {
                serde_json::to_vec(&json!({
                    "email": format!("client{c}-NUMBER@example.de"),
                    "choices": [
                        { "kennzahl": ideas[c % ideas.len()], "points": 50 },
                        { "kennzahl": ideas[(c + 1) % ideas.len()], "points": 30 },
                        { "kennzahl": ideas[(c + 2) % ideas.len()], "points": 20 },
                    ],
                }))
                .unwrap()
            })
            .collect(),
    );
    let until = Instant::now() + Duration::from_secs(seconds);
    let (h, p, b) = (http.clone(), path.clone(), bodies.clone());
    let ballots = hammer(
        clients,
        until,
        reqwest::StatusCode::ACCEPTED,
        move |c, n| {
            let body = String::from_utf8(b[c].clone())
                .unwrap()
                .replace("NUMBER", &n.to_string());
            Some(
                h.post(&p)
                    .header("content-type", "application/json")
                    .body(body),
            )
        },
    )
    .await;

    // Every acknowledged ballot's link, as its email carries it.
    let links: Vec<String> = outbox_event::Entity::find()
        .filter(outbox_event::Column::EventType.eq("ballot.requested"))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
            let url = payload["mail"]["context"]["confirm_url"]
                .as_str()
                .unwrap()
                .to_owned();
            url.split("token=")
                .nth(1)
                .unwrap()
                .split('&')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        links.len() as u64,
        ballots.ok,
        "one link per acknowledged ballot"
    );
    let links = Arc::new(links);
    let next = Arc::new(AtomicU64::new(0));
    let confirm_path = format!("{address}/api/vote/confirmations");
    let (h, l, nx) = (http.clone(), links.clone(), next.clone());
    let confirmations = hammer(
        clients,
        Instant::now() + Duration::from_secs(seconds * 4),
        reqwest::StatusCode::OK,
        move |_, _| {
            let i = nx.fetch_add(1, Ordering::Relaxed) as usize;
            let token = l.get(i)?;
            Some(
                h.post(&confirm_path)
                    .header("content-type", "application/json")
                    .body(format!("{{\"token\":\"{token}\"}}")),
            )
        },
    )
    .await;
    let held = ideenwettbewerb::services::votes::find(
        db,
        ideenwettbewerb::services::votes::VoteScope::Competition(found.id),
    )
    .await
    .unwrap()
    .expect("the vote is set up");
    let counted = ballot::Entity::find()
        .filter(ballot::Column::VoteId.eq(held.id))
        .filter(ballot::Column::Choices.is_not_null())
        .count(db)
        .await
        .unwrap();

    // The same database's limit: one-row inserts, each its own durable transaction.
    let raw_rate = raw_durable_inserts(db, clients, seconds).await;
    Outcome {
        engine,
        confirmed_total: confirmations.ok,
        ballots,
        confirmations,
        raw_inserts_per_second: raw_rate,
        counted,
    }
}

#[tokio::main]
async fn main() {
    let clients: usize = env_or("BENCH_CLIENTS", 32);
    let seconds: u64 = env_or("BENCH_SECONDS", 10);
    let engines = std::env::var("BENCH_ENGINES").unwrap_or_else(|_| "sqlite,postgres".into());
    let dir = tempfile::TempDir::new().expect("temp dir");
    let mut outcomes = Vec::new();
    if engines.contains("sqlite") {
        let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
        outcomes.push(run("SQLite (WAL, synchronous=FULL)", url, clients, seconds).await);
    }
    if engines.contains("postgres") {
        let server = std::env::var("BENCH_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        match fresh_postgres(&server, "iw_bench_votes").await {
            Some(url) => outcomes.push(run("PostgreSQL", url, clients, seconds).await),
            None => println!("PostgreSQL not reachable at {server}: skipped"),
        }
    }
    println!(
        "\nVote benchmark: {clients} clients, ballots for {seconds} s, then every acknowledged ballot confirmed; {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "| engine | ballots/s | p50 | p99 | confirmations/s | p50 | p99 | failed | raw durable inserts/s | confirmations : raw | counted = confirmed |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for o in &outcomes {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "| {} | {:.0} | {:.1} ms | {:.1} ms | {:.0} | {:.1} ms | {:.1} ms | {} | {:.0} | {:.0} % | {} = {} |",
            o.engine,
            o.ballots.rate(),
            ms(percentile(&o.ballots.latencies, 0.5)),
            ms(percentile(&o.ballots.latencies, 0.99)),
            o.confirmations.rate(),
            ms(percentile(&o.confirmations.latencies, 0.5)),
            ms(percentile(&o.confirmations.latencies, 0.99)),
            o.ballots.failed + o.confirmations.failed,
            o.raw_inserts_per_second,
            100.0 * o.confirmations.rate() / o.raw_inserts_per_second,
            o.counted,
            o.confirmed_total,
        );
    }
    for o in &outcomes {
        assert_eq!(
            o.counted, o.confirmed_total,
            "{}: every acknowledged confirmation is counted",
            o.engine
        );
    }
}
