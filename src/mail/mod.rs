//! Email: templates (German and English, subject + text + HTML) and the transports
//! (SMTP, or `.eml` files when no SMTP server is configured).

pub mod compose;
pub mod sink;
pub mod templates;
pub mod transport;

pub use templates::{EmailTemplates, RenderedEmail};
pub use transport::{MailError, Mailer};
