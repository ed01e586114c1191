//! Storage shapes of the tables (sea-orm entities). Behaviour lives in `domain` and
//! `services`; these only describe rows.

pub mod announcement;
pub mod api_token;
pub mod audit_entry;
pub mod award;
pub mod competition;
pub mod competition_coordinator;
pub mod conflict;
pub mod document;
pub mod email_message;
pub mod entry;
pub mod entry_attachment;
pub mod entry_author;
pub mod entry_coauthor;
pub mod entry_count;
pub mod entry_version;
pub mod idempotency_key;
pub mod jury;
pub mod jury_criterion;
pub mod jury_reminder;
pub mod jury_round;
pub mod outbox_event;
pub mod panel_member;
pub mod phase;
pub mod precheck;
pub mod prize;
pub mod programme;
pub mod round_decision;
pub mod round_vote;
pub mod score;
pub mod score_sheet;
pub mod session;
pub mod sign_in_token;
pub mod stored;
pub mod subscription;
pub mod user;
mod values;
