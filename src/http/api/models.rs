//! The JSON shapes of the API. Field limits are validators, so they are in the schema.

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};

use crate::domain::entries::{EntrySource as DomainEntrySource, EntryStatus as DomainEntryStatus};
use crate::domain::roles::Role as DomainRole;
use crate::domain::{CompetitionState, LifecycleEvent};
use crate::entities::stored::Unreadable;
use crate::entities::{audit_entry, competition, phase, programme};
use crate::services::competitions::window_of;

/// A programme of competitions, e.g. "SMARTCity Gera".
#[derive(Debug, Object)]
pub struct Programme {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Total prize budget in euro cents.
    pub budget_cents: i64,
    /// The goals ideas may serve.
    pub goals: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewProgramme {
    /// Lower-case words joined by hyphens; used in addresses.
    #[oai(validator(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 80))]
    pub slug: String,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    #[oai(default, validator(max_length = 20000))]
    pub description: String,
    /// Total prize budget in euro cents (at most 100,000,000 EUR).
    #[oai(validator(minimum(value = "0"), maximum(value = "10000000000")))]
    pub budget_cents: i64,
    /// The goals ideas may serve (at most 10).
    #[oai(default, validator(max_items = 10))]
    pub goals: Vec<String>,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UpdateProgramme {
    #[oai(validator(min_length = 1, max_length = 200))]
    #[oai(nullable)]
    pub name: Option<String>,
    #[oai(validator(max_length = 20000))]
    #[oai(nullable)]
    pub description: Option<String>,
    /// New total budget in euro cents; cannot fall below the prize money promised.
    #[oai(validator(minimum(value = "0"), maximum(value = "10000000000")))]
    #[oai(nullable)]
    pub budget_cents: Option<i64>,
    /// The goals ideas may serve (one to twelve, each at most 100 characters);
    /// entries keep the goals they named.
    #[oai(validator(max_items = 12))]
    #[oai(nullable)]
    pub goals: Option<Vec<String>>,
}

/// A phase ("Staffel") of a programme.
#[derive(Debug, Object)]
pub struct Phase {
    pub id: i64,
    pub programme_id: i64,
    pub number: i32,
    pub name: String,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewPhase {
    #[oai(validator(minimum(value = "1"), maximum(value = "99")))]
    pub number: i32,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UpdatePhase {
    #[oai(validator(minimum(value = "1"), maximum(value = "99")))]
    #[oai(nullable)]
    pub number: Option<i32>,
    #[oai(validator(min_length = 1, max_length = 200))]
    #[oai(nullable)]
    pub name: Option<String>,
}

/// The API's face of a domain enum: the same values in snake case, converted both
/// ways, so the OpenAPI document lists them and nothing else is accepted.
macro_rules! api_enum {
    ($(#[$meta:meta])* $name:ident mirrors $domain:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
        #[oai(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value {
                    $($domain::$variant => Self::$variant),+
                }
            }
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => Self::$variant),+
                }
            }
        }
    };
}
pub(crate) use api_enum;

api_enum! {
    /// Lifecycle state of a competition.
    State mirrors CompetitionState {
        Draft, Scheduled, Open, Closed, InReview, Decided, Announced, Archived, Cancelled,
    }
}

api_enum! {
    /// A lifecycle event staff can send.
    Event mirrors LifecycleEvent {
        Schedule, Open, Close, Reopen, StartReview, Decide, ReopenReview, Announce, Archive,
        Cancel,
    }
}

api_enum! {
    /// Who someone is to the system: `admin` (city staff), `coordinator` (staff of
    /// given competitions), `juror` or `entrant`.
    Role mirrors DomainRole { Admin, Coordinator, Juror, Entrant }
}

api_enum! {
    /// Where an entry stands.
    EntryStatus mirrors DomainEntryStatus { Draft, Submitted, Withdrawn }
}

api_enum! {
    /// How an idea reached the city: `online`, or recorded by staff from an
    /// `email`, on `paper` or in the walk-in shop (`walk_in`).
    EntrySource mirrors DomainEntrySource { Online, Email, Paper, WalkIn }
}

/// A competition for one target group.
#[derive(Debug, Object)]
pub struct Competition {
    pub id: i64,
    pub programme_id: i64,
    pub phase_id: i64,
    pub slug: String,
    pub target_group: String,
    pub headline: String,
    pub aim: String,
    pub description: String,
    pub eligibility_note: String,
    /// Start of the submission window (UTC; shown in Europe/Berlin time).
    #[oai(nullable)]
    pub opens_at: Option<DateTime<Utc>>,
    /// Deadline for entries (UTC; shown in Europe/Berlin time).
    #[oai(nullable)]
    pub closes_at: Option<DateTime<Utc>>,
    /// When the competition was opened again after it had closed (its new window
    /// runs from then to `closes_at`); absent if it never was.
    #[oai(nullable)]
    pub reopened_at: Option<DateTime<Utc>>,
    /// Prize money in euro cents.
    pub prize_money_cents: i64,
    pub state: State,
    /// Events allowed in the current state.
    pub allowed_events: Vec<Event>,
    /// Whether entries are accepted right now.
    pub accepting_entries: bool,
    /// The entry form: `fields` (each with `key`, `label` {de, en}, optional `help`,
    /// `kind` text | long_text | choice | number | confirm, `required`, `choices`,
    /// `jury`: shown to the jury, `public`: may credit the entry publicly), `rules`
    /// (eligibility: `field`, `one_of` and/or `min`/`max`, `message` {de, en}) and
    /// `for_minors` (an adult submits and confirms the guardians' consent).
    pub entry_form: serde_json::Value,
    /// Increases with every change.
    pub version: i64,
    /// The public page.
    pub page_path: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewCompetition {
    pub phase_id: i64,
    #[oai(validator(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 80))]
    pub slug: String,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub target_group: String,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub headline: String,
    #[oai(default, validator(max_length = 1000))]
    pub aim: String,
    #[oai(default, validator(max_length = 20000))]
    pub description: String,
    #[oai(default, validator(max_length = 5000))]
    pub eligibility_note: String,
    /// RFC 3339 with offset, e.g. `2020-06-02T00:00:00+02:00`.
    #[oai(nullable)]
    pub opens_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub closes_at: Option<DateTime<Utc>>,
    #[oai(
        default,
        validator(minimum(value = "0"), maximum(value = "10000000000"))
    )]
    pub prize_money_cents: i64,
    /// The entry form, shaped as in `Competition.entry_form`; none: title and texts only.
    #[oai(nullable)]
    pub entry_form: Option<serde_json::Value>,
}

/// Changes to a competition; what may change depends on its state.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UpdateCompetition {
    #[oai(validator(min_length = 1, max_length = 200))]
    #[oai(nullable)]
    pub target_group: Option<String>,
    #[oai(validator(min_length = 1, max_length = 200))]
    #[oai(nullable)]
    pub headline: Option<String>,
    #[oai(validator(max_length = 1000))]
    #[oai(nullable)]
    pub aim: Option<String>,
    #[oai(validator(max_length = 20000))]
    #[oai(nullable)]
    pub description: Option<String>,
    #[oai(validator(max_length = 5000))]
    #[oai(nullable)]
    pub eligibility_note: Option<String>,
    /// Only before the competition opens.
    #[oai(nullable)]
    pub opens_at: Option<DateTime<Utc>>,
    /// Before opening any time in the future; while open only later (an extension).
    #[oai(nullable)]
    pub closes_at: Option<DateTime<Utc>>,
    #[oai(validator(minimum(value = "0"), maximum(value = "10000000000")))]
    #[oai(nullable)]
    pub prize_money_cents: Option<i64>,
    /// A new entry form (shaped as in `Competition.entry_form`); only before opening.
    #[oai(nullable)]
    pub entry_form: Option<serde_json::Value>,
}

/// A lifecycle move.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct TransitionRequest {
    pub event: Event,
    /// Why; required to force, close early, re-open or cancel.
    #[oai(validator(max_length = 2000))]
    #[oai(nullable)]
    pub reason: Option<String>,
    /// Open before `opens_at` (needs a reason).
    #[oai(default)]
    pub force: bool,
    /// The new deadline when re-opening.
    #[oai(nullable)]
    pub closes_at: Option<DateTime<Utc>>,
}

/// One line of a competition's audit trail.
#[derive(Debug, Object)]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    /// `user:<id>` or `system:<part>`.
    pub actor: String,
    pub action: String,
    #[oai(nullable)]
    pub from_state: Option<String>,
    #[oai(nullable)]
    pub to_state: Option<String>,
    #[oai(nullable)]
    pub reason: Option<String>,
    pub details: serde_json::Value,
}

impl TryFrom<programme::Model> for Programme {
    type Error = Unreadable;

    fn try_from(m: programme::Model) -> Result<Self, Unreadable> {
        Ok(Self {
            goals: m.goals()?,
            id: m.id,
            slug: m.slug,
            name: m.name,
            description: m.description,
            budget_cents: m.budget_cents,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

impl From<phase::Model> for Phase {
    fn from(m: phase::Model) -> Self {
        Self {
            id: m.id,
            programme_id: m.programme_id,
            number: m.number,
            name: m.name,
        }
    }
}

impl TryFrom<audit_entry::Model> for AuditEntry {
    type Error = Unreadable;

    fn try_from(m: audit_entry::Model) -> Result<Self, Unreadable> {
        Ok(Self {
            details: m.details_json()?,
            id: m.id,
            occurred_at: m.occurred_at,
            actor: m.actor,
            action: m.action,
            from_state: m.from_state,
            to_state: m.to_state,
            reason: m.reason,
        })
    }
}

impl Competition {
    pub fn from_model(
        m: competition::Model,
        now: DateTime<Utc>,
    ) -> Result<Self, crate::services::ServiceError> {
        let state = m.state;
        let window = window_of(&m);
        let form = serde_json::to_value(m.form()?)
            .map_err(|err| crate::services::ServiceError::Corrupt(err.to_string()))?;
        Ok(Self {
            page_path: format!("/wettbewerbe/{}", m.slug),
            id: m.id,
            programme_id: m.programme_id,
            phase_id: m.phase_id,
            slug: m.slug,
            target_group: m.target_group,
            headline: m.headline,
            aim: m.aim,
            description: m.description,
            eligibility_note: m.eligibility_note,
            opens_at: m.opens_at,
            closes_at: m.closes_at,
            reopened_at: m.reopened_at,
            prize_money_cents: m.prize_money_cents,
            state: state.into(),
            allowed_events: state
                .allowed_events()
                .into_iter()
                .map(Event::from)
                .collect(),
            accepting_entries: state == CompetitionState::Open && window.contains(now),
            entry_form: form,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}
