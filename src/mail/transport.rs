//! Delivering a built message: over SMTP with a few long-lived connections, or as
//! `.eml` files when no SMTP server is configured.

use std::path::PathBuf;
use std::time::Duration;

use lettre::Message;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::sync::Mutex;

use crate::config::MailSettings;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Worth retrying later: the server is down, busy, or answered 4xx.
    #[error("temporary: {0}")]
    Transient(String),
    /// Retrying will not help: the server answered 5xx (e.g. unknown mailbox).
    #[error("permanent: {0}")]
    Permanent(String),
}

#[derive(Debug, thiserror::Error)]
#[error("mail.smtp_url: {0}")]
pub struct MailConfigError(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    /// Unencrypted: only for a server on this machine.
    Plain,
    /// Upgrade with STARTTLS (required).
    StartTls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

/// Where messages go.
pub enum Mailer {
    Smtp(SmtpMailer),
    Files(PathBuf),
}

impl Mailer {
    /// How what this mailer sends leaves.
    pub fn via(&self) -> crate::domain::delivery::DeliveredVia {
        match self {
            Mailer::Smtp(_) => crate::domain::delivery::DeliveredVia::Smtp,
            Mailer::Files(_) => crate::domain::delivery::DeliveredVia::File,
        }
    }
}

pub struct SmtpMailer {
    host: String,
    port: u16,
    tls: Security,
    credentials: Option<Credentials>,
    timeout: Duration,
    connections: Vec<Mutex<Option<AsyncSmtpConnection>>>,
}

impl Mailer {
    pub fn from_settings(settings: &MailSettings) -> Result<Self, MailConfigError> {
        let url = settings.smtp_url.trim();
        if url.is_empty() {
            return Ok(Mailer::Files(PathBuf::from(&settings.outbox_dir)));
        }
        let parsed = url::Url::parse(url).map_err(|err| MailConfigError(err.to_string()))?;
        let mut tls = match parsed.scheme() {
            "smtp" => Security::StartTls,
            "smtps" => Security::Tls,
            other => {
                return Err(MailConfigError(format!(
                    "unknown scheme `{other}`; use smtp or smtps"
                )));
            }
        };
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "none") => tls = Security::Plain,
                ("tls", "starttls") => tls = Security::StartTls,
                ("tls", "required" | "wrapper") => tls = Security::Tls,
                _ => {
                    return Err(MailConfigError(format!(
                        "unknown option `{key}={value}`; only tls=none|starttls|required"
                    )));
                }
            }
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| MailConfigError("no host".into()))?
            .to_owned();
        let port = parsed.port().unwrap_or(match tls {
            Security::Tls => 465,
            Security::StartTls => 587,
            Security::Plain => 25,
        });
        let credentials = (!parsed.username().is_empty()).then(|| {
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Credentials::new(
                decode(parsed.username()),
                decode(parsed.password().unwrap_or_default()),
            )
        });
        let connections = (0..settings.concurrency.max(1))
            .map(|_| Mutex::new(None))
            .collect();
        Ok(Mailer::Smtp(SmtpMailer {
            host,
            port,
            tls,
            credentials,
            timeout: Duration::from_secs(settings.timeout_seconds.max(1)),
            connections,
        }))
    }

    /// How many messages may be sent at once.
    pub fn slots(&self) -> usize {
        match self {
            Mailer::Smtp(smtp) => smtp.connections.len(),
            Mailer::Files(_) => 1,
        }
    }

    /// Sends one message on connection `slot`; `name` names its file when writing files.
    pub async fn send(&self, slot: usize, name: &str, message: &Message) -> Result<(), MailError> {
        match self {
            Mailer::Smtp(smtp) => {
                smtp.send(slot, message.envelope(), &message.formatted())
                    .await
            }
            Mailer::Files(dir) => {
                let path = dir.join(format!("{name}.eml"));
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|err| MailError::Transient(format!("{}: {err}", dir.display())))?;
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|err| MailError::Transient(format!("{}: {err}", path.display())))?;
                tracing::info!(file = %path.display(), "email written (no SMTP server configured)");
                Ok(())
            }
        }
    }
}

impl SmtpMailer {
    async fn connect(&self) -> Result<AsyncSmtpConnection, MailError> {
        let hello = ClientId::default();
        let mut connection = match self.tls {
            Security::Tls => {
                let params = TlsParameters::new(self.host.clone()).map_err(|e| classify(&e))?;
                AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    Some(self.timeout),
                    &hello,
                    Some(params),
                    None,
                )
                .await
                .map_err(|e| classify(&e))?
            }
            Security::Plain | Security::StartTls => {
                // Our own socket, with Nagle's algorithm off: lettre's leaves it on,
                // which costs ~40 ms per message.
                let stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
                    .await
                    .map_err(|e| {
                        MailError::Transient(format!(
                            "connecting to {}:{}: {e}",
                            self.host, self.port
                        ))
                    })?;
                stream
                    .set_nodelay(true)
                    .map_err(|e| MailError::Transient(e.to_string()))?;
                let mut connection =
                    AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
                        .await
                        .map_err(|e| classify(&e))?;
                if self.tls == Security::StartTls {
                    let params = TlsParameters::new(self.host.clone()).map_err(|e| classify(&e))?;
                    connection
                        .starttls(params, &hello)
                        .await
                        .map_err(|e| classify(&e))?;
                }
                connection
            }
        };
        if let Some(credentials) = &self.credentials {
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| classify(&e))?;
        }
        Ok(connection)
    }

    async fn send(&self, slot: usize, envelope: &Envelope, bytes: &[u8]) -> Result<(), MailError> {
        let mut connection = self.connections[slot % self.connections.len()].lock().await;
        // A kept connection may have been closed by the server meanwhile: one retry
        // on a fresh connection.
        for _ in 0..2 {
            let fresh = connection.is_none();
            if fresh {
                let opened = tokio::time::timeout(self.timeout, self.connect()).await;
                *connection = Some(match opened {
                    Ok(Ok(opened)) => opened,
                    Ok(Err(err)) => return Err(err),
                    Err(_) => return Err(MailError::Transient("connecting timed out".into())),
                });
            }
            let Some(open) = connection.as_mut() else {
                continue;
            };
            let outcome = tokio::time::timeout(self.timeout, open.send(envelope, bytes)).await;
            match outcome {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(err)) if err.is_permanent() => return Err(classify(&err)),
                failed => {
                    open.abort().await;
                    *connection = None;
                    if fresh {
                        return Err(match failed {
                            Ok(Err(err)) => classify(&err),
                            _ => MailError::Transient("sending timed out".into()),
                        });
                    }
                }
            }
        }
        Err(MailError::Transient(
            "the SMTP connection failed twice".into(),
        ))
    }
}

fn classify(err: &lettre::transport::smtp::Error) -> MailError {
    if err.is_permanent() {
        MailError::Permanent(err.to_string())
    } else {
        MailError::Transient(err.to_string())
    }
}
