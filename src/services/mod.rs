//! Use cases. Each state change runs in one transaction: the domain decision, the
//! write, an audit row and, where people must hear of it, an outbox event.

pub mod announcements;
pub mod attachments;
pub mod audit;
pub mod authorization;
pub mod catalogue;
pub mod coauthors;
pub mod competitions;
pub mod coordinators;
pub mod db;
pub mod emails;
pub mod entries;
pub mod error;
pub mod exports;
pub mod feeds;
pub mod identity;
pub mod jury;
pub mod lifecycle;
pub mod notifications;
pub mod outbox;
pub mod overall;
pub mod payouts;
pub mod prizes;
pub mod programmes;
pub mod secrets;
pub mod seed;
pub mod site;
pub mod staff_entries;
pub mod subscriptions;
pub mod users;
pub mod votes;
pub mod writes;

pub use db::begin_write;
pub use error::ServiceError;

/// Who caused a change, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User(i64),
    System(&'static str),
}

impl Actor {
    pub fn label(self) -> String {
        match self {
            Actor::User(id) => format!("user:{id}"),
            Actor::System(part) => format!("system:{part}"),
        }
    }

    pub fn user_id(self) -> Option<i64> {
        match self {
            Actor::User(id) => Some(id),
            Actor::System(_) => None,
        }
    }
}
