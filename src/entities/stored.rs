//! Reading what the columns hold, strictly: JSON columns as their types, money as
//! [`Money`]. A value that cannot be read is an [`Unreadable`] naming the table,
//! the row and the column, never a silent default (an empty list, 0 €, a draft).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{
    audit_entry, competition, email_message, entry, entry_author, entry_version, programme,
};
use crate::domain::Money;
use crate::domain::entry_form::EntryForm;

/// A stored value that does not read as its type: the database was changed by hand
/// or by a bug. The caller gets a 500 and the log names the row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{table} {id}: the column {column} cannot be read: {reason}")]
pub struct Unreadable {
    pub table: &'static str,
    pub id: i64,
    pub column: &'static str,
    pub reason: String,
}

fn json<T: DeserializeOwned>(
    table: &'static str,
    id: i64,
    column: &'static str,
    text: &str,
) -> Result<T, Unreadable> {
    serde_json::from_str(text).map_err(|err| Unreadable {
        table,
        id,
        column,
        reason: err.to_string(),
    })
}

/// Cents read from `table.column` of row `id` as money.
pub fn money(
    table: &'static str,
    id: i64,
    column: &'static str,
    cents: i64,
) -> Result<Money, Unreadable> {
    Money::from_cents(cents).map_err(|err| Unreadable {
        table,
        id,
        column,
        reason: err.to_string(),
    })
}

/// Answers to an entry form, by field key.
pub type Answers = BTreeMap<String, String>;

impl entry::Model {
    /// The programme goals the idea serves.
    pub fn goals(&self) -> Result<Vec<String>, Unreadable> {
        json("entries", self.id, "goals", &self.goals)
    }

    /// The answers the jury may see.
    pub fn jury_answers(&self) -> Result<Answers, Unreadable> {
        json("entries", self.id, "details", &self.details)
    }
}

impl entry_author::Model {
    /// The answers that identify the author (school, names, company).
    pub fn answers(&self) -> Result<Answers, Unreadable> {
        json("entry_authors", self.id, "details", &self.details)
    }
}

impl programme::Model {
    /// The goals ideas may serve.
    pub fn goals(&self) -> Result<Vec<String>, Unreadable> {
        json("programmes", self.id, "goals", &self.goals)
    }

    pub fn budget(&self) -> Result<Money, Unreadable> {
        money("programmes", self.id, "budget_cents", self.budget_cents)
    }
}

impl competition::Model {
    /// The name to show wherever a competition is named: its headline with its
    /// target group, because headlines repeat (Gera has two "Smarte Projekte für
    /// Gera", one for everyone and one for school classes).
    pub fn full_name(&self) -> String {
        if self.target_group.trim().is_empty() {
            self.headline.clone()
        } else {
            format!("{} · {}", self.headline, self.target_group)
        }
    }

    /// The target-group fields and eligibility rules.
    pub fn form(&self) -> Result<EntryForm, Unreadable> {
        json("competitions", self.id, "entry_form", &self.entry_form)
    }

    pub fn prize_money(&self) -> Result<Money, Unreadable> {
        money(
            "competitions",
            self.id,
            "prize_money_cents",
            self.prize_money_cents,
        )
    }
}

impl email_message::Model {
    /// The template's variables.
    pub fn template_context(&self) -> Result<Value, Unreadable> {
        json("email_messages", self.id, "context", &self.context)
    }
}

impl entry_version::Model {
    /// The version's title, summary, description, goals and jury answers.
    pub fn content_json(&self) -> Result<Value, Unreadable> {
        json("entry_versions", self.id, "content", &self.content)
    }
}

impl audit_entry::Model {
    /// What changed, as recorded.
    pub fn details_json(&self) -> Result<Value, Unreadable> {
        json("audit_log", self.id, "details", &self.details)
    }
}
