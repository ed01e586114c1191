//! What the benchmarks share: settings from the environment, percentiles, a
//! fresh PostgreSQL database, and the baseline of one durable insert per
//! transaction.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// The environment variable `name` parsed, or `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `p` quantile (0 to 1) of sorted durations; zero for none.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The URL of database `name` on `server`, dropped and created empty; `None`
/// when the server cannot be reached.
pub async fn fresh_postgres(server: &str, name: &str) -> Option<String> {
    let admin = Database::connect(format!("{server}/postgres")).await.ok()?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .ok()?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .ok()?;
    Some(format!("{server}/{name}"))
}

/// The database's limit: `clients` tasks inserting one row per durable
/// transaction for up to 5 s (at most `seconds`); rows per second.
pub async fn raw_durable_inserts(db: &DatabaseConnection, clients: usize, seconds: u64) -> f64 {
    db.execute_unprepared("CREATE TABLE bench_raw (id BIGINT PRIMARY KEY, payload TEXT NOT NULL)")
        .await
        .unwrap();
    let counter = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds.min(5));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (db, counter) = (db.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                let id = counter.fetch_add(1, Ordering::Relaxed) as i64;
                let sql = format!("INSERT INTO bench_raw (id, payload) VALUES ({id}, 'x')");
                db.execute_unprepared(&sql).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    counter.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}
