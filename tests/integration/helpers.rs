//! `TestApp`: the real server on a random port with a fresh database (SQLite by
//! default, PostgreSQL when `TEST_DATABASE_URL` names a server), a movable clock,
//! and HTTP helpers.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ideenwettbewerb::app::{AppState, Application};
use ideenwettbewerb::clock::ManualClock;
use ideenwettbewerb::config::Settings;

/// The key that seals payout details in tests.
pub const PAYOUT_KEY: &str = "7465737473206f6e6c793a206e6f742061207265616c20736563726574212121";
use ideenwettbewerb::domain::LifecycleEvent;
use ideenwettbewerb::domain::time::parse_berlin;
use ideenwettbewerb::{scheduler, worker};
use rand::RngCore;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const REPO_ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A moment given as Europe/Berlin wall-clock time, e.g. `2020-06-02T00:00`.
pub fn berlin(text: &str) -> DateTime<Utc> {
    parse_berlin(text).expect("test time")
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// The administrator's token (a second instance on the same database shares it).
    pub token: Option<String>,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub database_url: String,
    /// Where email goes when no SMTP server is configured.
    pub outbox: Arc<TempDir>,
    _dir: Option<Arc<TempDir>>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// An open competition, an entrant and their draft ([`TestApp::open_with_draft`]).
pub struct OpenDraft {
    pub competition_id: i64,
    pub entry_id: i64,
    /// The entrant's API token.
    pub token: String,
}

pub struct TestAppBuilder {
    seed: bool,
    worker: bool,
    smtp: Option<String>,
    now: DateTime<Utc>,
    database: Option<(String, Option<Arc<TempDir>>)>,
    token: Option<String>,
    configure: Option<fn(&mut Settings)>,
}

/// A new empty database: a PostgreSQL database on `TEST_DATABASE_URL`'s server, or a
/// SQLite file in a temporary folder.
pub async fn fresh_database() -> (String, Option<Arc<TempDir>>) {
    if let Ok(server) = std::env::var("TEST_DATABASE_URL") {
        let server = server.trim_end_matches('/').to_owned();
        let mut bytes = [0u8; 6];
        rand::rng().fill_bytes(&mut bytes);
        let name = format!(
            "iw_test_{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let admin = Database::connect(format!("{server}/postgres"))
            .await
            .expect("PostgreSQL reachable");
        admin
            .execute_raw(Statement::from_string(
                admin.get_database_backend(),
                format!("CREATE DATABASE {name}"),
            ))
            .await
            .expect("create test database");
        admin.close().await.ok();
        (format!("{server}/{name}"), None)
    } else {
        let dir = TempDir::new().expect("temp dir");
        let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
        (url, Some(Arc::new(dir)))
    }
}

impl TestAppBuilder {
    /// Start empty, without the Gera programme.
    pub fn without_seed(mut self) -> Self {
        self.seed = false;
        self
    }

    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = now;
        self
    }

    /// Deliver email in the background, as `serve` does (tests otherwise call
    /// [`TestApp::deliver`] when they want a delivery round).
    pub fn with_worker(mut self) -> Self {
        self.worker = true;
        self
    }

    /// Send email to this SMTP server instead of writing files.
    pub fn smtp(mut self, addr: std::net::SocketAddr) -> Self {
        self.smtp = Some(format!("smtp://{addr}?tls=none"));
        self
    }

    /// Changes settings beyond the test defaults.
    pub fn configure(mut self, change: fn(&mut Settings)) -> Self {
        self.configure = Some(change);
        self
    }

    /// Share another instance's database (a second app instance).
    pub fn database_of(mut self, other: &TestApp) -> Self {
        self.database = Some((other.database_url.clone(), other._dir.clone()));
        self.token = other.token.clone();
        self
    }

    pub async fn spawn(self) -> TestApp {
        let (database_url, dir) = match self.database {
            Some(db) => db,
            None => fresh_database().await,
        };
        let mut settings = Settings::defaults().expect("default settings");
        settings.server.bind = "127.0.0.1:0".parse().expect("addr");
        settings.database.url = database_url.clone();
        settings.database.max_connections = 4;
        settings.scheduler.enabled = false;
        settings.mail.worker_enabled = self.worker;
        settings.mail.interval_ms = 50;
        settings.mail.retry_base_seconds = 1;
        let outbox = Arc::new(TempDir::new().expect("outbox dir"));
        settings.mail.outbox_dir = outbox.path().display().to_string();
        settings.attachments.dir = outbox.path().join("attachments").display().to_string();
        // One key for every instance of a test, as production's shared databases need.
        settings.payout.key = PAYOUT_KEY.to_owned();
        if let Some(smtp) = &self.smtp {
            settings.mail.smtp_url = smtp.clone();
        }
        settings.seed.programme_file = if self.seed {
            format!("{REPO_ROOT}/config/programmes/gera-smartcity.toml")
        } else {
            String::new()
        };
        if let Some(change) = self.configure {
            change(&mut settings);
        }
        let clock = Arc::new(ManualClock::new(self.now));
        let app = Application::build(settings, clock.clone())
            .await
            .expect("app starts");
        let address = format!("http://{}", app.local_addr());
        let token = app.admin_token.clone().or(self.token);
        let state = app.state();
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = stop.await;
        }));
        TestApp {
            address,
            client: reqwest::Client::new(),
            token,
            clock,
            state,
            database_url,
            outbox,
            _dir: dir,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            seed: true,
            worker: false,
            smtp: None,
            now: berlin("2020-05-01T12:00"),
            database: None,
            token: None,
            configure: None,
        }
    }

    /// The Gera programme, on 1 May 2020 (before every competition opens).
    pub async fn spawn() -> TestApp {
        Self::builder().spawn().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Moves the clock and runs one scheduler pass, returning what it applied.
    pub async fn move_clock_to(&self, at: DateTime<Utc>) -> Vec<(i64, LifecycleEvent)> {
        self.clock.set(at);
        scheduler::tick(&self.state).await
    }

    /// One email worker round: events to messages, then one delivery batch.
    pub async fn deliver(&self) -> worker::Round {
        worker::round(&self.state).await.expect("email round")
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> (StatusCode, Value, String) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json, content_type)
    }

    fn admin(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (status, json, _) = self.request(Method::GET, path, None, None).await;
        (status, json)
    }

    pub async fn admin_get(&self, path: &str) -> (StatusCode, Value) {
        let (status, json, _) = self.request(Method::GET, path, None, self.admin()).await;
        (status, json)
    }

    /// An anonymous JSON POST.
    pub async fn request_json(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (status, json, _) = self.request(Method::POST, path, Some(body), None).await;
        (status, json)
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (status, json, _) = self
            .request(Method::POST, path, Some(body), self.admin())
            .await;
        (status, json)
    }

    pub async fn admin_patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (status, json, _) = self
            .request(Method::PATCH, path, Some(body), self.admin())
            .await;
        (status, json)
    }

    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("page request");
        (response.status(), response.text().await.expect("page body"))
    }

    /// The public competition with this slug.
    pub async fn competition(&self, slug: &str) -> Value {
        let (_, all) = self.admin_get("/api/admin/competitions").await;
        all.as_array()
            .and_then(|all| all.iter().find(|c| c["slug"] == slug))
            .cloned()
            .unwrap_or_else(|| panic!("no competition {slug}"))
    }

    pub async fn transition(&self, id: i64, body: Value) -> (StatusCode, Value) {
        self.admin_post(&format!("/api/competitions/{id}/transitions"), body)
            .await
    }

    /// Rows in a table, to show that a refused request wrote nothing.
    pub async fn count(&self, table: &str) -> i64 {
        let db = &self.state.db;
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("count row");
        row.try_get::<i64>("", "n").expect("count value")
    }

    /// The kept entry counts (migration 000019) agree with the entries, per
    /// competition, status and source.
    pub async fn assert_counts_kept(&self) {
        let db = &self.state.db;
        let rows = |sql: &str| {
            let sql = sql.to_owned();
            async move {
                let mut found: Vec<(i64, String, String, i64)> = db
                    .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
                    .await
                    .expect("count query")
                    .iter()
                    .map(|row| {
                        (
                            row.try_get::<i64>("", "c").unwrap(),
                            row.try_get::<String>("", "s").unwrap(),
                            row.try_get::<String>("", "o").unwrap(),
                            row.try_get::<i64>("", "n").unwrap(),
                        )
                    })
                    .filter(|row| row.3 != 0)
                    .collect();
                found.sort();
                found
            }
        };
        let kept = rows(
            "SELECT competition_id AS c, status AS s, source AS o, CAST(SUM(n) AS BIGINT) AS n \
             FROM entry_counts GROUP BY competition_id, status, source",
        )
        .await;
        let actual = rows(
            "SELECT competition_id AS c, status AS s, source AS o, COUNT(*) AS n \
             FROM entries GROUP BY competition_id, status, source",
        )
        .await;
        assert_eq!(kept, actual, "kept counts = counted entries");
    }

    /// Row counts of every table that a state change writes.
    pub async fn snapshot_counts(&self) -> Vec<i64> {
        let mut counts = Vec::new();
        for table in [
            "programmes",
            "phases",
            "competitions",
            "audit_log",
            "outbox_events",
            "api_tokens",
        ] {
            counts.push(self.count(table).await);
        }
        counts
    }

    /// Outbox event types recorded for one competition, oldest first.
    pub async fn outbox_events(&self, competition_id: i64) -> Vec<String> {
        let db = &self.state.db;
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT event_type FROM outbox_events WHERE aggregate_type = 'competition' AND aggregate_id = {competition_id} ORDER BY id"),
            ))
            .await
            .expect("outbox query");
        rows.iter()
            .map(|row| row.try_get::<String>("", "event_type").expect("event type"))
            .collect()
    }

    /// A new entrant's account, made as a first sign-in makes it, and an API token
    /// for it.
    pub async fn entrant(&self, email: &str) -> String {
        let db = &self.state.db;
        let now = self.state.now();
        let txn = ideenwettbewerb::services::begin_write(db)
            .await
            .expect("begin");
        let person = ideenwettbewerb::services::identity::accounts::create_entrant(
            &txn,
            now,
            None,
            email,
            "Schulklasse 7b",
        )
        .await
        .expect("entrant created");
        txn.commit().await.expect("commit");
        ideenwettbewerb::services::identity::api_tokens::create_token(db, person.id, now, "test")
            .await
            .expect("token")
            .1
    }

    /// The id of the competition with this slug.
    pub async fn competition_id(&self, slug: &str) -> i64 {
        self.competition(slug).await["id"]
            .as_i64()
            .expect("competition id")
    }

    /// "Wir lieben Gera" open (the clock on 1 August 2020), an entrant, and a draft
    /// of theirs.
    pub async fn open_with_draft(&self) -> OpenDraft {
        self.move_clock_to(berlin("2020-08-01T10:00")).await;
        let competition_id = self.competition_id("wir-lieben-gera").await;
        let token = self.entrant("anna@example.de").await;
        let (status, draft, _) = self
            .request(
                Method::POST,
                &format!("/api/competitions/{competition_id}/entries"),
                Some(serde_json::json!({
                    "title": "Solarbänke für Gera",
                    "summary": "Sitzbänke, an denen man Fahrräder und Telefone mit Sonnenstrom lädt.",
                    "goals": ["Nachhaltigkeit"]
                })),
                Some(&token),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{draft}");
        OpenDraft {
            competition_id,
            entry_id: draft["id"].as_i64().expect("entry id"),
            token,
        }
    }

    pub async fn stop(mut self) {
        self.shutdown_now().await;
    }

    async fn shutdown_now(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A test app that sends email over SMTP to a sink of its own, its clock at `at`
/// (Europe/Berlin wall-clock time).
pub async fn with_smtp_at(at: &str) -> (TestApp, ideenwettbewerb::mail::sink::SmtpSink) {
    let smtp = ideenwettbewerb::mail::sink::SmtpSink::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;
    app.move_clock_to(berlin(at)).await;
    (app, smtp)
}

/// What the servers of this test binary logged, for tests that check a cause was
/// logged. Installed once for the whole binary; tests look for their own ids.
pub mod logs {
    use std::io::Write;
    use std::sync::{Mutex, Once, OnceLock};

    static LOGGED: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    static INSTALL: Once = Once::new();

    struct Capture;

    impl Write for Capture {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            LOGGED
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Starts capturing errors logged anywhere in this process.
    pub fn capture() {
        INSTALL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::ERROR)
                .with_ansi(false)
                .with_writer(|| Capture)
                .finish();
            let _ = tracing::subscriber::set_global_default(subscriber);
        });
    }

    /// Everything logged since [`capture`].
    pub fn text() -> String {
        let logged = LOGGED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&logged).into_owned()
    }
}
