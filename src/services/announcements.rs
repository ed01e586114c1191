//! The announcement of a competition's results (rules in
//! [`crate::domain::announcement`]): staff schedule it; the scheduler makes it
//! at the embargo through the lifecycle's compare-and-set, so exactly one
//! instance moves the competition to `announced`, and only then are the
//! results readable and the results' emails derived from the committed event.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, sea_query::OnConflict,
};
use serde_json::{Value, json};

use super::audit::{self, AuditRecord};
use super::authorization::Manager;
use super::emails::NewEmail;
use super::{ServiceError, competitions, db};
use crate::domain::CompetitionState;
use crate::domain::announcement::{self as rules, AnnouncementError};
use crate::domain::money::Money;
use crate::domain::prizes::{PrizeKind, Tier};
use crate::entities::{
    announcement, award, competition, entry, entry_author, panel_member, prize, score, score_sheet,
    user,
};

/// What staff set when they schedule the announcement.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub at: DateTime<Utc>,
    pub statement: String,
    pub with_feedback: bool,
}

/// The competition's announcement, if one is scheduled or made.
pub async fn find(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<Option<announcement::Model>, ServiceError> {
    Ok(announcement::Entity::find_by_id(competition_id)
        .one(conn)
        .await?)
}

/// Schedules (or moves) the announcement of a decided competition: nothing
/// is sent and nothing becomes public now; the scheduler announces at `at`.
pub async fn schedule(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    request: Schedule,
) -> Result<announcement::Model, ServiceError> {
    let id = manager.competition_id();
    let statement = request.statement.trim().to_owned();
    let txn = db::begin_write(db).await?;
    db::lock_row::<competition::Entity>(&txn, id).await?;
    let competition = competitions::find(&txn, id).await?;
    rules::check_schedule(competition.state, request.at, now, &statement)?;
    let before = find(&txn, id).await?;
    if before.as_ref().is_some_and(|a| a.announced_at.is_some()) {
        return Err(AnnouncementError::Announced.into());
    }
    announcement::Entity::insert(announcement::ActiveModel {
        competition_id: Set(id),
        scheduled_for: Set(request.at),
        statement: Set(statement.clone()),
        with_feedback: Set(request.with_feedback),
        scheduled_by: Set(Some(manager.person().id)),
        updated_at: Set(now),
        announced_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(announcement::Column::CompetitionId)
            .update_columns([
                announcement::Column::ScheduledFor,
                announcement::Column::Statement,
                announcement::Column::WithFeedback,
                announcement::Column::ScheduledBy,
                announcement::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "announcement.scheduled", "competition", id).details(
            json!({
                "scheduled_for": request.at,
                "previous_scheduled_for": before.as_ref().map(|a| a.scheduled_for),
                "with_feedback": request.with_feedback,
            }),
        ),
    )
    .await?;
    let stored = find(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::Corrupt(format!("announcement {id} not stored")))?;
    txn.commit().await?;
    Ok(stored)
}

/// Takes a scheduled announcement back (before it is made).
pub async fn unschedule(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let id = manager.competition_id();
    let txn = db::begin_write(db).await?;
    db::lock_row::<competition::Entity>(&txn, id).await?;
    let Some(before) = find(&txn, id).await? else {
        return Err(ServiceError::not_found("announcement", id));
    };
    if before.announced_at.is_some() {
        return Err(AnnouncementError::Announced.into());
    }
    announcement::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(
            manager.actor(),
            "announcement.unscheduled",
            "competition",
            id,
        )
        .details(json!({ "scheduled_for": before.scheduled_for })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The decided competitions whose embargo has passed, for the scheduler.
pub async fn due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<competition::Model>, ServiceError> {
    let scheduled = announcement::Entity::find()
        .filter(announcement::Column::AnnouncedAt.is_null())
        .filter(announcement::Column::ScheduledFor.lte(now))
        .all(db)
        .await?;
    let mut due = Vec::new();
    for row in scheduled {
        let competition = competitions::find(db, row.competition_id).await?;
        if rules::is_due(competition.state, row.scheduled_for, row.announced_at, now) {
            due.push(competition);
        }
    }
    Ok(due)
}

/// Records the moment of the announcement, inside the transaction of the
/// lifecycle move to `announced` (made by the clock or by staff at once).
pub(crate) async fn mark_announced(
    txn: &impl ConnectionTrait,
    competition_id: i64,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    announcement::Entity::insert(announcement::ActiveModel {
        competition_id: Set(competition_id),
        scheduled_for: Set(now),
        statement: Set(String::new()),
        with_feedback: Set(false),
        scheduled_by: Set(None),
        updated_at: Set(now),
        announced_at: Set(Some(now)),
    })
    .on_conflict(
        OnConflict::column(announcement::Column::CompetitionId)
            .update_columns([
                announcement::Column::AnnouncedAt,
                announcement::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(txn)
    .await?;
    Ok(())
}

/// One prize as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicPrize {
    pub tier: Tier,
    pub kind: PrizeKind,
    pub label: String,
    /// What this entry receives (a tie's share of the prize).
    pub amount: Money,
}

/// An awarded entry on the results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Winner {
    pub entry_id: i64,
    pub kennzahl: String,
    pub title: String,
    pub summary: String,
    /// Who is credited in public: only the entry form's public fields
    /// (school and class, organisation …), never children's names; None when
    /// the form has none.
    pub credit: Option<String>,
    pub prizes: Vec<PublicPrize>,
}

/// A competition's results, once announced.
#[derive(Debug, Clone)]
pub struct Results {
    pub competition: competition::Model,
    pub statement: String,
    pub announced_at: Option<DateTime<Utc>>,
    pub winners: Vec<Winner>,
}

/// The results of the competition; None before the announcement (whatever
/// is stored already), so no caller can show them early.
pub async fn results(
    conn: &impl ConnectionTrait,
    competition: &competition::Model,
) -> Result<Option<Results>, ServiceError> {
    if !rules::results_public(competition.state) {
        return Ok(None);
    }
    let announcement = find(conn, competition.id).await?;
    let winners = winners(conn, competition).await?;
    Ok(Some(Results {
        competition: competition.clone(),
        statement: announcement
            .as_ref()
            .map(|a| a.statement.clone())
            .unwrap_or_default(),
        announced_at: announcement.and_then(|a| a.announced_at),
        winners,
    }))
}

/// The entries with active awards, by their best prize's place, each with
/// its prizes and public credit.
pub(crate) async fn winners(
    conn: &impl ConnectionTrait,
    competition: &competition::Model,
) -> Result<Vec<Winner>, ServiceError> {
    let prizes: HashMap<i64, prize::Model> = prize::Entity::find()
        .filter(prize::Column::CompetitionId.eq(competition.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let awards = award::Entity::find()
        .filter(award::Column::CompetitionId.eq(competition.id))
        .filter(award::Column::WithdrawnAt.is_null())
        .order_by_asc(award::Column::Id)
        .all(conn)
        .await?;
    let form = competitions::form_of(competition)?;
    let mut by_entry: BTreeMap<i64, Vec<(i32, PublicPrize)>> = BTreeMap::new();
    for a in &awards {
        let p = prizes
            .get(&a.prize_id)
            .ok_or_else(|| ServiceError::Corrupt(format!("awards {}: prize", a.id)))?;
        let amount = Money::from_cents(a.amount_cents)
            .map_err(|_| ServiceError::Corrupt(format!("awards {}: amount", a.id)))?;
        by_entry.entry(a.entry_id).or_default().push((
            p.position,
            PublicPrize {
                tier: p.tier,
                kind: p.kind,
                label: p.label.clone(),
                amount,
            },
        ));
    }
    let ids: Vec<i64> = by_entry.keys().copied().collect();
    let mut entries: HashMap<i64, entry::Model> = HashMap::new();
    let mut authors: HashMap<i64, entry_author::Model> = HashMap::new();
    for chunk in ids.chunks(500) {
        for e in entry::Entity::find()
            .filter(entry::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            entries.insert(e.id, e);
        }
        for a in entry_author::Entity::find()
            .filter(entry_author::Column::EntryId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            authors.insert(a.entry_id, a);
        }
    }
    // Adults who agreed to be named (never children: the form decides).
    let mut names: HashMap<i64, String> = HashMap::new();
    if !form.for_minors {
        for chunk in ids.chunks(500) {
            for consent in crate::entities::name_consent::Entity::find()
                .filter(crate::entities::name_consent::Column::EntryId.is_in(chunk.to_vec()))
                .all(conn)
                .await?
            {
                names.insert(consent.entry_id, consent.public_name);
            }
        }
    }
    let mut winners: Vec<(Tier, i32, Winner)> = Vec::new();
    for (entry_id, mut won) in by_entry {
        let Some(e) = entries.remove(&entry_id) else {
            continue;
        };
        won.sort_by_key(|(position, p)| (p.tier, *position));
        let identity = authors
            .get(&entry_id)
            .map(|a| identity_of(&a.details))
            .unwrap_or_default();
        let (best_tier, best_position) = (won[0].1.tier, won[0].0);
        winners.push((
            best_tier,
            best_position,
            Winner {
                entry_id,
                kennzahl: e.kennzahl.unwrap_or_default(),
                title: e.title,
                summary: e.summary,
                credit: rules::credit(
                    form.for_minors,
                    names.get(&entry_id).map(String::as_str),
                    form.public_credit(&identity),
                ),
                prizes: won.into_iter().map(|(_, p)| p).collect(),
            },
        ));
    }
    winners.sort_by(|a, b| (a.0, a.1, &a.2.kennzahl).cmp(&(b.0, b.1, &b.2.kennzahl)));
    Ok(winners.into_iter().map(|(_, _, w)| w).collect())
}

/// The identifying answers of an author as text (non-text answers left out).
fn identity_of(details: &str) -> BTreeMap<String, String> {
    serde_json::from_str::<BTreeMap<String, Value>>(details)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(key, value)| match value {
            Value::String(text) => Some((key, text)),
            Value::Number(n) => Some((key, n.to_string())),
            _ => None,
        })
        .collect()
}

pub fn prize_text(prize: &PublicPrize, locale: &str) -> String {
    let amount = if locale == "en" {
        prize.amount.format_en()
    } else {
        prize.amount.format_de()
    };
    format!("{} ({amount})", prize.label)
}

/// The emails of the announcement, derived from the committed move to
/// `announced` (see [`super::notifications`]): each winner's author hears of
/// their prize, every other entrant is thanked (with their own anonymous jury
/// comments where the announcement says so), and the panel is told.
/// A submitted entry and where its results email goes.
#[derive(sea_orm::FromQueryResult)]
struct Addressee {
    id: i64,
    title: String,
    email: String,
    locale: String,
}

pub(crate) async fn mails(
    conn: &impl ConnectionTrait,
    event_id: i64,
    competition_id: i64,
    public_url: &str,
    facts: &(dyn Fn(&str) -> Value + Sync),
) -> Result<Vec<NewEmail>, ServiceError> {
    let competition = competitions::find(conn, competition_id).await?;
    let Some(results) = results(conn, &competition).await? else {
        return Ok(Vec::new());
    };
    let with_feedback = find(conn, competition_id)
        .await?
        .is_some_and(|a| a.with_feedback);
    let results_url = |locale: &str| {
        format!(
            "{}/wettbewerbe/{}/ergebnisse?lang={locale}",
            public_url.trim_end_matches('/'),
            competition.slug
        )
    };
    let won: HashMap<i64, &Winner> = results.winners.iter().map(|w| (w.entry_id, w)).collect();
    // Every submitted entry with its author's address and language, in one
    // query (not two per entry).
    let submitted = entry::Entity::find()
        .select_only()
        .columns([entry::Column::Id, entry::Column::Title])
        .column_as(user::Column::Email, "email")
        .column_as(user::Column::Locale, "locale")
        .join(JoinType::InnerJoin, entry::Relation::Author.def())
        .join(JoinType::InnerJoin, entry_author::Relation::User.def())
        .filter(entry::Column::CompetitionId.eq(competition_id))
        .filter(entry::Column::Status.eq(crate::domain::entries::EntryStatus::Submitted))
        .order_by_asc(entry::Column::Id)
        .into_model::<Addressee>()
        .all(conn)
        .await?;
    let feedback = if with_feedback {
        comments(conn, competition_id).await?
    } else {
        HashMap::new()
    };
    let mut mails = Vec::new();
    let key = |template: &str, to: &str| format!("event:{event_id}:{template}:{to}");
    for e in &submitted {
        let locale = e.locale.clone();
        let mut context = facts(&locale);
        let extra = match won.get(&e.id) {
            Some(winner) => {
                let prizes: Vec<String> = winner
                    .prizes
                    .iter()
                    .map(|p| prize_text(p, &locale))
                    .collect();
                let certificate_url = format!(
                    "{}/konto/ideen/{}/urkunde.pdf",
                    public_url.trim_end_matches('/'),
                    e.id
                );
                // Cash and grants need a bank account, vouchers an address.
                let payout_url =
                    (!crate::domain::payout::Needs::of(winner.prizes.iter().map(|p| p.kind))
                        .nothing())
                    .then(|| {
                        format!(
                            "{}/konto/ideen/{}/auszahlung",
                            public_url.trim_end_matches('/'),
                            e.id
                        )
                    });
                (
                    "results_winner",
                    json!({
                        "prize": prizes.join(", "),
                        "certificate_url": certificate_url,
                        "payout_url": payout_url,
                    }),
                )
            }
            None => (
                "results_entrant",
                json!({ "feedback": feedback.get(&e.id).cloned().unwrap_or_default() }),
            ),
        };
        let (template, fields) = extra;
        if let (Value::Object(context), Value::Object(fields)) = (&mut context, fields) {
            context.extend(fields);
            context.insert("entry_title".into(), json!(e.title));
            context.insert("results_url".into(), json!(results_url(&locale)));
        }
        mails.push(NewEmail {
            idempotency_key: key(template, &e.email),
            template,
            locale,
            context,
            recipient: e.email.clone(),
            competition_id: Some(competition_id),
            event_id: Some(event_id),
        });
    }
    let seats = panel_member::Entity::find()
        .filter(panel_member::Column::CompetitionId.eq(competition_id))
        .filter(panel_member::Column::AcceptedAt.is_not_null())
        .all(conn)
        .await?;
    let mut told = HashSet::new();
    for seat in seats {
        let Some(person) = user::Entity::find_by_id(seat.user_id).one(conn).await? else {
            continue;
        };
        if !told.insert(person.email.clone()) {
            continue;
        }
        let locale = person.locale.clone();
        let mut context = facts(&locale);
        if let Value::Object(context) = &mut context {
            context.insert("juror_name".into(), json!(person.display_name));
            context.insert("results_url".into(), json!(results_url(&locale)));
            context.insert("winners".into(), json!(results.winners.len()));
        }
        mails.push(NewEmail {
            idempotency_key: key("results_jury", &person.email),
            template: "results_jury",
            locale,
            context,
            recipient: person.email.clone(),
            competition_id: Some(competition_id),
            event_id: Some(event_id),
        });
    }
    Ok(mails)
}

/// The jurors' comments on each entry from their submitted sheets, without
/// who wrote them (the anonymous feedback of the thank-you email).
async fn comments(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<HashMap<i64, Vec<String>>, ServiceError> {
    let sheets: HashMap<i64, i64> = score_sheet::Entity::find()
        .filter(score_sheet::Column::CompetitionId.eq(competition_id))
        .filter(score_sheet::Column::SubmittedAt.is_not_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.entry_id))
        .collect();
    let ids: Vec<i64> = sheets.keys().copied().collect();
    let mut comments: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for row in score::Entity::find()
            .filter(score::Column::SheetId.is_in(chunk.to_vec()))
            .order_by_asc(score::Column::SheetId)
            .all(conn)
            .await?
        {
            let text = row.comment.trim();
            if let (false, Some(entry)) = (text.is_empty(), sheets.get(&row.sheet_id)) {
                comments.entry(*entry).or_default().push(text.to_owned());
            }
        }
    }
    Ok(comments)
}

/// Whether the competition's state lets its results be shown.
pub fn public(state: CompetitionState) -> bool {
    rules::results_public(state)
}

/// A winner's certificate as PDF, for the entry's authors and the
/// competition's staff, once the results are announced (an entry without a
/// prize has none; to anyone else the entry does not exist).
pub async fn certificate(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    entry_id: i64,
    place: Option<String>,
) -> Result<Vec<u8>, ServiceError> {
    let competition_id = match super::authorization::entry_author(conn, person, entry_id).await {
        Ok(author) => author.entry().competition_id,
        Err(ServiceError::NotFound { .. }) => {
            super::authorization::manager_of_entry(conn, person, entry_id)
                .await
                .map_err(|_| ServiceError::not_found("entry", entry_id))?
                .competition_id()
        }
        Err(err) => return Err(err),
    };
    certificate_of(conn, competition_id, entry_id, place).await
}

async fn certificate_of(
    conn: &impl ConnectionTrait,
    competition_id: i64,
    entry_id: i64,
    place: Option<String>,
) -> Result<Vec<u8>, ServiceError> {
    let competition = competitions::find(conn, competition_id).await?;
    let none = || ServiceError::not_found("certificate", entry_id);
    let results = results(conn, &competition).await?.ok_or_else(none)?;
    let winner = results
        .winners
        .iter()
        .find(|w| w.entry_id == entry_id)
        .ok_or_else(none)?;
    let programme = crate::entities::programme::Entity::find_by_id(competition.programme_id)
        .one(conn)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let day = results
        .announced_at
        .map(|at| {
            at.with_timezone(&chrono_tz::Europe::Berlin)
                .format("%d.%m.%Y")
                .to_string()
        })
        .unwrap_or_default();
    let document = crate::documents::certificate::Certificate {
        programme,
        competition: competition.full_name(),
        title: winner.title.clone(),
        kennzahl: winner.kennzahl.clone(),
        credit: winner.credit.clone(),
        prizes: winner
            .prizes
            .iter()
            .map(|p| {
                format!(
                    "{}: {}",
                    crate::documents::certificate::tier_de(p.tier),
                    prize_text(p, "de")
                )
            })
            .collect(),
        day,
        place,
    };
    crate::documents::certificate::pdf(&document)
        .map_err(|err| ServiceError::Corrupt(err.to_string()))
}

/// One line of the results export: an awarded prize with its entry and the
/// entrant (for the city's records: staff only).
pub struct ResultLine {
    pub tier: Tier,
    pub prize: String,
    pub kind: PrizeKind,
    pub amount: Money,
    pub entry_id: i64,
    pub kennzahl: String,
    pub title: String,
    pub credit: Option<String>,
    pub contact_name: String,
    pub email: String,
}

/// The lead author's contact name and email address (empty for an entrant
/// without one) per entry, for the city's records.
pub(crate) async fn lead_contacts(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, (String, String)>, ServiceError> {
    let mut contacts = HashMap::new();
    for chunk in ids.chunks(500) {
        for (author, person) in entry_author::Entity::find()
            .filter(entry_author::Column::EntryId.is_in(chunk.to_vec()))
            .find_also_related(user::Entity)
            .all(conn)
            .await?
        {
            let email = person
                .map(|p| p.email)
                .filter(|e| !super::entries::has_no_address(e))
                .unwrap_or_default();
            contacts.insert(author.entry_id, (author.contact_name, email));
        }
    }
    Ok(contacts)
}

/// Every active award of the competition with its entry and entrant, by the
/// entries' best prizes (as on the results), for staff.
pub async fn result_lines(
    conn: &impl ConnectionTrait,
    manager: &Manager,
) -> Result<Vec<ResultLine>, ServiceError> {
    let competition = competitions::find(conn, manager.competition_id()).await?;
    let winners = winners(conn, &competition).await?;
    let ids: Vec<i64> = winners.iter().map(|w| w.entry_id).collect();
    let contacts = lead_contacts(conn, &ids).await?;
    let mut lines = Vec::new();
    for w in winners {
        let (contact_name, email) = contacts.get(&w.entry_id).cloned().unwrap_or_default();
        for p in &w.prizes {
            lines.push(ResultLine {
                tier: p.tier,
                prize: p.label.clone(),
                kind: p.kind,
                amount: p.amount,
                entry_id: w.entry_id,
                kennzahl: w.kennzahl.clone(),
                title: w.title.clone(),
                credit: w.credit.clone(),
                contact_name: contact_name.clone(),
                email: email.clone(),
            });
        }
    }
    Ok(lines)
}
