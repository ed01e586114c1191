//! Wiring: connect, migrate, seed, create the first administrator, listen, run the
//! scheduler and the email worker, and shut down gracefully.

use std::future::Future;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::{Notify, watch};

use crate::clock::SharedClock;
use crate::config::{Settings, redact_url};
use crate::http::{self, pages::Pages};
use crate::mail::compose::{self, Sender};
use crate::mail::templates::TemplateError;
use crate::mail::{EmailTemplates, Mailer};
use crate::services::catalogue::CatalogueCache;
use crate::services::identity::accounts;
use crate::services::{ServiceError, db, lifecycle, seed};

/// What every handler and background job may use.
#[derive(Clone)]
pub struct AppState(Arc<StateInner>);

pub struct StateInner {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    pub pages: Pages,
    pub emails: EmailTemplates,
    pub mailer: Mailer,
    pub catalogue: CatalogueCache,
    /// Jury rankings computed before, kept while their data stays the same.
    pub rankings: crate::services::jury::ranking::RankingCache,
    /// Jurors' progress through their queues, kept the same way.
    pub progress: crate::services::jury::sheets::ProgressCache,
    pub limiter: crate::http::rate_limit::RateLimiter,
    /// Hot-path writes, with group commit on SQLite.
    pub writes: crate::services::writes::Writes,
    /// Where attachment files are kept.
    pub files: crate::services::attachments::FileStore,
    /// Wakes the email worker when this process queued something.
    pub wake: Notify,
    /// Who runs the site (Impressum, privacy notice, brand).
    pub site: crate::services::site::SiteInfo,
    /// Seals winners' payout details; tags voters' client addresses.
    pub secrets: crate::services::secrets::SecretBox,
    pub settings: Settings,
}

impl Deref for AppState {
    type Target = StateInner;

    fn deref(&self) -> &StateInner {
        &self.0
    }
}

/// How long the public catalogue may be served from memory when another instance
/// changed it.
const CATALOGUE_TTL: Duration = Duration::from_secs(1);

impl AppState {
    /// Connects and migrates the database and loads templates and mail settings.
    pub async fn connect(settings: Settings, clock: SharedClock) -> Result<Self, StartupError> {
        tracing::info!(database = %redact_url(&settings.database.url), "connecting");
        let db = db::connect(&settings.database).await?;
        let mail = &settings.mail;
        compose::check_sender(&Sender {
            from: &mail.from,
            reply_to: &mail.reply_to,
        })
        .map_err(|err| StartupError::Mail(format!("mail.from / mail.reply_to: {err}")))?;
        let mailer =
            Mailer::from_settings(mail).map_err(|err| StartupError::Mail(err.to_string()))?;
        match &mailer {
            Mailer::Smtp(_) => {
                tracing::info!(smtp = %redact_url(&mail.smtp_url), "email goes out over SMTP")
            }
            Mailer::Files(dir) => {
                tracing::info!(folder = %dir.display(), "no SMTP server configured: email is written to files")
            }
        }
        let writes = crate::services::writes::Writes::for_database(&db);
        let site = crate::services::site::SiteInfo::load(settings.seed_file().as_deref())
            .map_err(StartupError::Site)?;
        let secrets = settings.payout.secret_box().map_err(StartupError::Key)?;
        Ok(Self(Arc::new(StateInner {
            db,
            clock,
            pages: Pages::load(crate::http::pages::Brand::of(&site))?,
            emails: EmailTemplates::load()?,
            mailer,
            catalogue: CatalogueCache::new(CATALOGUE_TTL),
            rankings: Default::default(),
            progress: Default::default(),
            limiter: Default::default(),
            files: crate::services::attachments::FileStore::new(&settings.attachments.dir),
            writes,
            wake: Notify::new(),
            site,
            secrets,
            settings,
        })))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Who sent the request, for the limits per client address: the
    /// connection's peer, or the client a trusted reverse proxy names
    /// (`server.trusted_proxies`).
    pub fn client_ip(&self, req: &poem::Request) -> std::net::IpAddr {
        crate::http::rate_limit::client_ip(req, &self.settings.server.trusted_proxies)
    }

    /// Counts the request against a limit per client address: the client's
    /// address, or `Err(seconds)` to wait when it is over the limit.
    pub fn admit(
        &self,
        limit: crate::http::rate_limit::Limit,
        req: &poem::Request,
    ) -> Result<std::net::IpAddr, i64> {
        let client = self.client_ip(req);
        self.limiter
            .check(limit, client, self.now())
            .map(|()| client)
    }

    /// Email was queued (an entry, an account, a subscription): the worker should
    /// send it now. The public catalogue is not affected.
    pub fn queued(&self) {
        self.wake.notify_one();
    }

    /// Something changed: public reads must not serve what was cached before, and
    /// any email it queued should go out now.
    pub fn changed(&self) {
        self.catalogue.invalidate();
        self.wake.notify_one();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error(transparent)]
    Seed(#[from] seed::SeedError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("templates: {0}")]
    Templates(#[from] tera::Error),
    #[error("payout.key / payout.key_file: {0}")]
    Key(crate::services::secrets::SecretError),
    #[error(transparent)]
    EmailTemplates(#[from] TemplateError),
    #[error("mail settings: {0}")]
    Mail(String),
    #[error("site information in the programme file: {0}")]
    Site(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A started application: database ready, port bound, not yet serving.
pub struct Application {
    state: AppState,
    acceptor: TcpAcceptor,
    local_addr: SocketAddr,
    /// The first administrator's API token, when this start created them.
    pub admin_token: Option<String>,
}

impl Application {
    pub async fn build(settings: Settings, clock: SharedClock) -> Result<Self, StartupError> {
        let state = AppState::connect(settings, clock).await?;
        let (db, settings, now) = (&state.db, &state.settings, state.now());
        if let Some(file) = settings.seed_file()
            && let Some(slug) = seed::load_if_absent(db, &file, now).await?
        {
            tracing::info!(programme = %slug, file = %file.display(), "programme loaded");
        }
        let admin_token = accounts::bootstrap_admin(db, &settings.admin, now).await?;
        if settings.scheduler.enabled {
            lifecycle::apply_due(db, now).await?;
        }
        // Files a crash left without their row (not fatal: logged).
        let grace = Duration::from_secs(3600);
        if let Err(err) = crate::services::attachments::sweep_orphans(db, &state.files, grace).await
        {
            tracing::warn!(error = %err, "attachment folder not swept");
        }
        let bind = settings.server.bind;
        let acceptor = TcpListener::bind(bind)
            .into_acceptor()
            .await
            .map_err(|source| StartupError::Listen { addr: bind, source })?;
        let local_addr = acceptor
            .local_addr()
            .into_iter()
            .find_map(|addr| addr.as_socket_addr().copied())
            .unwrap_or(bind);
        Ok(Self {
            state,
            acceptor,
            local_addr,
            admin_token,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` resolves, then lets requests in flight finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let state = self.state;
        let (stop, stopped) = watch::channel(false);
        let mut background = Vec::new();
        if state.settings.scheduler.enabled {
            let interval = Duration::from_secs(state.settings.scheduler.interval_seconds.max(1));
            background.push(tokio::spawn(crate::scheduler::run(
                state.clone(),
                interval,
                stopped.clone(),
            )));
        }
        if state.settings.mail.worker_enabled {
            background.push(tokio::spawn(crate::worker::run(state.clone(), stopped)));
        }
        let timeout = Duration::from_secs(state.settings.server.shutdown_timeout_seconds);
        tracing::info!(address = %self.local_addr, "listening");
        let served = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(http::routes(state.clone()), shutdown, Some(timeout))
            .await;
        let _ = stop.send(true);
        for task in background {
            let _ = task.await;
        }
        if let Err(err) = state.db.clone().close().await {
            tracing::warn!(error = %err, "closing the database pool failed");
        }
        tracing::info!("stopped");
        served
    }
}
