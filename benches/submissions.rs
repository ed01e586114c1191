//! Submission benchmark: 32 clients submit ideas (JSON API, about 2 KB each, one
//! request per idea with an Idempotency-Key) against the server for a fixed time,
//! on SQLite (WAL, synchronous=FULL) and on PostgreSQL. Prints accepted
//! submissions per second with p50/p99 latency, and, in the same run and on the same
//! database, the raw rate of a one-row durable insert, so the ratio shows how close
//! the whole use case comes to what the disk allows. Then checks that every
//! acknowledged submission is stored.
//!
//!   cargo bench --bench submissions
//!   BENCH_SECONDS=20 BENCH_CLIENTS=32 BENCH_ENGINES=sqlite cargo bench --bench submissions
//!   BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432 cargo bench --bench submissions
//!
//! The server runs in this process (release build), the load generator beside it:
//! both share the machine's cores, as a reverse proxy and the app would.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::TimeZone;
use ideenwettbewerb::app::Application;
use ideenwettbewerb::clock::ManualClock;
use ideenwettbewerb::config::Settings;
use ideenwettbewerb::entities::{competition, entry, user};
use ideenwettbewerb::scheduler;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

#[path = "support/measure.rs"]
mod measure;
use measure::{env_or, fresh_postgres, percentile, raw_durable_inserts};

/// About 2 KB of JSON, like a real idea with a few paragraphs.
fn idea(client: usize) -> Vec<u8> {
    let paragraph = "Entlang der Weißen Elster sollen Bänke mit Solarmodulen entstehen, an denen \
        man Fahrräder und Telefone laden kann; ein kleiner Bildschirm zeigt Abfahrten von Bus \
        und Straßenbahn. ";
    let idea = json!({
        "title": format!("Solarbänke an der Elster ({client})"),
        "summary": "Bänke mit Sonnenstrom, Ladepunkten und Abfahrtszeiten für Menschen, die \
            in Gera zu Fuß, mit dem Rad oder mit Bus und Bahn unterwegs sind.",
        "description": paragraph.repeat(8),
        "goals": ["Nachhaltigkeit", "Multimodale Mobilität"],
        "details": { "postcode": "07545" },
    });
    serde_json::to_vec(&idea).unwrap()
}

struct Outcome {
    engine: &'static str,
    seconds: f64,
    accepted: u64,
    failed: u64,
    latencies: Vec<Duration>,
    stored: u64,
    acknowledged_total: u64,
    raw_inserts_per_second: f64,
}

async fn run(engine: &'static str, url: String, clients: usize, seconds: u64) -> Outcome {
    let mut settings = Settings::defaults().expect("settings");
    settings.server.bind = "127.0.0.1:0".parse().unwrap();
    settings.database.url = url;
    settings.database.max_connections = env_or("BENCH_POOL", 8);
    settings.scheduler.enabled = false;
    settings.mail.worker_enabled = false;
    settings.seed.programme_file = format!(
        "{}/config/programmes/gera-smartcity.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let berlin = chrono_tz::Europe::Berlin
        .with_ymd_and_hms(2020, 8, 1, 10, 0, 0)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let clock = Arc::new(ManualClock::new(berlin));
    let app = Application::build(settings, clock).await.expect("server");
    let state = app.state();
    scheduler::tick(&state).await;
    let address = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));

    let competition = competition::Entity::find()
        .filter(competition::Column::Slug.eq("wir-lieben-gera"))
        .one(&state.db)
        .await
        .unwrap()
        .expect("the Gera programme");
    let mut tokens = Vec::new();
    for i in 0..clients {
        let person = user::ActiveModel {
            email: Set(format!("bench{i}@example.de")),
            display_name: Set(format!("Bench {i}")),
            role: Set(ideenwettbewerb::domain::roles::Role::Entrant),
            created_at: Set(state.now()),
            ..Default::default()
        }
        .insert(&state.db)
        .await
        .expect("entrant");
        tokens.push(
            ideenwettbewerb::services::identity::api_tokens::create_token(
                &state.db,
                person.id,
                state.now(),
                "bench",
            )
            .await
            .unwrap()
            .1,
        );
    }

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let path = format!("{address}/api/competitions/{}/submissions", competition.id);
    let acknowledged = Arc::new(AtomicU64::new(0));
    let warm_up = Duration::from_secs(2);
    let started = Instant::now();
    let measure_from = started + warm_up;
    let until = measure_from + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (client, token) in tokens.into_iter().enumerate() {
        let (http, path, acknowledged) = (http.clone(), path.clone(), acknowledged.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut accepted, mut failed) = (0u64, 0u64);
            let mut n = 0u64;
            // Built once: the generator should spend its share of the cores on
            // sending, not on serialising.
            let body = idea(client);
            while Instant::now() < until {
                n += 1;
                let sent = Instant::now();
                let response = http
                    .post(&path)
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("bench-{client}-{n}"))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                let took = sent.elapsed();
                let ok = matches!(&response, Ok(r) if r.status() == reqwest::StatusCode::CREATED);
                if ok {
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                }
                if sent >= measure_from && sent < until {
                    if ok {
                        accepted += 1;
                        latencies.push(took);
                    } else {
                        failed += 1;
                    }
                }
            }
            (accepted, failed, latencies)
        }));
    }
    let (mut accepted, mut failed, mut latencies) = (0, 0, Vec::new());
    for task in tasks {
        let (a, f, l) = task.await.unwrap();
        accepted += a;
        failed += f;
        latencies.extend(l);
    }
    latencies.sort();
    let stored = entry::Entity::find()
        .filter(entry::Column::CompetitionId.eq(competition.id))
        .filter(entry::Column::Status.eq("submitted"))
        .count(&state.db)
        .await
        .unwrap();

    // The same database's limit: one-row inserts, each its own durable transaction.
    let db = &state.db;
    let raw_rate = raw_durable_inserts(db, clients, seconds).await;

    Outcome {
        engine,
        seconds: seconds as f64,
        accepted,
        failed,
        latencies,
        stored,
        acknowledged_total: acknowledged.load(Ordering::Relaxed),
        raw_inserts_per_second: raw_rate,
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
        match fresh_postgres(&server, "iw_bench_submissions").await {
            Some(url) => outcomes.push(run("PostgreSQL", url, clients, seconds).await),
            None => println!("PostgreSQL not reachable at {server}: skipped"),
        }
    }
    println!(
        "\nSubmission benchmark: {clients} clients, {seconds} s measured after 2 s warm-up, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "| engine | accepted/s | p50 | p99 | failed | raw durable inserts/s | ratio | stored = acknowledged |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for o in &outcomes {
        let rate = o.accepted as f64 / o.seconds;
        println!(
            "| {} | {:.0} | {:.1} ms | {:.1} ms | {} | {:.0} | {:.0} % | {} = {} |",
            o.engine,
            rate,
            percentile(&o.latencies, 0.50).as_secs_f64() * 1000.0,
            percentile(&o.latencies, 0.99).as_secs_f64() * 1000.0,
            o.failed,
            o.raw_inserts_per_second,
            100.0 * rate / o.raw_inserts_per_second,
            o.stored,
            o.acknowledged_total,
        );
    }
    for o in &outcomes {
        assert_eq!(
            o.stored, o.acknowledged_total,
            "{}: every acknowledged submission is stored",
            o.engine
        );
    }
}
