//! Building the MIME message: multipart/alternative (plain text and HTML), UTF-8
//! headers, a stable Message-ID, and one-click unsubscribe headers (RFC 8058).

use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use super::RenderedEmail;

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("address `{address}`: {reason}")]
    Address { address: String, reason: String },
    #[error("message: {0}")]
    Message(#[from] lettre::error::Error),
}

/// The parts of a message that come from configuration.
pub struct Sender<'a> {
    pub from: &'a str,
    pub reply_to: &'a str,
}

fn mailbox(address: &str) -> Result<Mailbox, ComposeError> {
    address
        .parse()
        .map_err(|err: lettre::address::AddressError| ComposeError::Address {
            address: address.to_owned(),
            reason: err.to_string(),
        })
}

/// Parses the sender settings, so a wrong `from` fails at startup.
pub fn check_sender(sender: &Sender<'_>) -> Result<(), ComposeError> {
    mailbox(sender.from)?;
    if !sender.reply_to.trim().is_empty() {
        mailbox(sender.reply_to)?;
    }
    Ok(())
}

/// The sender's display name, for the email layout.
pub fn sender_name(from: &str) -> String {
    from.parse::<Mailbox>()
        .ok()
        .and_then(|mailbox| mailbox.name)
        .unwrap_or_else(|| from.to_owned())
}

pub fn compose(
    sender: &Sender<'_>,
    to: &str,
    rendered: &RenderedEmail,
    message_id: &str,
    unsubscribe_url: Option<&str>,
) -> Result<Message, ComposeError> {
    let mut builder = Message::builder()
        .from(mailbox(sender.from)?)
        .to(mailbox(to)?)
        .subject(rendered.subject.clone())
        .message_id(Some(message_id.to_owned()));
    if !sender.reply_to.trim().is_empty() {
        builder = builder.reply_to(mailbox(sender.reply_to)?);
    }
    if let Some(url) = unsubscribe_url {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    Ok(builder.multipart(MultiPart::alternative_plain_html(
        rendered.text.clone(),
        rendered.html.clone(),
    ))?)
}
