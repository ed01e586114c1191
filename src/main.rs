//! The `ideenwettbewerb` command: `serve` (default), `migrate`, `admin-token`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use ideenwettbewerb::app::{AppState, Application};
use ideenwettbewerb::clock::{Clock, SystemClock};
use ideenwettbewerb::config::Settings;
use ideenwettbewerb::mail::sink::SmtpSink;
use ideenwettbewerb::services::db;
use ideenwettbewerb::services::identity::api_tokens;
use tracing_subscriber::EnvFilter;

/// Civic idea competitions from the call for entries to the prize ceremony.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// A TOML file layered over config/default.toml.
    #[arg(long, global = true, env = "IDEEN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server, the API and the scheduler (the default).
    Serve {
        /// Listen address, e.g. 0.0.0.0:8080 (overrides server.bind).
        #[arg(long)]
        bind: Option<SocketAddr>,
        /// sqlite://… or postgres://… (overrides database.url).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Deliver email only (no web server); run beside `serve` instances that set
    /// mail.worker_enabled = false, or as extra delivery capacity.
    Worker,
    /// Print a new API token for the administrator (the old ones stay valid).
    AdminToken,
    /// A local SMTP server that accepts everything and prints what arrives, for
    /// trying email delivery without a mail server.
    SmtpSink {
        #[arg(long, default_value = "127.0.0.1:2525")]
        bind: SocketAddr,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let mut settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    init_logging(&settings);
    let command = cli.command.unwrap_or(Command::Serve {
        bind: None,
        database_url: None,
    });
    let result = match command {
        Command::Serve { bind, database_url } => {
            if let Some(bind) = bind {
                settings.server.bind = bind;
            }
            if let Some(url) = database_url {
                settings.database.url = url;
            }
            serve(settings).await
        }
        Command::Migrate => db::connect(&settings.database)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        Command::AdminToken => admin_token(&settings).await,
        Command::Worker => worker(settings).await,
        Command::SmtpSink { bind } => smtp_sink(bind).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "failed");
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let public_url = settings.server.public_url.trim_end_matches('/').to_owned();
    let admin_email = settings.admin.email.clone();
    let app = Application::build(settings, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    println!("\nIdeenwettbewerb is running: {public_url}/  (API docs: {public_url}/api/docs)");
    if let Some(token) = &app.admin_token {
        println!(
            "\nFirst start: the administrator {admin_email} was created.\n\
             Their API token is shown only this once; keep it safe:\n\n    {token}\n\n\
             Try:  curl -H 'Authorization: Bearer {token}' {public_url}/api/admin/competitions\n"
        );
    }
    app.run_until(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn worker(settings: Settings) -> Result<(), String> {
    let state = AppState::connect(settings, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(ideenwettbewerb::worker::run(state.clone(), stopped));
    tracing::info!("email worker running");
    shutdown_signal().await;
    let _ = stop.send(true);
    let _ = running.await;
    Ok(())
}

async fn smtp_sink(bind: SocketAddr) -> Result<(), String> {
    let sink = SmtpSink::start(bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    println!(
        "SMTP sink on {} (set mail.smtp_url = \"smtp://{}?tls=none\")",
        sink.addr(),
        sink.addr()
    );
    let mut shown = 0;
    loop {
        tokio::select! {
            _ = shutdown_signal() => return Ok(()),
            _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
        }
        let received = sink.received();
        for mail in &received[shown..] {
            println!(
                "---- from {} to {}\n{}",
                mail.from,
                mail.to.join(", "),
                String::from_utf8_lossy(&mail.data)
            );
        }
        shown = received.len();
    }
}

async fn admin_token(settings: &Settings) -> Result<(), String> {
    let db = db::connect(&settings.database)
        .await
        .map_err(|e| e.to_string())?;
    let token = api_tokens::issue_admin_token(&db, SystemClock.now())
        .await
        .map_err(|e| e.to_string())?;
    println!("{token}");
    Ok(())
}

fn init_logging(settings: &Settings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if settings.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested");
}
