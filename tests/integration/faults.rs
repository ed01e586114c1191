//! Faults against the real `ideenwettbewerb` binary in a child process: a worker
//! killed (-9) while it delivers, and an upload cut off by a crash or by SIGTERM
//! past the shutdown grace. Each figure is printed as "expected N, got N".

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use ideenwettbewerb::mail::sink::SmtpSink;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::attachments::{PDF, upload};
use crate::email::queue;
use crate::helpers::TestApp;

/// The server binary, built by cargo for these tests.
const BINARY: &str = env!("CARGO_BIN_EXE_ideenwettbewerb");

/// A child process running the binary, killed when dropped.
struct Process {
    child: Child,
    log: tempfile::NamedTempFile,
}

impl Process {
    /// Starts `ideenwettbewerb <args>` on `app`'s database and folders; `env` adds
    /// or overrides settings (`IDEEN_<SECTION>__<KEY>`).
    fn start(app: &TestApp, args: &[&str], env: &[(&str, String)]) -> Process {
        let log = tempfile::NamedTempFile::new().expect("log file");
        let settings = &app.state.settings;
        let mut command = Command::new(BINARY);
        command
            .args(args)
            .env_remove("IDEEN_CONFIG")
            .env("IDEEN_DATABASE__URL", &app.database_url)
            .env("IDEEN_DATABASE__MAX_CONNECTIONS", "4")
            .env("IDEEN_SEED__PROGRAMME_FILE", "")
            .env("IDEEN_SCHEDULER__ENABLED", "false")
            .env("IDEEN_MAIL__OUTBOX_DIR", &settings.mail.outbox_dir)
            .env("IDEEN_MAIL__INTERVAL_MS", "50")
            .env("IDEEN_ATTACHMENTS__DIR", &settings.attachments.dir)
            .env("IDEEN_LOG__FILTER", "warn")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("log file"));
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("the binary starts");
        Process { child, log }
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// What the process wrote to stderr so far.
    fn log(&self) -> String {
        let mut text = String::new();
        let _ = self
            .log
            .reopen()
            .and_then(|mut file| file.read_to_string(&mut text));
        text
    }

    /// kill -9: no shutdown code runs.
    fn kill_hard(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
    }

    fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on 127.0.0.1 (released again for the child to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Waits until `url` answers, or panics with the process's log.
async fn wait_until_up(process: &Process, url: &str) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client.get(url).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come up:\n{}", process.log());
}

#[tokio::test]
async fn a_worker_killed_while_sending_repeats_at_most_one_message_per_connection() {
    const MESSAGES: usize = 60;
    const CONNECTIONS: usize = 4;
    let smtp = SmtpSink::start("127.0.0.1:0".parse().unwrap())
        .await
        .expect("SMTP sink");
    // A slow server keeps a message in flight on every connection at the kill.
    smtp.set_delay(Duration::from_millis(150));
    // The clock of this process is the real one, as the child's is.
    let app = TestApp::builder()
        .without_seed()
        .at(Utc::now())
        .smtp(smtp.addr())
        .spawn()
        .await;
    queue(&app, MESSAGES, |i| format!("abbruch{i}@example.de")).await;

    let mut worker = Process::start(
        &app,
        &["worker"],
        &[
            (
                "IDEEN_MAIL__SMTP_URL",
                format!("smtp://{}?tls=none", smtp.addr()),
            ),
            ("IDEEN_MAIL__CONCURRENCY", CONNECTIONS.to_string()),
            ("IDEEN_MAIL__BATCH_SIZE", "50".into()),
        ],
    );
    let started = Instant::now();
    while smtp.received().len() < 16 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the worker sent nothing:\n{}",
            worker.log()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    worker.kill_hard();
    let at_kill = smtp.received().len();
    let recorded = app.count("email_messages WHERE status = 'sent'").await;
    assert!(
        at_kill < MESSAGES,
        "killed while delivering ({at_kill} sent)"
    );

    // A restarted worker takes over once the dead worker's claims (taken on the
    // real clock, a little after this one was set) expire.
    app.clock.set(Utc::now());
    app.clock.advance(chrono::Duration::seconds(
        i64::try_from(app.state.settings.mail.claim_lease_seconds).unwrap() + 1,
    ));
    for _ in 0..20 {
        if app.deliver().await.sent == 0
            && app.count("email_messages WHERE status = 'sent'").await == MESSAGES as i64
        {
            break;
        }
    }
    let mails = smtp.received();
    let mut per_recipient: HashMap<&str, usize> = HashMap::new();
    for mail in &mails {
        *per_recipient.entry(mail.to[0].as_str()).or_default() += 1;
    }
    let duplicates = mails.len() - per_recipient.len();
    println!(
        "kill -9 during delivery ({at_kill} received, {recorded} recorded at the kill): \
         expected {MESSAGES} distinct messages, got {}; \
         expected at most {CONNECTIONS} duplicates, got {duplicates}",
        per_recipient.len()
    );
    assert_eq!(per_recipient.len(), MESSAGES, "every message arrives");
    assert!(
        duplicates <= CONNECTIONS,
        "at most the message in flight on each connection is sent again"
    );
    assert_eq!(
        app.count("email_messages WHERE status = 'sent'").await,
        MESSAGES as i64
    );
}

/// Starts an upload of `size` bytes to `entry`, sends half of it and stalls.
async fn stalled_upload(port: u16, token: &str, entry: i64, size: usize) -> tokio::net::TcpStream {
    let boundary = "----iw-cut-off";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plan.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let mut body = head.into_bytes();
    body.extend_from_slice(PDF);
    body.resize(body.len() + size - PDF.len(), b' ');
    let length = body.len() + tail.len();
    let request = format!(
        "POST /api/entries/{entry}/attachments HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Authorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {length}\r\n\r\n"
    );
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(&body[..body.len() / 2]).await.unwrap();
    stream.flush().await.unwrap();
    stream
}

/// Every file under `dir`, at any depth.
fn files_under(dir: &Path) -> Vec<String> {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for item in listing.flatten() {
        let path = item.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path.display().to_string());
        }
    }
    files
}

#[tokio::test]
async fn an_upload_cut_off_by_a_crash_or_by_shutdown_leaves_neither_row_nor_file() {
    let app = TestApp::spawn().await;
    let draft = app.open_with_draft().await;
    // The child runs on the real clock: keep the competition open until then.
    let (status, body) = app
        .admin_patch(
            &format!("/api/competitions/{}", draft.competition_id),
            json!({ "closes_at": "2099-12-31T23:59:00+01:00" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let files_dir = Path::new(&app.state.settings.attachments.dir).to_owned();

    for how in ["SIGKILL", "SIGTERM past the shutdown grace"] {
        let port = free_port();
        let mut server = Process::start(
            &app,
            &["serve", "--bind", &format!("127.0.0.1:{port}")],
            &[("IDEEN_SERVER__SHUTDOWN_TIMEOUT_SECONDS", "1".into())],
        );
        wait_until_up(&server, &format!("http://127.0.0.1:{port}/healthz")).await;
        let stream = stalled_upload(port, &draft.token, draft.entry_id, 2 << 20).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        if how == "SIGKILL" {
            server.kill_hard();
        } else {
            server.terminate();
            let exited = server.wait_for_exit(Duration::from_secs(15));
            assert!(
                exited.is_some(),
                "the server stops after its grace:\n{}",
                server.log()
            );
        }
        drop(stream);
        let rows = app
            .count(&format!(
                "entry_attachments WHERE entry_id = {}",
                draft.entry_id
            ))
            .await;
        let files = files_under(&files_dir);
        println!(
            "upload cut off by {how}: expected 0 rows and 0 files, got {rows} rows and {} files",
            files.len()
        );
        assert_eq!(rows, 0);
        assert!(files.is_empty(), "{files:?}");
    }

    // The same upload, complete, is stored: the cut-off one was refused for
    // being cut off, not for anything else.
    let (status, body) = upload(&app, &draft.token, draft.entry_id, "plan.pdf", PDF.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(files_under(&files_dir).len(), 1);
}
