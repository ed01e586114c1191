//! Email delivery benchmark: queue N messages (default 10,000), deliver them to a
//! local SMTP server, and print messages/second and peak memory.
//!
//!   cargo bench --bench email
//!   BENCH_MESSAGES=2000 BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/iw_bench_mail cargo bench --bench email
//!
//! The SMTP server is the project's sink, in the same process (it shares the two
//! cores with the worker). On PostgreSQL the named database is dropped and created.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ideenwettbewerb::app::AppState;
use ideenwettbewerb::clock::{Clock, SystemClock};
use ideenwettbewerb::config::Settings;
use ideenwettbewerb::mail::sink::SmtpSink;
use ideenwettbewerb::mail::templates::sample_context;
use ideenwettbewerb::services::emails::{self, NewEmail};
use ideenwettbewerb::worker;
use sea_orm::{ConnectionTrait, Database, TransactionTrait};

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|kb| kb.parse::<u64>().ok())
                })
        })
        .map_or(0, |kb| kb / 1024)
}

#[tokio::main]
async fn main() {
    let messages: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::TempDir::new().expect("temp dir");
    let (url, engine) = match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) => {
            let (server, name) = url.rsplit_once('/').expect("postgres://…/name");
            let admin = Database::connect(format!("{server}/postgres"))
                .await
                .expect("PostgreSQL");
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .expect("drop");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create");
            (url, "PostgreSQL")
        }
        Err(_) => (
            format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
            "SQLite",
        ),
    };
    let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap())
        .await
        .expect("SMTP sink");

    let mut settings = Settings::defaults().expect("settings");
    settings.database.url = url;
    settings.seed.programme_file = String::new();
    settings.mail.smtp_url = format!("smtp://{}?tls=none", sink.addr());
    settings.mail.batch_size = 200;
    settings.mail.concurrency = 8;
    let state = AppState::connect(settings, Arc::new(SystemClock))
        .await
        .expect("app state");

    let queued = Instant::now();
    for chunk in (0..messages).collect::<Vec<_>>().chunks(1000) {
        let txn = state.db.begin().await.expect("transaction");
        for i in chunk {
            let email = NewEmail {
                idempotency_key: format!("bench:{i}"),
                template: "competition_opened",
                locale: if i % 2 == 0 { "de" } else { "en" }.into(),
                recipient: format!("person{i}@example.de"),
                context: sample_context("competition_opened"),
                competition_id: None,
                event_id: None,
            };
            emails::enqueue(&txn, SystemClock.now(), email)
                .await
                .expect("enqueue");
        }
        txn.commit().await.expect("commit");
    }
    let queue_time = queued.elapsed();

    let started = Instant::now();
    let mut failed = 0;
    loop {
        let round = worker::round(&state).await.expect("delivery round");
        failed += round.failed;
        if round.sent == 0 && round.failed == 0 {
            break;
        }
    }
    let elapsed = started.elapsed();
    let received = sink.wait_for(messages, Duration::from_secs(30)).await.len();

    println!(
        "Email delivery benchmark: {engine}, {messages} messages, 8 SMTP connections, batches of 200, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "queueing: {:.0} messages/s ({:.2} s)",
        messages as f64 / queue_time.as_secs_f64(),
        queue_time.as_secs_f64()
    );
    println!(
        "delivery: {:.0} messages/s ({:.2} s), received by the server: {received}, failed: {failed}",
        messages as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    println!(
        "peak memory (RSS, whole process including the SMTP server): {} MiB",
        peak_rss_mib()
    );
    assert_eq!(received, messages, "every message arrives exactly once");
}
