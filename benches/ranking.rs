//! The jury's ranking at a national programme's size, and the jury's pages.
//!
//! 1. Aggregate and rank 100,000 admitted entries × 7 jurors × 6 criteria
//!    (4.2 million scores) read from the database by the same service the
//!    chair's and the staff's pages call; time (best and median of a few runs)
//!    and the peak of heap memory the ranking allocates, beside the time of
//!    merely reading the same score rows (the floor of any ranking).
//! 2. A juror's queue and the chair's sitting page (which ranks) of a
//!    competition with 1,000 admitted entries, each beside `/healthz` in the
//!    same run, with `wrk` when it is installed (the built-in client otherwise).
//!
//! SQLite and PostgreSQL, both seeded in SQL (a bench fixture, not a use case).
//!
//!   cargo bench --bench ranking
//!   BENCH_ENTRIES=20000 BENCH_ENGINES=sqlite cargo bench --bench ranking
//!
//! Targets (issue 13): the ranking under 1 s and 300 MB; both pages under 50 ms
//! at p99.

#[path = "support/bulk.rs"]
mod bulk;
#[path = "support/measure.rs"]
mod measure;
use measure::{env_or, fresh_postgres};

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use futures_util::TryStreamExt;
use ideenwettbewerb::app::Application;
use ideenwettbewerb::clock::ManualClock;
use ideenwettbewerb::config::Settings;
use ideenwettbewerb::domain::jury::panel::PanelRole;
use ideenwettbewerb::domain::roles::Role;
use ideenwettbewerb::entities::{competition, panel_member, user};
use ideenwettbewerb::services::identity::{credentials, sign_in};
use ideenwettbewerb::services::jury;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryOrder,
    QuerySelect, StreamTrait,
};

/// Counts the bytes allocated now and the most at any moment since the last
/// reset: the ranking's own peak, as the server idles meanwhile.
struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }
    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `work`, returning its time and the peak heap above what was allocated
/// when it started.
async fn measured<T>(work: impl Future<Output = T>) -> (T, Duration, usize) {
    let base = NOW.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let started = Instant::now();
    let value = work.await;
    let took = started.elapsed();
    (
        value,
        took,
        PEAK.load(Ordering::Relaxed).saturating_sub(base),
    )
}

const JURORS: usize = 7;

/// Competition `id` (its entries seeded) in review with every entry admitted, a
/// panel of seven (the first the chair), the default six criteria and every
/// sheet submitted. Returns the jurors' ids.
async fn seat_and_score(
    db: &DatabaseConnection,
    id: i64,
    first_account: usize,
    at: DateTime<Utc>,
) -> Vec<i64> {
    let mut jurors = Vec::new();
    for k in 0..JURORS {
        let person = user::Entity::insert(user::ActiveModel {
            email: Set(format!("juror{}@gera.example", first_account + k)),
            display_name: Set(format!("Jurorin {}", first_account + k)),
            role: Set(Role::Juror),
            created_at: Set(at),
            locale: Set("de".into()),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap()
        .last_insert_id;
        panel_member::Entity::insert(panel_member::ActiveModel {
            competition_id: Set(id),
            user_id: Set(person),
            role: Set(if k == 0 {
                PanelRole::Chair
            } else {
                PanelRole::Member
            }),
            invited_by: Set(None),
            invited_at: Set(at),
            accepted_at: Set(Some(at)),
            declined_at: Set(None),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap();
        jurors.push(person);
    }
    let criteria = jury::criteria(db, id).await.unwrap();
    assert_eq!(criteria.len(), 6, "the default criteria");
    bulk::score_all(db, id, at).await;
    jurors
}

/// Reads every score row of the competition one by one and sums them: what a
/// ranking that joins sheets and scores would have to read (the baseline).
async fn read_scores<C: ConnectionTrait + StreamTrait>(db: &C, id: i64) -> (u64, i64) {
    let backend = ConnectionTrait::get_database_backend(db);
    let rows = db
        .stream_raw(bulk::statement(
            backend,
            "SELECT s.juror_id, s.entry_id, sc.criterion_id, sc.score \
             FROM score_sheets s JOIN scores sc ON sc.sheet_id = s.id \
             WHERE s.competition_id = $1 AND s.submitted_at IS NOT NULL ORDER BY s.id",
            vec![id.into()],
        ))
        .await
        .unwrap();
    let mut rows = std::pin::pin!(rows);
    let (mut count, mut sum) = (0u64, 0i64);
    while let Some(row) = rows.try_next().await.unwrap() {
        let score: Option<i32> = row.try_get_by_index(3).unwrap();
        count += 1;
        sum += i64::from(score.unwrap_or(0));
    }
    (count, sum)
}

struct Line {
    name: String,
    per_second: f64,
    p50: Duration,
    p99: Duration,
    requests: u64,
    failed: u64,
}

fn parse_wrk_duration(text: &str) -> Duration {
    let (number, unit) =
        text.split_at(text.find(|c: char| c.is_alphabetic()).unwrap_or(text.len()));
    let value: f64 = number.parse().unwrap_or(0.0);
    Duration::from_secs_f64(match unit {
        "us" => value / 1e6,
        "ms" => value / 1e3,
        "s" => value,
        "m" => value * 60.0,
        _ => value,
    })
}

/// `clients` connections fetch `url` for `seconds`: through wrk if installed.
async fn load(name: &str, url: &str, cookie: &str, clients: usize, seconds: u64) -> Line {
    let wrk = std::process::Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{clients}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-H",
            &format!("Cookie: {cookie}"),
            url,
        ])
        .output();
    if let Ok(out) = wrk
        && out.status.success()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |first: &str, at: usize| {
            text.lines()
                .map(str::split_whitespace)
                .map(Iterator::collect::<Vec<_>>)
                .find(|words| words.first() == Some(&first))
                .and_then(|words| words.get(at).map(|w| (*w).to_owned()))
                .unwrap_or_default()
        };
        let requests: u64 = text
            .lines()
            .find(|l| l.contains("requests in"))
            .and_then(|l| l.split_whitespace().next()?.parse().ok())
            .unwrap_or(0);
        let failed: u64 = text
            .lines()
            .find(|l| l.contains("Non-2xx"))
            .and_then(|l| l.split_whitespace().last()?.parse().ok())
            .unwrap_or(0);
        return Line {
            name: name.to_owned(),
            per_second: field("Requests/sec:", 1).parse().unwrap_or(0.0),
            p50: parse_wrk_duration(&field("50%", 1)),
            p99: parse_wrk_duration(&field("99%", 1)),
            requests,
            failed,
        };
    }
    builtin_load(name, url, cookie, clients, seconds).await
}

async fn builtin_load(name: &str, url: &str, cookie: &str, clients: usize, seconds: u64) -> Line {
    let http = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs(seconds);
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, cookie, failed) = (
            http.clone(),
            url.to_owned(),
            cookie.to_owned(),
            failed.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let sent = Instant::now();
                let ok = match http.get(&url).header("cookie", &cookie).send().await {
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
    let at = |p: f64| {
        latencies
            .get(((latencies.len().max(1) - 1) as f64 * p).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Line {
        name: format!("{name} (built-in client)"),
        per_second: latencies.len() as f64 / seconds as f64,
        p50: at(0.5),
        p99: at(0.99),
        requests: latencies.len() as u64,
        failed: failed.load(Ordering::Relaxed),
    }
}

async fn signed_in(
    db: &DatabaseConnection,
    settings: &Settings,
    at: DateTime<Utc>,
    id: i64,
) -> String {
    let person = user::Entity::find_by_id(id).one(db).await.unwrap().unwrap();
    let password = "bench-password-long-enough";
    credentials::set_password(db, at, id, password)
        .await
        .unwrap();
    let (_, session) =
        sign_in::sign_in_with_password(db, at, &settings.auth, &person.email, password, None)
            .await
            .map_err(|_| "sign-in")
            .unwrap();
    format!("iw_session={session}")
}

struct Report {
    entries: usize,
    scores: u64,
    read: Duration,
    runs: Vec<Duration>,
    peak: usize,
    lines: Vec<Line>,
}

async fn run(engine: &str, url: String) -> Report {
    let entries: usize = env_or("BENCH_ENTRIES", 100_000);
    let page_entries: usize = env_or("BENCH_PAGE_ENTRIES", 1_000);
    let clients: usize = env_or("BENCH_CLIENTS", 8);
    let seconds: u64 = env_or("BENCH_SECONDS", 5);
    let mut settings = Settings::defaults().expect("settings");
    settings.server.bind = "127.0.0.1:0".parse().unwrap();
    settings.database.url = url;
    settings.database.max_connections = 8;
    // The fixture's inserts of millions of rows run longer than a page may.
    settings.database.statement_timeout_seconds = 0;
    settings.scheduler.enabled = false;
    settings.mail.worker_enabled = false;
    settings.seed.programme_file = format!(
        "{}/config/programmes/gera-smartcity.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let now = chrono_tz::Europe::Berlin
        .with_ymd_and_hms(2020, 11, 1, 10, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
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
    let (big, small) = (competitions[0], competitions[1]);
    let seeding = Instant::now();
    let all = entries + page_entries;
    bulk::seed(
        db,
        &[big, small],
        (entries as f64 + 0.5) / all as f64,
        all,
        1_000,
        now,
    )
    .await;
    seat_and_score(db, big, 0, now).await;
    let panel = seat_and_score(db, small, JURORS, now).await;
    let analyse = match db.get_database_backend() {
        DbBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(analyse).await.unwrap();
    println!(
        "{engine}: seeded {entries} + {page_entries} entries with {JURORS} sheets each in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    // Warm the cache once, then measure.
    let (scores, _) = read_scores(db, big).await;
    let ((_, _), read, _) = measured(read_scores(db, big)).await;
    let mut runs = Vec::new();
    let mut peak = 0;
    for _ in 0..env_or("BENCH_RUNS", 3usize) {
        let (ranking, took, bytes) = measured(jury::ranking::ranking(db, big)).await;
        let ranking = ranking.expect("ranking");
        assert_eq!(ranking.entries.len(), entries, "every entry ranked");
        runs.push(took);
        peak = peak.max(bytes);
    }
    runs.sort();

    let juror = signed_in(db, &state.settings, now, panel[1]).await;
    let chair = signed_in(db, &state.settings, now, panel[0]).await;
    let targets = [
        ("/healthz (baseline)", format!("{address}/healthz"), &juror),
        (
            "juror's queue",
            format!("{address}/jury/wettbewerbe/{small}"),
            &juror,
        ),
        (
            "chair's sitting (ranking)",
            format!("{address}/jury/wettbewerbe/{small}/sitzung"),
            &chair,
        ),
    ];
    let http = reqwest::Client::new();
    for (name, url, cookie) in &targets {
        let answer = http
            .get(url)
            .header("cookie", *cookie)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{name}: {}", answer.status());
    }
    let mut lines = Vec::new();
    for (name, url, cookie) in &targets {
        lines.push(load(name, url, cookie, clients, seconds).await);
    }
    Report {
        entries,
        scores,
        read,
        runs,
        peak,
        lines,
    }
}

fn print(engine: &str, r: &Report) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "\n{engine}: {} entries, {} scores, {} cores, {} clients, {} s per page\n| step | best | median | peak heap |",
        r.entries,
        r.scores,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        env_or("BENCH_CLIENTS", 8usize),
        env_or("BENCH_SECONDS", 5u64),
    );
    println!("|---|---|---|---|");
    println!(
        "| reading every score row, joined to its sheet (baseline) | {:.0} ms | | |",
        ms(r.read)
    );
    println!(
        "| ranking (read, aggregate, rank, names) | {:.0} ms | {:.0} ms | {:.1} MB |",
        ms(r.runs[0]),
        ms(r.runs[r.runs.len() / 2]),
        r.peak as f64 / 1e6
    );
    println!("\n| page | requests/s | p50 | p99 | requests | failed |");
    println!("|---|---|---|---|---|---|");
    for l in &r.lines {
        println!(
            "| {} | {:.0} | {:.1} ms | {:.1} ms | {} | {} |",
            l.name,
            l.per_second,
            ms(l.p50),
            ms(l.p99),
            l.requests,
            l.failed
        );
    }
}

#[tokio::main]
async fn main() {
    let engines = std::env::var("BENCH_ENGINES").unwrap_or_else(|_| "sqlite,postgres".into());
    let dir = tempfile::TempDir::new().expect("temp dir");
    if engines.contains("sqlite") {
        let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
        print("SQLite", &run("SQLite", url).await);
    }
    if engines.contains("postgres") {
        let server = std::env::var("BENCH_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        match fresh_postgres(&server, "iw_bench_ranking").await {
            Some(url) => print("PostgreSQL", &run("PostgreSQL", url).await),
            None => println!("PostgreSQL not reachable at {server}: skipped"),
        }
    }
}
