//! Staff pages at a national programme's size: 100,000 submitted entries (55,000
//! in one competition) and 10,000 accounts, then, signed in as an administrator
//! with 8 clients at once, the dashboard, the first, a middle and the last page of
//! the big competition's list, a search with hits and one without, an entry and the
//! people list, each beside `/healthz` measured the same way in the same run; then
//! both exports of the 55,000 entries, with rows per second and the growth of the
//! process's resident memory while they stream. SQLite and PostgreSQL.
//!
//!   cargo bench --bench staff_pages
//!   BENCH_ENTRIES=20000 BENCH_SECONDS=3 BENCH_ENGINES=sqlite cargo bench --bench staff_pages
//!
//! `BENCH_PAGES=bezirk,dashboard` measures only the pages so named;
//! `BENCH_REUSE=1` keeps PostgreSQL's database of an earlier run instead of
//! seeding a new one.
//!
//! Targets (issue 12): every page under 50 ms at p99; exports at 20,000 rows/s or
//! more with under 50 MB of memory growth.

#[path = "support/bulk.rs"]
mod bulk;
#[path = "support/measure.rs"]
mod measure;
use measure::{env_or, fresh_postgres, percentile};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::TimeZone;
use ideenwettbewerb::app::Application;
use ideenwettbewerb::clock::ManualClock;
use ideenwettbewerb::config::Settings;
use ideenwettbewerb::entities::{competition, entry, user};
use ideenwettbewerb::services::identity::{credentials, sign_in};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// The process's resident memory in bytes (Linux).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

struct Line {
    name: String,
    requests: usize,
    failed: u64,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

/// `clients` clients fetch `path` for `seconds` seconds.
async fn load(
    http: &reqwest::Client,
    name: &str,
    url: String,
    cookie: &str,
    clients: usize,
    seconds: f64,
) -> Line {
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, cookie, failed) =
            (http.clone(), url.clone(), cookie.to_owned(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let sent = Instant::now();
                let response = http.get(&url).header("cookie", &cookie).send().await;
                let ok = match response {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                };
                if ok {
                    latencies.push(sent.elapsed());
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    latencies.sort();
    Line {
        name: name.to_owned(),
        requests: latencies.len(),
        failed: failed.load(Ordering::Relaxed),
        per_second: latencies.len() as f64 / seconds,
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
    }
}

struct Export {
    name: &'static str,
    rows: u64,
    bytes: usize,
    seconds: f64,
    rss_growth: u64,
}

async fn export(
    http: &reqwest::Client,
    name: &'static str,
    url: String,
    cookie: &str,
    rows: u64,
) -> Export {
    let before = rss();
    let peak = Arc::new(AtomicU64::new(before));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let started = Instant::now();
    let mut response = http
        .get(&url)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    // Read as it streams, keeping only the count (as a browser saving to disk).
    let mut bytes = 0;
    while let Some(chunk) = response.chunk().await.unwrap() {
        bytes += chunk.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    sampling.store(false, Ordering::Relaxed);
    sampler.await.unwrap();
    Export {
        name,
        rows,
        bytes,
        seconds,
        rss_growth: peak.load(Ordering::Relaxed).saturating_sub(before),
    }
}

async fn run(engine: &'static str, url: String) -> (Vec<Line>, Vec<Export>) {
    let entries: usize = env_or("BENCH_ENTRIES", 100_000);
    let accounts: usize = env_or("BENCH_ACCOUNTS", 10_000);
    let clients: usize = env_or("BENCH_CLIENTS", 8);
    let seconds: f64 = env_or("BENCH_SECONDS", 5.0);
    let mut settings = Settings::defaults().expect("settings");
    settings.server.bind = "127.0.0.1:0".parse().unwrap();
    settings.database.url = url;
    settings.database.max_connections = 8;
    settings.scheduler.enabled = false;
    settings.mail.worker_enabled = false;
    settings.seed.programme_file = format!(
        "{}/config/programmes/gera-smartcity.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let now = chrono_tz::Europe::Berlin
        .with_ymd_and_hms(2020, 11, 1, 10, 0, 0)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let app = Application::build(settings, Arc::new(ManualClock::new(now)))
        .await
        .expect("server");
    let state = app.state();
    let address = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));

    let db = &state.db;
    let competitions: Vec<i64> = competition::Entity::find()
        .order_by_asc(competition::Column::Id)
        .select_only()
        .column(competition::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    let seeding = Instant::now();
    let seeded: u64 = entry::Entity::find().count(db).await.unwrap();
    if seeded < entries as u64 {
        bulk::seed(db, &competitions, 0.55, entries, accounts, now).await;
    }
    let analyse = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(analyse).await.unwrap();
    println!(
        "{engine}: seeded {entries} entries and {accounts} accounts in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let admin = user::Entity::find()
        .filter(user::Column::Email.eq("admin@localhost"))
        .one(db)
        .await
        .unwrap()
        .expect("the first administrator");
    let password = "bench-password-long-enough";
    credentials::set_password(db, now, admin.id, password)
        .await
        .unwrap();
    let (_, session) = sign_in::sign_in_with_password(
        db,
        now,
        &state.settings.auth,
        "admin@localhost",
        password,
        None,
    )
    .await
    .map_err(|_| "sign-in")
    .unwrap();
    let cookie = format!("iw_session={session}");

    let big = competitions[0];
    let ids: Vec<i64> = entry::Entity::find()
        .filter(entry::Column::CompetitionId.eq(big))
        .select_only()
        .column(entry::Column::Id)
        .order_by_asc(entry::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    let middle = ids[ids.len() / 2];
    let list = format!("{address}/verwaltung/wettbewerbe/{big}");
    let targets = [
        (
            "/healthz (baseline)".to_owned(),
            format!("{address}/healthz"),
        ),
        ("dashboard".into(), format!("{address}/verwaltung")),
        ("list, first page".into(), list.clone()),
        ("list, middle page".into(), format!("{list}?nach={middle}")),
        ("list, last page".into(), format!("{list}?ende=1")),
        (
            "search with hits (bezirk123)".into(),
            format!("{list}?q=bezirk123"),
        ),
        (
            "search with hits on every entry (example.de)".into(),
            format!("{list}?q=example.de"),
        ),
        ("search without hits".into(), format!("{list}?q=xylophon")),
        (
            "an entry".into(),
            format!("{address}/verwaltung/einreichungen/{middle}"),
        ),
        (
            "people list".into(),
            format!("{address}/verwaltung/personen"),
        ),
    ];
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    // Warm up once per target.
    for (_, url) in &targets {
        let _ = http.get(url).header("cookie", &cookie).send().await;
    }
    // BENCH_PAGES (names or parts of names, comma-separated) measures only
    // those pages, e.g. under a profiler.
    let only = std::env::var("BENCH_PAGES").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|p| name.contains(p.trim()));
    let mut lines = Vec::new();
    for (name, url) in targets {
        if wanted(&name) {
            eprintln!("measuring {name}");
            lines.push(load(&http, &name, url, &cookie, clients, seconds).await);
        }
    }
    let rows = ids.len() as u64;
    let exports = vec![
        export(
            &http,
            "CSV",
            format!("{list}/einreichungen.csv"),
            &cookie,
            rows,
        )
        .await,
        export(
            &http,
            "XLSX",
            format!("{list}/einreichungen.xlsx"),
            &cookie,
            rows,
        )
        .await,
    ];
    (lines, exports)
}

#[tokio::main]
async fn main() {
    let engines = std::env::var("BENCH_ENGINES").unwrap_or_else(|_| "sqlite,postgres".into());
    let dir = tempfile::TempDir::new().expect("temp dir");
    let mut results = Vec::new();
    if engines.contains("sqlite") {
        // BENCH_SQLITE_FILE keeps the seeded database for a look at its plans.
        let file = std::env::var("BENCH_SQLITE_FILE")
            .unwrap_or_else(|_| format!("{}/bench.db", dir.path().display()));
        let _ = std::fs::remove_file(&file);
        let url = format!("sqlite://{file}?mode=rwc");
        results.push(("SQLite", run("SQLite", url).await));
    }
    if engines.contains("postgres") {
        let server = std::env::var("BENCH_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        // BENCH_REUSE keeps the database seeded by an earlier run.
        let database = if std::env::var("BENCH_REUSE").is_ok() {
            Some(format!("{server}/iw_bench_staff"))
        } else {
            fresh_postgres(&server, "iw_bench_staff").await
        };
        match database {
            Some(url) => results.push(("PostgreSQL", run("PostgreSQL", url).await)),
            None => println!("PostgreSQL not reachable at {server}: skipped"),
        }
    }
    println!(
        "\nStaff pages: {} clients, {} s per page, {} cores",
        env_or("BENCH_CLIENTS", 8usize),
        env_or("BENCH_SECONDS", 5.0f64),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for (engine, (lines, exports)) in &results {
        println!("\n{engine}\n| page | requests/s | p50 | p99 | requests | failed |");
        println!("|---|---|---|---|---|---|");
        for l in lines {
            println!(
                "| {} | {:.0} | {:.1} ms | {:.1} ms | {} | {} |",
                l.name,
                l.per_second,
                l.p50.as_secs_f64() * 1000.0,
                l.p99.as_secs_f64() * 1000.0,
                l.requests,
                l.failed
            );
        }
        println!("\n| export | rows | MB | seconds | rows/s | RSS growth |");
        println!("|---|---|---|---|---|---|");
        for e in exports {
            println!(
                "| {} | {} | {:.1} | {:.2} | {:.0} | {:.1} MB |",
                e.name,
                e.rows,
                e.bytes as f64 / 1e6,
                e.seconds,
                e.rows as f64 / e.seconds,
                e.rss_growth as f64 / 1e6
            );
        }
    }
}
