//! The public vote's use cases: staff set it up, the public votes with a
//! confirmation link, staff watch the fraud signals and void ballots, and
//! once the vote has closed its result stands beside the jury's ranking.
//!
//! Ballots and confirmations go through the hot-path writer
//! ([`Writes`](super::writes::Writes): group commit on SQLite), each in one
//! transaction with its audit row and, for a ballot, its confirmation email.
//! A link confirms once: the update that counts the ballot is conditional
//! on the link's token, so two clicks at once count it once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit::{self, AuditRecord};
use super::authorization::Manager;
use super::writes::{Write, Writes};
use super::{Actor, ServiceError, competitions, db, outbox};
use crate::domain::email_address::EmailAddress;
use crate::domain::events::{DomainEvent, PersonalMail};
use crate::domain::vote::{
    self as rules, BallotError, BallotFacts, Choices, Signal, Tallied, VoteError, VotePhase,
    VoteRules,
};
use crate::entities::{ballot, competition, entry, precheck, vote};

/// An admitted entry as the public sees it in the vote: no names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub kennzahl: String,
    pub title: String,
    pub summary: String,
}

pub async fn find(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<Option<vote::Model>, ServiceError> {
    Ok(vote::Entity::find_by_id(competition_id).one(conn).await?)
}

/// The admitted entries, by Kennzahl.
pub async fn shortlist(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<Vec<Listed>, ServiceError> {
    let admitted: Vec<i64> = precheck::Entity::find()
        .select_only()
        .column(precheck::Column::EntryId)
        .filter(precheck::Column::CompetitionId.eq(competition_id))
        .filter(precheck::Column::Verdict.eq("admitted"))
        .into_tuple()
        .all(conn)
        .await?;
    let mut listed = Vec::with_capacity(admitted.len());
    for chunk in admitted.chunks(500) {
        for e in entry::Entity::find()
            .filter(entry::Column::Id.is_in(chunk.to_vec()))
            .filter(entry::Column::CompetitionId.eq(competition_id))
            .all(conn)
            .await?
        {
            if let Some(kennzahl) = e.kennzahl {
                listed.push(Listed {
                    kennzahl,
                    title: e.title,
                    summary: e.summary,
                });
            }
        }
    }
    listed.sort_by(|a, b| a.kennzahl.cmp(&b.kennzahl));
    Ok(listed)
}

/// A competition's vote for the public.
#[derive(Debug, Clone)]
pub struct PublicVote {
    pub competition: competition::Model,
    pub rules: VoteRules,
    pub phase: VotePhase,
    pub shortlist: Vec<Listed>,
}

/// The vote of a public competition, or `None` when it holds none.
pub async fn public(
    conn: &impl ConnectionTrait,
    competition: competition::Model,
    now: DateTime<Utc>,
) -> Result<Option<PublicVote>, ServiceError> {
    let Some(found) = find(conn, competition.id).await? else {
        return Ok(None);
    };
    let rules = found.rules();
    let shortlist = shortlist(conn, competition.id).await?;
    Ok(Some(PublicVote {
        phase: rules.phase(now),
        competition,
        rules,
        shortlist,
    }))
}

async fn confirmed_any(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<bool, ServiceError> {
    Ok(ballot::Entity::find()
        .filter(ballot::Column::CompetitionId.eq(competition_id))
        .filter(ballot::Column::Choices.is_not_null())
        .count(conn)
        .await?
        > 0)
}

/// Sets up or changes the vote, in one transaction with its audit row.
pub async fn configure(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    wanted: VoteRules,
) -> Result<vote::Model, ServiceError> {
    let id = manager.competition_id();
    let wanted = rules::normalised(wanted);
    let txn = db::begin_write(db).await?;
    db::lock_row::<competition::Entity>(&txn, id).await?;
    let competition = competitions::find(&txn, id).await?;
    let before = find(&txn, id).await?.map(|v| v.rules());
    let admitted = shortlist(&txn, id).await?.len();
    let confirmed = confirmed_any(&txn, id).await?;
    rules::check_rules(
        &wanted,
        before.as_ref(),
        competition.state,
        admitted,
        confirmed,
        now,
    )?;
    vote::Entity::insert(vote::ActiveModel {
        competition_id: Set(id),
        mode: Set(wanted.mode),
        points: Set(wanted.points as i32),
        max_per_entry: Set(wanted.max_per_entry as i32),
        opens_at: Set(wanted.opens_at),
        closes_at: Set(wanted.closes_at),
        updated_by: Set(Some(manager.person().id)),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(vote::Column::CompetitionId)
            .update_columns([
                vote::Column::Mode,
                vote::Column::Points,
                vote::Column::MaxPerEntry,
                vote::Column::OpensAt,
                vote::Column::ClosesAt,
                vote::Column::UpdatedBy,
                vote::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "vote.configured", "competition", id).details(json!({
            "mode": wanted.mode.as_str(),
            "points": wanted.points,
            "max_per_entry": wanted.max_per_entry,
            "opens_at": wanted.opens_at,
            "closes_at": wanted.closes_at,
            "changed": before.is_some(),
        })),
    )
    .await?;
    let stored = find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::Corrupt(format!("vote {id} not stored")))?;
    txn.commit().await?;
    Ok(stored)
}

fn token() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A ballot as sent, before it is checked.
#[derive(Debug, Clone)]
pub struct BallotRequest {
    pub email: EmailAddress,
    pub locale: String,
    pub choices: Choices,
    /// A keyed tag of the client's address (see `SecretBox::tag`).
    pub client_tag: String,
}

struct StoreBallot {
    competition_id: i64,
    email: String,
    locale: String,
    choices: String,
    token_hash: String,
    client_tag: String,
    now: DateTime<Utc>,
    mail_context: serde_json::Value,
}

impl Write for StoreBallot {
    type Output = ();

    async fn run(&self, txn: &DatabaseTransaction) -> Result<(), ServiceError> {
        // One row per address: a new ballot waits beside the counted one
        // until its link is used; a voided address stays void.
        ballot::Entity::insert(ballot::ActiveModel {
            competition_id: Set(self.competition_id),
            email: Set(self.email.clone()),
            locale: Set(self.locale.clone()),
            choices: Set(None),
            pending_choices: Set(Some(self.choices.clone())),
            pending_token_hash: Set(Some(self.token_hash.clone())),
            client_tag: Set(self.client_tag.clone()),
            created_at: Set(self.now),
            requested_at: Set(self.now),
            confirmed_at: Set(None),
            voided_at: Set(None),
            voided_by: Set(None),
            void_reason: Set(None),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([ballot::Column::CompetitionId, ballot::Column::Email])
                .update_columns([
                    ballot::Column::Locale,
                    ballot::Column::PendingChoices,
                    ballot::Column::PendingTokenHash,
                    ballot::Column::ClientTag,
                    ballot::Column::RequestedAt,
                ])
                .action_and_where(Expr::col((ballot::Entity, ballot::Column::VoidedAt)).is_null())
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        let stored = ballot::Entity::find()
            .filter(ballot::Column::CompetitionId.eq(self.competition_id))
            .filter(ballot::Column::Email.eq(&self.email))
            .one(txn)
            .await?
            .ok_or_else(|| ServiceError::Corrupt("ballot not stored".into()))?;
        if stored.voided_at.is_some() {
            return Ok(());
        }
        outbox::enqueue(
            txn,
            self.now,
            &DomainEvent::BallotRequested {
                ballot_id: stored.id,
                mail: PersonalMail {
                    email: self.email.clone(),
                    locale: self.locale.clone(),
                    competition_id: Some(self.competition_id),
                    context: self.mail_context.clone(),
                },
            },
        )
        .await?;
        audit::record(
            txn,
            self.now,
            AuditRecord::about(
                Actor::System("public"),
                "ballot.requested",
                "ballot",
                stored.id,
            ),
        )
        .await?;
        Ok(())
    }
}

/// Checks a ballot and stores it to wait for its confirmation link, which is
/// emailed. Answers the same whether or not the address voted before (and
/// sends nothing for an address whose ballot staff voided), so nobody
/// learns who voted.
pub async fn submit(
    db: &DatabaseConnection,
    writes: &Writes,
    now: DateTime<Utc>,
    public_url: &str,
    competition: &competition::Model,
    request: BallotRequest,
) -> Result<(), ServiceError> {
    let vote = public(db, competition.clone(), now)
        .await?
        .ok_or_else(|| ServiceError::not_found("vote", competition.id))?;
    let kennzahlen: Vec<String> = vote.shortlist.iter().map(|l| l.kennzahl.clone()).collect();
    let checked = rules::check_ballot(&vote.rules, &kennzahlen, &request.choices, now)?;
    let locale = if request.locale == "en" { "en" } else { "de" }.to_owned();
    let raw = token();
    let confirm_url = format!(
        "{}/abstimmung/bestaetigen?token={raw}&lang={locale}",
        public_url.trim_end_matches('/')
    );
    let listed: BTreeMap<&str, &Listed> = vote
        .shortlist
        .iter()
        .map(|l| (l.kennzahl.as_str(), l))
        .collect();
    let choices: Vec<serde_json::Value> = checked
        .iter()
        .map(|(kennzahl, points)| {
            json!({
                "kennzahl": kennzahl,
                "title": listed.get(kennzahl.as_str()).map(|l| l.title.as_str()).unwrap_or_default(),
                "points": points,
            })
        })
        .collect();
    let closes = if locale == "en" {
        crate::domain::time::format_en(vote.rules.closes_at)
    } else {
        crate::domain::time::format_de(vote.rules.closes_at)
    };
    let work = StoreBallot {
        competition_id: competition.id,
        email: request.email.into_string().to_lowercase(),
        locale,
        choices: serde_json::to_string(&checked).expect("choices serialize"),
        token_hash: hash(&raw),
        client_tag: request.client_tag,
        now,
        mail_context: json!({
            "competition_name": competition.full_name(),
            "choices": choices,
            "show_points": vote.rules.mode == rules::VoteMode::Points,
            "closes": closes,
            "confirm_url": confirm_url,
        }),
    };
    writes.run(work).await
}

/// What a confirmation did.
#[derive(Debug, Clone)]
pub struct Confirmed {
    pub competition_id: i64,
    /// The address had a counted ballot before, now replaced.
    pub replaced: bool,
}

struct ConfirmBallot {
    token_hash: String,
    now: DateTime<Utc>,
}

impl Write for ConfirmBallot {
    type Output = Confirmed;

    async fn run(&self, txn: &DatabaseTransaction) -> Result<Confirmed, ServiceError> {
        let invalid = || ServiceError::not_found("confirmation", "link");
        let found = ballot::Entity::find()
            .filter(ballot::Column::PendingTokenHash.eq(&self.token_hash))
            .one(txn)
            .await?
            .ok_or_else(invalid)?;
        if found.voided_at.is_some() {
            return Err(invalid());
        }
        let vote = find(txn, found.competition_id).await?.ok_or_else(invalid)?;
        let phase = vote.rules().phase(self.now);
        if phase != VotePhase::Open {
            return Err(BallotError::NotOpen(phase).into());
        }
        let done = ballot::Entity::update_many()
            .col_expr(
                ballot::Column::Choices,
                Expr::value(found.pending_choices.clone()),
            )
            .col_expr(
                ballot::Column::PendingChoices,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                ballot::Column::PendingTokenHash,
                Expr::value(Option::<String>::None),
            )
            .col_expr(ballot::Column::ConfirmedAt, Expr::value(self.now))
            .filter(ballot::Column::Id.eq(found.id))
            .filter(ballot::Column::PendingTokenHash.eq(&self.token_hash))
            .filter(ballot::Column::VoidedAt.is_null())
            .exec(txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(invalid());
        }
        let replaced = found.choices.is_some();
        audit::record(
            txn,
            self.now,
            AuditRecord::about(
                Actor::System("public"),
                "ballot.confirmed",
                "ballot",
                found.id,
            )
            .details(json!({ "replaced": replaced })),
        )
        .await?;
        Ok(Confirmed {
            competition_id: found.competition_id,
            replaced,
        })
    }
}

/// Counts the ballot of the link's token (once: a used, forged or replaced
/// link is "not found"; after the close the vote refuses).
pub async fn confirm(
    writes: &Writes,
    now: DateTime<Utc>,
    token: &str,
) -> Result<Confirmed, ServiceError> {
    let token = token.trim();
    if token.is_empty() || token.len() > 100 {
        return Err(ServiceError::not_found("confirmation", "link"));
    }
    writes
        .run(ConfirmBallot {
            token_hash: hash(token),
            now,
        })
        .await
}

/// Voids a ballot with a reason (audited); it never counts again.
pub async fn void(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    ballot_id: i64,
    reason: &str,
) -> Result<(), ServiceError> {
    let reason = reason.trim();
    if !(3..=1000).contains(&reason.chars().count()) {
        return Err(VoteError::Reason.into());
    }
    let txn = db::begin_write(db).await?;
    let found = ballot::Entity::find_by_id(ballot_id)
        .filter(ballot::Column::CompetitionId.eq(manager.competition_id()))
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("ballot", ballot_id))?;
    let done = ballot::Entity::update_many()
        .col_expr(ballot::Column::VoidedAt, Expr::value(now))
        .col_expr(ballot::Column::VoidedBy, Expr::value(manager.person().id))
        .col_expr(ballot::Column::VoidReason, Expr::value(reason))
        .col_expr(
            ballot::Column::PendingTokenHash,
            Expr::value(Option::<String>::None),
        )
        .filter(ballot::Column::Id.eq(found.id))
        .filter(ballot::Column::VoidedAt.is_null())
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(VoteError::Voided.into());
    }
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "ballot.voided", "ballot", found.id)
            .reason(Some(reason))
            .details(json!({
                "competition_id": found.competition_id,
                "counted": found.choices.is_some(),
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// How many ballots there are, by where they stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Confirmed and not void: these count.
    pub counted: u64,
    /// Waiting for their first confirmation.
    pub unconfirmed: u64,
    pub voided: u64,
}

/// One ballot as staff see it among the signals.
#[derive(Debug, Clone)]
pub struct Reviewed {
    pub id: i64,
    /// `m…@example.de`.
    pub email: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub voided_at: Option<DateTime<Utc>>,
    pub void_reason: Option<String>,
    pub signals: Vec<Signal>,
}

/// The vote's review for staff: the counts, and the ballots with fraud
/// signals or voided, the addresses masked. Available while the vote runs;
/// it says nothing about the result.
pub async fn review(
    conn: &impl ConnectionTrait,
    manager: &Manager,
) -> Result<(Counts, Vec<Reviewed>), ServiceError> {
    let rows = ballot::Entity::find()
        .filter(ballot::Column::CompetitionId.eq(manager.competition_id()))
        .order_by_asc(ballot::Column::Id)
        .all(conn)
        .await?;
    let mut counts = Counts::default();
    for row in &rows {
        match (row.voided_at, &row.choices) {
            (Some(_), _) => counts.voided += 1,
            (None, Some(_)) => counts.counted += 1,
            (None, None) => counts.unconfirmed += 1,
        }
    }
    let facts: Vec<BallotFacts> = rows
        .iter()
        .filter(|r| r.choices.is_some() || r.voided_at.is_some())
        .map(|r| BallotFacts {
            id: r.id,
            email: &r.email,
            client: &r.client_tag,
            confirmed_at: r.confirmed_at,
        })
        .collect();
    let mut signals = rules::signals(&facts);
    let reviewed = rows
        .iter()
        .filter_map(|r| {
            let found = signals.remove(&r.id).unwrap_or_default();
            (!found.is_empty() || r.voided_at.is_some()).then(|| Reviewed {
                id: r.id,
                email: rules::masked_email(&r.email),
                confirmed_at: r.confirmed_at,
                voided_at: r.voided_at,
                void_reason: r.void_reason.clone(),
                signals: found,
            })
        })
        .collect();
    Ok((counts, reviewed))
}

/// The vote's result, once it has closed.
#[derive(Debug, Clone)]
pub struct VoteResult {
    pub rules: VoteRules,
    pub counts: Counts,
    pub tally: Vec<(Tallied, Listed)>,
}

/// The result for staff, from the close on ([`VoteError::Hidden`] before):
/// confirmed ballots that are not void, nothing else.
pub async fn result(
    conn: &impl ConnectionTrait,
    manager: &Manager,
    now: DateTime<Utc>,
) -> Result<VoteResult, ServiceError> {
    result_of(conn, manager.competition_id(), now).await
}

/// The result beside the ranking for whoever presides over the jury's
/// sitting (the chair, staff): anonymous, by Kennzahl.
pub async fn result_for_sitting(
    conn: &impl ConnectionTrait,
    presiding: &super::authorization::Presiding,
    now: DateTime<Utc>,
) -> Result<Option<VoteResult>, ServiceError> {
    let id = presiding.competition_id();
    if find(conn, id).await?.is_none() {
        return Ok(None);
    }
    match result_of(conn, id, now).await {
        Ok(result) => Ok(Some(result)),
        Err(ServiceError::Vote(VoteError::Hidden)) => Ok(None),
        Err(err) => Err(err),
    }
}

async fn result_of(
    conn: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<VoteResult, ServiceError> {
    let vote = find(conn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("vote", id))?;
    let rules = vote.rules();
    if rules.phase(now) != VotePhase::Closed {
        return Err(VoteError::Hidden.into());
    }
    let counted: Vec<Option<String>> = ballot::Entity::find()
        .select_only()
        .column(ballot::Column::Choices)
        .filter(ballot::Column::CompetitionId.eq(id))
        .filter(ballot::Column::Choices.is_not_null())
        .filter(ballot::Column::VoidedAt.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    let ballots: Vec<Choices> = counted
        .into_iter()
        .flatten()
        .map(|text| {
            serde_json::from_str(&text)
                .map_err(|err| ServiceError::Corrupt(format!("ballot choices: {err}")))
        })
        .collect::<Result<_, _>>()?;
    let listed = shortlist(conn, id).await?;
    let kennzahlen: Vec<String> = listed.iter().map(|l| l.kennzahl.clone()).collect();
    let counts = counts(conn, id).await?;
    let tally = rules::tally(&kennzahlen, ballots.iter())
        .into_iter()
        .filter_map(|t| {
            let l = listed.iter().find(|l| l.kennzahl == t.kennzahl)?.clone();
            Some((t, l))
        })
        .collect();
    Ok(VoteResult {
        rules,
        counts,
        tally,
    })
}

/// The ballots' counts, by index.
pub async fn counts(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<Counts, ServiceError> {
    let base = || ballot::Entity::find().filter(ballot::Column::CompetitionId.eq(competition_id));
    Ok(Counts {
        counted: base()
            .filter(ballot::Column::Choices.is_not_null())
            .filter(ballot::Column::VoidedAt.is_null())
            .count(conn)
            .await?,
        unconfirmed: base()
            .filter(ballot::Column::Choices.is_null())
            .filter(ballot::Column::VoidedAt.is_null())
            .count(conn)
            .await?,
        voided: base()
            .filter(ballot::Column::VoidedAt.is_not_null())
            .count(conn)
            .await?,
    })
}
