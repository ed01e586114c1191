//! Settings: `config/default.toml` (compiled in), then an optional TOML file, then
//! environment variables `IDEEN_<SECTION>__<KEY>` (an optional `.env` file feeds them).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

/// The documented defaults; every key is listed there.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub scheduler: SchedulerSettings,
    pub seed: SeedSettings,
    pub admin: AdminSettings,
    pub mail: MailSettings,
    pub auth: AuthSettings,
    pub log: LogSettings,
    pub attachments: AttachmentSettings,
    pub payout: PayoutSettings,
}

/// The key that seals winners' payout details (IBANs, postal addresses).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayoutSettings {
    /// 64 hexadecimal characters; empty: the key in `key_file`.
    pub key: String,
    /// Read when `key` is empty; created with a random key on first start.
    pub key_file: String,
}

impl std::fmt::Debug for PayoutSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayoutSettings")
            .field("key", &if self.key.is_empty() { "" } else { "<hidden>" })
            .field("key_file", &self.key_file)
            .finish()
    }
}

impl PayoutSettings {
    /// The key, from the setting or the key file.
    pub fn secret_box(
        &self,
    ) -> Result<crate::services::secrets::SecretBox, crate::services::secrets::SecretError> {
        use crate::services::secrets::SecretBox;
        if self.key.is_empty() {
            SecretBox::from_file(Path::new(&self.key_file))
        } else {
            SecretBox::from_hex(&self.key)
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentSettings {
    /// A folder outside the web root; files get random names.
    pub dir: String,
    /// The largest file, in bytes.
    pub max_bytes: usize,
    /// The most files per entry.
    pub max_files: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: SocketAddr,
    /// How the public reaches us; used in links printed and mailed.
    pub public_url: String,
    pub shutdown_timeout_seconds: u64,
    /// Reverse proxies whose `X-Forwarded-For` names the client (addresses or
    /// networks such as `10.0.0.0/8`). Empty: the connection's peer is the
    /// client, and the header is ignored (anyone could write it).
    #[serde(default, deserialize_with = "networks")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// Addresses (`127.0.0.1`, `::1`) and networks (`10.0.0.0/8`).
fn networks<'de, D: serde::Deserializer<'de>>(from: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    let given: Vec<String> = Deserialize::deserialize(from)?;
    given
        .iter()
        .map(|text| {
            let text = text.trim();
            text.parse::<ipnet::IpNet>()
                .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`{text}` is neither an IP address nor a network such as 10.0.0.0/8"
                    ))
                })
        })
        .collect()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path?mode=rwc` or `postgres://user:password@host/db`.
    pub url: String,
    pub max_connections: u32,
    /// PostgreSQL cancels a statement of the app's that runs longer (0: never), so
    /// one slow page cannot hold the pool's connections; a cancelled request
    /// answers 503 with Retry-After. Migrations run without it.
    #[serde(default = "default_statement_timeout")]
    pub statement_timeout_seconds: u64,
    /// How long a request waits for a free connection before it answers 503.
    #[serde(default = "default_acquire_timeout")]
    pub acquire_timeout_seconds: u64,
}

fn default_acquire_timeout() -> u64 {
    10
}

fn default_statement_timeout() -> u64 {
    10
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulerSettings {
    pub enabled: bool,
    pub interval_seconds: u64,
    /// Drafts' authors are reminded this many hours before the deadline; 0: never.
    pub reminder_hours: i64,
    /// Jurors with open score sheets are reminded this many hours before the
    /// jury's deadline; 0: never.
    #[serde(default = "default_jury_reminder_hours")]
    pub jury_reminder_hours: i64,
}

fn default_jury_reminder_hours() -> i64 {
    72
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSettings {
    /// A programme data file loaded on first start; empty for none.
    pub programme_file: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSettings {
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `smtp://user:password@host:587` (STARTTLS), `smtps://…:465` (TLS) or
    /// `smtp://127.0.0.1:2525?tls=none`; empty: write `.eml` files to `outbox_dir`.
    pub smtp_url: String,
    pub outbox_dir: String,
    /// The sender, e.g. `SMARTCity Gera <smartcity@gera.de>`.
    pub from: String,
    /// Where replies go; empty for the sender.
    pub reply_to: String,
    /// Deliver in this process (`serve`); `worker` runs delivery alone.
    pub worker_enabled: bool,
    pub interval_ms: u64,
    pub batch_size: u32,
    /// Parallel SMTP connections.
    pub concurrency: u32,
    /// How long a message is retried (from when it was queued) before it is parked
    /// as failed: long enough for a mail server that is down over a weekend.
    pub retry_window_hours: u64,
    /// First retry delay; doubles with each attempt (with jitter).
    pub retry_base_seconds: u64,
    /// The longest wait between two attempts.
    pub retry_max_seconds: u64,
    /// How long a claimed message stays reserved for the worker that claimed it.
    pub claim_lease_seconds: u64,
    pub timeout_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// How long an emailed sign-in link works.
    pub sign_in_link_minutes: i64,
    /// A session ends after this long without a request.
    pub session_idle_minutes: i64,
    /// A session ends this long after sign-in, however active.
    pub session_absolute_hours: i64,
    /// Administrators and coordinators must turn on two-factor authentication
    /// before they can use staff pages.
    pub require_two_factor_for_staff: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// A tracing filter such as `info` or `ideenwettbewerb=debug,info`.
    pub filter: String,
    /// `text` or `json`.
    pub format: String,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(#[from] Box<figment::Error>);

impl Settings {
    /// Defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::new().merge(Toml::string(DEFAULT_TOML));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("IDEEN_").split("__"))
            .extract()
            .map_err(|err| ConfigError(Box::new(err)))
    }

    /// The defaults alone, ignoring the environment (for tests).
    pub fn defaults() -> Result<Self, ConfigError> {
        Figment::new()
            .merge(Toml::string(DEFAULT_TOML))
            .extract()
            .map_err(|err| ConfigError(Box::new(err)))
    }

    pub fn seed_file(&self) -> Option<PathBuf> {
        let path = self.seed.programme_file.trim();
        (!path.is_empty()).then(|| PathBuf::from(path))
    }
}

/// A database URL fit for logs: the password replaced.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_need_nothing_else() {
        let settings = Settings::defaults().unwrap();
        assert!(settings.database.url.starts_with("sqlite://"));
        assert_eq!(settings.server.bind.port(), 8080);
        assert!(settings.server.trusted_proxies.is_empty());
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let with = |list: &str| {
            Figment::new()
                .merge(Toml::string(DEFAULT_TOML))
                .merge(Toml::string(&format!("[server]\ntrusted_proxies = {list}")))
                .extract::<Settings>()
                .map_err(|err| err.to_string())
        };
        let settings = with(r#"["127.0.0.1", "10.0.0.0/8", "::1"]"#).unwrap();
        let nets: Vec<String> = settings
            .server
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(nets, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        let err = with(r#"["proxy.example.de"]"#).unwrap_err();
        assert!(
            err.contains("`proxy.example.de` is neither an IP address nor a network"),
            "{err}"
        );
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db/ideen"),
            "postgres://app:***@db/ideen"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(
            redact_url("sqlite://data/x.db?mode=rwc"),
            "sqlite://data/x.db?mode=rwc"
        );
    }
}
