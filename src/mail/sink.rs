//! A minimal SMTP server that keeps what it receives in memory: for tests, the
//! delivery benchmark, and trying the system locally (`ideenwettbewerb smtp-sink`).
//! It speaks enough SMTP for real clients (EHLO, MAIL, RCPT, DATA, RSET, NOOP,
//! QUIT) and refuses recipients whose address starts with `reject`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body), dot-stuffing removed.
    pub data: Vec<u8>,
}

#[derive(Default)]
struct Inbox {
    mails: Mutex<Vec<ReceivedMail>>,
    arrived: Notify,
    /// How long the sink takes to accept each message (a slow mail server).
    delay_ms: std::sync::atomic::AtomicU64,
}

pub struct SmtpSink {
    addr: SocketAddr,
    inbox: Arc<Inbox>,
    stop: watch::Sender<bool>,
}

impl SmtpSink {
    /// Listens on `addr` (port 0 for any free port).
    pub async fn start(addr: SocketAddr) -> std::io::Result<Self> {
        Self::start_with(addr, Arc::new(Inbox::default())).await
    }

    async fn start_with(addr: SocketAddr, inbox: Arc<Inbox>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let accepting = inbox.clone();
        tokio::spawn(async move {
            let mut stopped_accept = stopped.clone();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let _ = stream.set_nodelay(true);
                        tokio::spawn(serve(stream, accepting.clone(), stopped.clone()));
                    }
                    _ = stopped_accept.changed() => break,
                }
            }
        });
        Ok(Self { addr, inbox, stop })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Makes the sink take `delay` to accept each message, like a slow server.
    pub fn set_delay(&self, delay: std::time::Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.inbox
            .delay_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Closes the port and every open connection (an outage).
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Listens again on the same port, keeping the messages received so far.
    pub async fn restart(&mut self) -> std::io::Result<()> {
        self.stop();
        let again = Self::start_with(self.addr, self.inbox.clone()).await?;
        *self = again;
        Ok(())
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.inbox
            .mails
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until at least `count` messages arrived or `timeout` passed.
    pub async fn wait_for(&self, count: usize, timeout: std::time::Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.inbox.arrived.notified();
            let mails = self.received();
            if mails.len() >= count || tokio::time::Instant::now() >= deadline {
                return mails;
            }
            let _ = tokio::time::timeout_at(deadline, arrived).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn serve(stream: TcpStream, inbox: Arc<Inbox>, mut stopped: watch::Receiver<bool>) {
    tokio::select! {
        _ = session(stream, &inbox) => {}
        _ = stopped.changed() => {}
    }
}

async fn session(stream: TcpStream, inbox: &Inbox) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 localhost ESMTP sink\r\n").await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n"
        } else if upper.starts_with("HELO") {
            b"250 localhost\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command[10..]);
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            let recipient = address(&command[8..]);
            if recipient.starts_with("reject") {
                b"550 5.1.1 mailbox unavailable\r\n"
            } else {
                to.push(recipient);
                b"250 OK\r\n"
            }
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = Vec::new();
            loop {
                let mut raw = Vec::new();
                if lines.read_until(b'\n', &mut raw).await? == 0 {
                    return Ok(());
                }
                if raw == b".\r\n" || raw == b".\n" {
                    break;
                }
                let unstuffed = if raw.starts_with(b"..") {
                    &raw[1..]
                } else {
                    &raw[..]
                };
                data.extend_from_slice(unstuffed);
            }
            let delay = inbox.delay_ms.load(std::sync::atomic::Ordering::Relaxed);
            if delay > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            }
            inbox
                .mails
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(ReceivedMail {
                    from: from.clone(),
                    to: std::mem::take(&mut to),
                    data,
                });
            inbox.arrived.notify_waiters();
            b"250 OK queued\r\n"
        } else if upper == "RSET" {
            to.clear();
            b"250 OK\r\n"
        } else if upper == "NOOP" {
            b"250 OK\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// `<a@b>` with any parameters after it, as `a@b`.
fn address(text: &str) -> String {
    let text = text.trim();
    let inner = text.split('>').next().unwrap_or(text);
    inner.trim_start_matches('<').trim().to_owned()
}
