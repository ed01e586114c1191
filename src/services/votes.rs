//! The public vote's use cases: staff set it up, the public votes with a
//! confirmation link, staff watch the fraud signals and void ballots, and
//! once the vote has closed its result stands beside the jury's ranking.
//!
//! A vote belongs to one competition (staff of the competition keep it; its
//! admitted entries are the shortlist) or to the programme (administrators
//! keep it and pick its shortlist across the competitions). Whoever keeps a
//! vote holds a [`Keeper`], made only from those capabilities.
//!
//! Ballots and confirmations go through the hot-path writer
//! ([`Writes`](super::writes::Writes): group commit on SQLite), each in one
//! transaction with its audit row and, for a ballot, its confirmation email.
//! A link confirms once: the update that counts the ballot is conditional
//! on the link's token, so two clicks at once count it once.

use std::collections::{BTreeMap, HashMap};

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
use super::authorization::{Admin, Manager};
use super::writes::{Write, Writes};
use super::{Actor, ServiceError, competitions, db, outbox, programmes};
use crate::domain::email_address::EmailAddress;
use crate::domain::events::{DomainEvent, PersonalMail};
pub use crate::domain::vote::VoteScope;
use crate::domain::vote::{
    self as rules, BallotError, BallotFacts, Candidate, Choices, Signal, Tallied, VoteError,
    VotePhase, VoteRules,
};
use crate::entities::{
    audit_entry, ballot, competition, entry, precheck, programme, vote, vote_entry,
};

/// An admitted entry as the public sees it in the vote: no names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// What a ballot names it by: the Kennzahl in a competition's vote,
    /// `{competition id}-{Kennzahl}` in the programme's (a Kennzahl is
    /// unique within its competition only).
    pub key: String,
    pub kennzahl: String,
    pub title: String,
    pub summary: String,
    /// Its competition's name, in the programme's vote.
    pub competition: Option<String>,
}

/// The key a ballot names an entry by in a programme's vote.
pub fn programme_key(competition_id: i64, kennzahl: &str) -> String {
    format!("{competition_id}-{kennzahl}")
}

pub async fn find(
    conn: &impl ConnectionTrait,
    scope: VoteScope,
) -> Result<Option<vote::Model>, ServiceError> {
    let query = vote::Entity::find();
    let query = match scope {
        VoteScope::Competition(id) => query.filter(vote::Column::CompetitionId.eq(id)),
        VoteScope::Programme(id) => query.filter(vote::Column::ProgrammeId.eq(id)),
    };
    Ok(query.one(conn).await?)
}

/// Every competition and programme that holds a public vote (a few rows:
/// at most one per competition and programme), for the public catalogue.
pub async fn scopes(
    conn: &impl ConnectionTrait,
) -> Result<std::collections::HashSet<VoteScope>, ServiceError> {
    Ok(vote::Entity::find()
        .all(conn)
        .await?
        .iter()
        .map(vote::Model::scope)
        .collect())
}

/// Of `ids`, those the pre-check admitted.
async fn admitted_of(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<std::collections::HashSet<i64>, ServiceError> {
    let mut admitted = std::collections::HashSet::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let found: Vec<i64> = precheck::Entity::find()
            .select_only()
            .column(precheck::Column::EntryId)
            .filter(precheck::Column::EntryId.is_in(chunk.to_vec()))
            .filter(precheck::Column::Verdict.eq("admitted"))
            .into_tuple()
            .all(conn)
            .await?;
        admitted.extend(found);
    }
    Ok(admitted)
}

async fn entries_by_id(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<entry::Model>, ServiceError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        found.extend(
            entry::Entity::find()
                .filter(entry::Column::Id.is_in(chunk.to_vec()))
                .all(conn)
                .await?,
        );
    }
    Ok(found)
}

/// The ids of the entries a competition's pre-check admitted.
async fn admitted_ids(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<Vec<i64>, ServiceError> {
    Ok(precheck::Entity::find()
        .select_only()
        .column(precheck::Column::EntryId)
        .filter(precheck::Column::CompetitionId.eq(competition_id))
        .filter(precheck::Column::Verdict.eq("admitted"))
        .into_tuple()
        .all(conn)
        .await?)
}

/// A competition's admitted entries, by Kennzahl: its vote's shortlist.
pub async fn admitted(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<Vec<Listed>, ServiceError> {
    let admitted = admitted_ids(conn, competition_id).await?;
    let mut listed: Vec<Listed> = entries_by_id(conn, &admitted)
        .await?
        .into_iter()
        .filter(|e| e.competition_id == competition_id)
        .filter_map(|e| {
            let kennzahl = e.kennzahl?;
            Some(Listed {
                key: kennzahl.clone(),
                kennzahl,
                title: e.title,
                summary: e.summary,
                competition: None,
            })
        })
        .collect();
    listed.sort_by(|a, b| a.kennzahl.cmp(&b.kennzahl));
    Ok(listed)
}

/// The entries picked for a programme's vote (ids).
async fn picked(conn: &impl ConnectionTrait, vote_id: i64) -> Result<Vec<i64>, ServiceError> {
    Ok(vote_entry::Entity::find()
        .select_only()
        .column(vote_entry::Column::EntryId)
        .filter(vote_entry::Column::VoteId.eq(vote_id))
        .order_by_asc(vote_entry::Column::EntryId)
        .into_tuple()
        .all(conn)
        .await?)
}

/// A vote's shortlist: a competition's admitted entries, or the entries
/// picked for the programme's vote that are still admitted, by competition
/// and Kennzahl.
pub async fn shortlist(
    conn: &impl ConnectionTrait,
    found: &vote::Model,
) -> Result<Vec<Listed>, ServiceError> {
    let programme_id = match found.scope() {
        VoteScope::Competition(id) => return admitted(conn, id).await,
        VoteScope::Programme(id) => id,
    };
    let ids = picked(conn, found.id).await?;
    let still = admitted_of(conn, &ids).await?;
    let names: BTreeMap<i64, (i32, String)> = competitions::list_of_programme(conn, programme_id)
        .await?
        .into_iter()
        .map(|c| (c.id, (c.position, c.full_name())))
        .collect();
    let mut listed: Vec<(i32, i64, Listed)> = entries_by_id(conn, &ids)
        .await?
        .into_iter()
        .filter(|e| still.contains(&e.id))
        .filter_map(|e| {
            let (position, name) = names.get(&e.competition_id)?.clone();
            let kennzahl = e.kennzahl?;
            Some((
                position,
                e.competition_id,
                Listed {
                    key: programme_key(e.competition_id, &kennzahl),
                    kennzahl,
                    title: e.title,
                    summary: e.summary,
                    competition: Some(name),
                },
            ))
        })
        .collect();
    listed.sort_by(|a, b| (a.0, a.1, &a.2.kennzahl).cmp(&(b.0, b.1, &b.2.kennzahl)));
    Ok(listed.into_iter().map(|(_, _, l)| l).collect())
}

/// What a public vote is held on.
#[derive(Debug, Clone)]
pub enum Subject {
    Competition(competition::Model),
    Programme(programme::Model),
}

impl Subject {
    pub fn scope(&self) -> VoteScope {
        match self {
            Self::Competition(c) => VoteScope::Competition(c.id),
            Self::Programme(p) => VoteScope::Programme(p.id),
        }
    }

    /// The competition's full name, or the programme's name.
    pub fn name(&self) -> String {
        match self {
            Self::Competition(c) => c.full_name(),
            Self::Programme(p) => p.name.clone(),
        }
    }

    pub fn competition_id(&self) -> Option<i64> {
        match self {
            Self::Competition(c) => Some(c.id),
            Self::Programme(_) => None,
        }
    }
}

/// A vote for the public.
#[derive(Debug, Clone)]
pub struct PublicVote {
    pub subject: Subject,
    pub vote: vote::Model,
    pub rules: VoteRules,
    pub phase: VotePhase,
    pub shortlist: Vec<Listed>,
}

/// The vote held on a public competition or on the programme, or `None`
/// when there is none.
pub async fn public(
    conn: &impl ConnectionTrait,
    subject: Subject,
    now: DateTime<Utc>,
) -> Result<Option<PublicVote>, ServiceError> {
    let Some(found) = find(conn, subject.scope()).await? else {
        return Ok(None);
    };
    let rules = found.rules();
    let shortlist = shortlist(conn, &found).await?;
    Ok(Some(PublicVote {
        phase: rules.phase(now),
        subject,
        vote: found,
        rules,
        shortlist,
    }))
}

async fn confirmed_any(
    conn: &impl ConnectionTrait,
    found: Option<&vote::Model>,
) -> Result<bool, ServiceError> {
    let Some(found) = found else {
        return Ok(false);
    };
    Ok(ballot::Entity::find()
        .filter(ballot::Column::VoteId.eq(found.id))
        .filter(ballot::Column::Choices.is_not_null())
        .count(conn)
        .await?
        > 0)
}

/// Writes the settings over `before` (or as a new vote), returning the vote.
async fn store_settings(
    txn: &DatabaseTransaction,
    scope: VoteScope,
    before: Option<&vote::Model>,
    wanted: &VoteRules,
    by: i64,
    now: DateTime<Utc>,
) -> Result<vote::Model, ServiceError> {
    let (competition_id, programme_id) = match scope {
        VoteScope::Competition(id) => (Some(id), None),
        VoteScope::Programme(id) => (None, Some(id)),
    };
    let mut model = vote::ActiveModel {
        competition_id: Set(competition_id),
        programme_id: Set(programme_id),
        mode: Set(wanted.mode),
        points: Set(wanted.points as i32),
        max_per_entry: Set(wanted.max_per_entry as i32),
        opens_at: Set(wanted.opens_at),
        closes_at: Set(wanted.closes_at),
        updated_by: Set(Some(by)),
        updated_at: Set(now),
        ..Default::default()
    };
    match before {
        Some(before) => {
            model.id = sea_orm::ActiveValue::Unchanged(before.id);
            vote::Entity::update(model).exec(txn).await?;
        }
        None => {
            vote::Entity::insert(model)
                .exec_without_returning(txn)
                .await?;
        }
    }
    find(txn, scope)
        .await?
        .ok_or_else(|| ServiceError::Corrupt(format!("vote {scope:?} not stored")))
}

fn settings_details(wanted: &VoteRules, changed: bool) -> serde_json::Value {
    json!({
        "mode": wanted.mode.as_str(),
        "points": wanted.points,
        "max_per_entry": wanted.max_per_entry,
        "opens_at": wanted.opens_at,
        "closes_at": wanted.closes_at,
        "changed": changed,
    })
}

/// Sets up or changes a competition's vote, in one transaction with its
/// audit row.
pub async fn configure(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    wanted: VoteRules,
) -> Result<vote::Model, ServiceError> {
    let id = manager.competition_id();
    let scope = VoteScope::Competition(id);
    let wanted = rules::normalised(wanted);
    let txn = db::begin_write(db).await?;
    db::lock_row::<competition::Entity>(&txn, id).await?;
    let competition = competitions::find(&txn, id).await?;
    let before = find(&txn, scope).await?;
    let admitted = admitted(&txn, id).await?.len();
    let confirmed = confirmed_any(&txn, before.as_ref()).await?;
    rules::check_rules(
        &wanted,
        before.as_ref().map(|v| v.rules()).as_ref(),
        competition.state,
        admitted,
        confirmed,
        now,
    )?;
    let stored = store_settings(
        &txn,
        scope,
        before.as_ref(),
        &wanted,
        manager.person().id,
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "vote.configured", "competition", id)
            .details(settings_details(&wanted, before.is_some())),
    )
    .await?;
    txn.commit().await?;
    Ok(stored)
}

/// The entries that may stand in the programme's vote now, with whether
/// each is picked already; by competition and Kennzahl, at most `per
/// competition` of each competition (prize holders first).
pub async fn programme_candidates(
    conn: &impl ConnectionTrait,
    _admin: &Admin,
    programme_id: i64,
    per_competition: usize,
) -> Result<Vec<ProgrammeCandidate>, ServiceError> {
    let picked: std::collections::HashSet<i64> =
        match find(conn, VoteScope::Programme(programme_id)).await? {
            Some(found) => picked(conn, found.id).await?.into_iter().collect(),
            None => Default::default(),
        };
    let mut out = Vec::new();
    for c in competitions::list_of_programme(conn, programme_id).await? {
        if !rules::open_to_programme_vote(c.state) {
            continue;
        }
        let admitted = admitted_ids(conn, c.id).await?;
        let prized = prized_entries(conn, c.id).await?;
        let mut rows: Vec<ProgrammeCandidate> = entries_by_id(conn, &admitted)
            .await?
            .into_iter()
            .filter(|e| e.competition_id == c.id)
            .filter_map(|e| {
                Some(ProgrammeCandidate {
                    entry_id: e.id,
                    competition_id: c.id,
                    competition: c.full_name(),
                    kennzahl: e.kennzahl?,
                    title: e.title,
                    prized: prized.contains(&e.id),
                    picked: picked.contains(&e.id),
                })
            })
            .collect();
        rows.sort_by(|a, b| {
            (!a.picked, !a.prized, &a.kennzahl).cmp(&(!b.picked, !b.prized, &b.kennzahl))
        });
        rows.truncate(per_competition.max(rows.iter().filter(|r| r.picked).count()));
        out.extend(rows);
    }
    Ok(out)
}

/// The entries holding a prize in a competition.
async fn prized_entries(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<std::collections::HashSet<i64>, ServiceError> {
    let ids: Vec<i64> = crate::entities::award::Entity::find()
        .select_only()
        .column(crate::entities::award::Column::EntryId)
        .filter(crate::entities::award::Column::CompetitionId.eq(competition_id))
        .filter(crate::entities::award::Column::WithdrawnAt.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().collect())
}

/// An entry that may stand in the programme's vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeCandidate {
    pub entry_id: i64,
    pub competition_id: i64,
    pub competition: String,
    pub kennzahl: String,
    pub title: String,
    /// It holds a prize in its competition (a category winner).
    pub prized: bool,
    pub picked: bool,
}

/// Sets up or changes the programme's vote with its shortlist (entry ids),
/// in one transaction with its audit row; the programme's row is locked so
/// that two administrators' changes follow one another.
pub async fn configure_programme(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    programme_id: i64,
    wanted: VoteRules,
    entry_ids: &[i64],
) -> Result<vote::Model, ServiceError> {
    let scope = VoteScope::Programme(programme_id);
    let wanted = rules::normalised(wanted);
    let txn = db::begin_write(db).await?;
    programmes::find(&txn, programme_id).await?;
    db::lock_row::<programme::Entity>(&txn, programme_id).await?;
    let before = find(&txn, scope).await?;
    let before_picked: std::collections::BTreeSet<i64> = match &before {
        Some(found) => picked(&txn, found.id).await?.into_iter().collect(),
        None => Default::default(),
    };
    let wanted_ids: std::collections::BTreeSet<i64> = entry_ids.iter().copied().collect();
    let ids: Vec<i64> = wanted_ids.iter().copied().collect();
    let found = entries_by_id(&txn, &ids).await?;
    let states: HashMap<i64, crate::domain::CompetitionState> =
        competitions::list_of_programme(&txn, programme_id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.state))
            .collect();
    let admitted = admitted_of(&txn, &ids).await?;
    let mut candidates = Vec::with_capacity(ids.len());
    for id in &ids {
        let Some(e) = found.iter().find(|e| e.id == *id) else {
            return Err(ServiceError::not_found("entry", *id));
        };
        let Some(state) = states.get(&e.competition_id) else {
            return Err(ServiceError::not_found("entry", *id));
        };
        candidates.push(Candidate {
            entry_id: e.id,
            kennzahl: e.kennzahl.clone().unwrap_or_else(|| e.id.to_string()),
            state: *state,
            admitted: admitted.contains(&e.id),
        });
    }
    let confirmed = confirmed_any(&txn, before.as_ref()).await?;
    let before_rules = before.as_ref().map(|v| v.rules());
    rules::check_programme_rules(
        &wanted,
        before_rules.as_ref().map(|r| (r, &before_picked)),
        &candidates,
        confirmed,
        now,
    )?;
    let stored = store_settings(
        &txn,
        scope,
        before.as_ref(),
        &wanted,
        admin.person().id,
        now,
    )
    .await?;
    if before_picked != wanted_ids {
        vote_entry::Entity::delete_many()
            .filter(vote_entry::Column::VoteId.eq(stored.id))
            .exec(&txn)
            .await?;
        for chunk in ids.chunks(200) {
            vote_entry::Entity::insert_many(chunk.iter().map(|id| vote_entry::ActiveModel {
                vote_id: Set(stored.id),
                entry_id: Set(*id),
            }))
            .exec_without_returning(&txn)
            .await?;
        }
    }
    let mut details = settings_details(&wanted, before.is_some());
    details["entries"] = json!(ids);
    audit::record(
        &txn,
        now,
        AuditRecord::about(admin.actor(), "vote.configured", "programme", programme_id)
            .details(details),
    )
    .await?;
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
    vote_id: i64,
    competition_id: Option<i64>,
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
            vote_id: Set(self.vote_id),
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
            OnConflict::columns([ballot::Column::VoteId, ballot::Column::Email])
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
            .filter(ballot::Column::VoteId.eq(self.vote_id))
            .filter(ballot::Column::Email.eq(&self.email))
            .one(txn)
            .await?
            .ok_or_else(|| ServiceError::Corrupt("ballot not stored".into()))?;
        if stored.voided_at.is_some() {
            return Ok(());
        }
        // The links this address was sent for this vote, counted after the
        // upsert: on PostgreSQL it holds the ballot's row lock, so a parallel
        // request for the same address waits and counts this one (SQLite lets
        // one writer in at a time).
        let sent: Vec<DateTime<Utc>> = audit_entry::Entity::find()
            .select_only()
            .column(audit_entry::Column::OccurredAt)
            .filter(audit_entry::Column::SubjectType.eq("ballot"))
            .filter(audit_entry::Column::SubjectId.eq(stored.id))
            .filter(audit_entry::Column::Action.eq("ballot.requested"))
            .filter(audit_entry::Column::OccurredAt.gt(self.now - chrono::Duration::hours(1)))
            .into_tuple()
            .all(txn)
            .await?;
        rules::check_links(&sent, self.now)?;
        outbox::enqueue(
            txn,
            self.now,
            &DomainEvent::BallotRequested {
                ballot_id: stored.id,
                mail: PersonalMail {
                    email: self.email.clone(),
                    locale: self.locale.clone(),
                    competition_id: self.competition_id,
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
/// learns who voted; only past [`rules::LINKS_PER_HOUR`] links to one address
/// within an hour is the next refused (`TooManyLinks`), and that refusal
/// tells no more than that links were asked for in that hour.
pub async fn submit(
    db: &DatabaseConnection,
    writes: &Writes,
    now: DateTime<Utc>,
    public_url: &str,
    subject: &Subject,
    request: BallotRequest,
) -> Result<(), ServiceError> {
    let scope = subject.scope();
    let vote = public(db, subject.clone(), now)
        .await?
        .ok_or_else(|| ServiceError::not_found("vote", format!("{scope:?}")))?;
    let keys: Vec<String> = vote.shortlist.iter().map(|l| l.key.clone()).collect();
    let checked = rules::check_ballot(&vote.rules, &keys, &request.choices, now)?;
    let locale = if request.locale == "en" { "en" } else { "de" }.to_owned();
    let raw = token();
    let confirm_url = format!(
        "{}/abstimmung/bestaetigen?token={raw}&lang={locale}",
        public_url.trim_end_matches('/')
    );
    let listed: BTreeMap<&str, &Listed> =
        vote.shortlist.iter().map(|l| (l.key.as_str(), l)).collect();
    let choices: Vec<serde_json::Value> = checked
        .iter()
        .map(|(key, points)| {
            let found = listed.get(key.as_str());
            json!({
                "kennzahl": found.map(|l| l.kennzahl.as_str()).unwrap_or(key),
                "title": found.map(|l| l.title.as_str()).unwrap_or_default(),
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
        vote_id: vote.vote.id,
        competition_id: subject.competition_id(),
        email: request.email.into_string().to_lowercase(),
        locale,
        choices: serde_json::to_string(&checked).expect("choices serialize"),
        token_hash: hash(&raw),
        client_tag: request.client_tag,
        now,
        mail_context: json!({
            "competition_name": subject.name(),
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
    pub scope: VoteScope,
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
        let vote = vote::Entity::find_by_id(found.vote_id)
            .one(txn)
            .await?
            .ok_or_else(invalid)?;
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
            scope: vote.scope(),
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

/// Proof that the holder may keep a vote (watch its signals, void ballots,
/// read its result): staff of the competition for a competition's vote,
/// an administrator for the programme's.
#[derive(Debug, Clone)]
pub struct Keeper {
    person_id: i64,
    scope: VoteScope,
}

impl Keeper {
    pub fn of_competition(manager: &Manager) -> Self {
        Self {
            person_id: manager.person().id,
            scope: VoteScope::Competition(manager.competition_id()),
        }
    }

    pub fn of_programme(admin: &Admin, programme_id: i64) -> Self {
        Self {
            person_id: admin.person().id,
            scope: VoteScope::Programme(programme_id),
        }
    }

    pub fn scope(&self) -> VoteScope {
        self.scope
    }

    fn actor(&self) -> Actor {
        Actor::User(self.person_id)
    }
}

async fn kept(conn: &impl ConnectionTrait, keeper: &Keeper) -> Result<vote::Model, ServiceError> {
    find(conn, keeper.scope)
        .await?
        .ok_or_else(|| ServiceError::not_found("vote", format!("{:?}", keeper.scope)))
}

/// Voids a ballot with a reason (audited); it never counts again.
pub async fn void(
    db: &DatabaseConnection,
    keeper: &Keeper,
    now: DateTime<Utc>,
    ballot_id: i64,
    reason: &str,
) -> Result<(), ServiceError> {
    let reason = reason.trim();
    if !(3..=1000).contains(&reason.chars().count()) {
        return Err(VoteError::Reason.into());
    }
    let txn = db::begin_write(db).await?;
    let held = kept(&txn, keeper).await?;
    let found = ballot::Entity::find_by_id(ballot_id)
        .filter(ballot::Column::VoteId.eq(held.id))
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("ballot", ballot_id))?;
    let done = ballot::Entity::update_many()
        .col_expr(ballot::Column::VoidedAt, Expr::value(now))
        .col_expr(ballot::Column::VoidedBy, Expr::value(keeper.person_id))
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
        AuditRecord::about(keeper.actor(), "ballot.voided", "ballot", found.id)
            .reason(Some(reason))
            .details(json!({
                "vote_id": held.id,
                "competition_id": held.competition_id,
                "programme_id": held.programme_id,
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
    keeper: &Keeper,
) -> Result<(Counts, Vec<Reviewed>), ServiceError> {
    let Some(held) = find(conn, keeper.scope).await? else {
        return Ok((Counts::default(), Vec::new()));
    };
    let rows = ballot::Entity::find()
        .filter(ballot::Column::VoteId.eq(held.id))
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
    keeper: &Keeper,
    now: DateTime<Utc>,
) -> Result<VoteResult, ServiceError> {
    result_of(conn, keeper.scope, now).await
}

/// The result beside the ranking for whoever presides over the jury's
/// sitting (the chair, staff): anonymous, by Kennzahl.
pub async fn result_for_sitting(
    conn: &impl ConnectionTrait,
    presiding: &super::authorization::Presiding,
    now: DateTime<Utc>,
) -> Result<Option<VoteResult>, ServiceError> {
    let scope = VoteScope::Competition(presiding.competition_id());
    if find(conn, scope).await?.is_none() {
        return Ok(None);
    }
    match result_of(conn, scope, now).await {
        Ok(result) => Ok(Some(result)),
        Err(ServiceError::Vote(VoteError::Hidden)) => Ok(None),
        Err(err) => Err(err),
    }
}

async fn result_of(
    conn: &impl ConnectionTrait,
    scope: VoteScope,
    now: DateTime<Utc>,
) -> Result<VoteResult, ServiceError> {
    let vote = find(conn, scope)
        .await?
        .ok_or_else(|| ServiceError::not_found("vote", format!("{scope:?}")))?;
    let rules = vote.rules();
    if rules.phase(now) != VotePhase::Closed {
        return Err(VoteError::Hidden.into());
    }
    let counted: Vec<Option<String>> = ballot::Entity::find()
        .select_only()
        .column(ballot::Column::Choices)
        .filter(ballot::Column::VoteId.eq(vote.id))
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
    let listed = shortlist(conn, &vote).await?;
    let keys: Vec<String> = listed.iter().map(|l| l.key.clone()).collect();
    let counts = counts(conn, vote.id).await?;
    let by_key: HashMap<&str, &Listed> = listed.iter().map(|l| (l.key.as_str(), l)).collect();
    let tally = rules::tally(&keys, ballots.iter())
        .into_iter()
        .filter_map(|t| {
            let l = (*by_key.get(t.kennzahl.as_str())?).clone();
            Some((t, l))
        })
        .collect();
    Ok(VoteResult {
        rules,
        counts,
        tally,
    })
}

/// A vote's ballots' counts, by index.
pub async fn counts(conn: &impl ConnectionTrait, vote_id: i64) -> Result<Counts, ServiceError> {
    let base = || ballot::Entity::find().filter(ballot::Column::VoteId.eq(vote_id));
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
