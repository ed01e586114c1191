//! Winners' payout details: the lead author of an awarded entry enters what
//! the prizes need (a bank account, a postal address) once the results are
//! announced; staff see whether it is there (the IBAN masked); administrators
//! export it for the city's treasury, each export audited.
//!
//! The details are sealed with [`SecretBox`] and bound to their entry; the
//! audit log records who saved and who exported, never the details.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::json;

use super::announcements::{self, PublicPrize, Winner};
use super::audit::{self, AuditRecord};
use super::authorization::{self, Admin, Manager};
use super::secrets::SecretBox;
use super::{ServiceError, competitions, db};
use crate::domain::money::Money;
use crate::domain::payout::{self, Details, Needs, Typed};
use crate::entities::{competition, entry, entry_author, payout_detail, user};

/// The payout form of one awarded entry, for its lead author.
#[derive(Debug, Clone)]
pub struct PayoutForm {
    pub entry_id: i64,
    pub competition: competition::Model,
    pub kennzahl: String,
    pub title: String,
    pub prizes: Vec<PublicPrize>,
    pub needs: Needs,
    /// What is stored, opened for its author.
    pub stored: Option<Details>,
    pub updated_at: Option<DateTime<Utc>>,
    /// Whether the author may be named with the results (adults only).
    pub may_be_named: bool,
    /// The name the author agreed to publish, if any.
    pub public_name: Option<String>,
    /// The contact name given with the entry, offered as the name to publish.
    pub contact_name: String,
}

impl PayoutForm {
    pub fn complete(&self) -> bool {
        self.needs.nothing()
            || self
                .stored
                .as_ref()
                .is_some_and(|d| d.complete_for(self.needs))
    }
}

fn context(entry_id: i64) -> String {
    format!("payout:{entry_id}")
}

fn open(keys: &SecretBox, row: &payout_detail::Model) -> Result<Details, ServiceError> {
    let plain = keys
        .open(&context(row.entry_id), &row.sealed)
        .map_err(|err| {
            ServiceError::Corrupt(format!("payout details of entry {}: {err}", row.entry_id))
        })?;
    serde_json::from_slice(&plain).map_err(|err| {
        ServiceError::Corrupt(format!("payout details of entry {}: {err}", row.entry_id))
    })
}

/// The awarded entry `entry_id` of `person`'s, once the results are
/// announced; "not found" for anyone else, for an entry without a prize
/// and before the announcement. Only the person who started the entry
/// enters the details (co-authors see that the form exists).
async fn winner_of(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    entry_id: i64,
) -> Result<(competition::Model, Winner), ServiceError> {
    let author = authorization::entry_author(conn, person, entry_id).await?;
    author.lead("enter the payout details")?;
    let competition = competitions::find(conn, author.entry().competition_id).await?;
    let none = || ServiceError::not_found("payout", entry_id);
    let results = announcements::results(conn, &competition)
        .await?
        .ok_or_else(none)?;
    let winner = results
        .winners
        .into_iter()
        .find(|w| w.entry_id == entry_id)
        .ok_or_else(none)?;
    Ok((competition, winner))
}

/// Which of `entry_ids` hold a prize (not withdrawn), for the links on the
/// entrant's list; whether the results are public is for the caller to check.
pub async fn awarded(
    conn: &impl ConnectionTrait,
    entry_ids: &[i64],
) -> Result<std::collections::HashSet<i64>, ServiceError> {
    let mut found = std::collections::HashSet::new();
    for chunk in entry_ids.chunks(500) {
        for a in crate::entities::award::Entity::find()
            .filter(crate::entities::award::Column::EntryId.is_in(chunk.to_vec()))
            .filter(crate::entities::award::Column::WithdrawnAt.is_null())
            .all(conn)
            .await?
        {
            found.insert(a.entry_id);
        }
    }
    Ok(found)
}

/// The form with what is stored.
pub async fn form(
    conn: &impl ConnectionTrait,
    keys: &SecretBox,
    person: &user::Model,
    entry_id: i64,
) -> Result<PayoutForm, ServiceError> {
    let (competition, winner) = winner_of(conn, person, entry_id).await?;
    let row = payout_detail::Entity::find_by_id(entry_id)
        .one(conn)
        .await?;
    let stored = row.as_ref().map(|r| open(keys, r)).transpose()?;
    let form = competitions::form_of(&competition)?;
    let public_name = crate::entities::name_consent::Entity::find_by_id(entry_id)
        .one(conn)
        .await?
        .map(|c| c.public_name);
    let contact_name = entry_author::Entity::find()
        .filter(entry_author::Column::EntryId.eq(entry_id))
        .one(conn)
        .await?
        .map(|a| a.contact_name)
        .unwrap_or_default();
    Ok(PayoutForm {
        may_be_named: !form.for_minors,
        public_name,
        contact_name,
        entry_id,
        needs: Needs::of(winner.prizes.iter().map(|p| p.kind)),
        competition,
        kennzahl: winner.kennzahl,
        title: winner.title,
        prizes: winner.prizes,
        stored,
        updated_at: row.map(|r| r.updated_at),
    })
}

/// Checks and stores the details (replacing any before), in one transaction
/// with its audit row. Nothing is stored when a field is wrong: every
/// problem comes back at once.
pub async fn save(
    db: &DatabaseConnection,
    keys: &SecretBox,
    person: &user::Model,
    entry_id: i64,
    now: DateTime<Utc>,
    typed: &Typed,
) -> Result<PayoutForm, ServiceError> {
    let txn = db::begin_write(db).await?;
    db::lock_row::<entry::Entity>(&txn, entry_id).await?;
    let mut form = form(&txn, keys, person, entry_id).await?;
    if form.needs.nothing() {
        return Err(ServiceError::invalid(
            "payout",
            "this entry's prizes are events: the city needs no payout details",
        ));
    }
    let details = payout::check(typed, form.needs).map_err(ServiceError::Fields)?;
    let plain = serde_json::to_vec(&details).expect("details serialize");
    let masked = payout::mask(&details.iban);
    payout_detail::Entity::insert(payout_detail::ActiveModel {
        entry_id: Set(entry_id),
        sealed: Set(keys.seal(&context(entry_id), &plain)),
        iban_masked: Set(masked.clone()),
        has_address: Set(details.has_address()),
        updated_by: Set(Some(person.id)),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(payout_detail::Column::EntryId)
            .update_columns([
                payout_detail::Column::Sealed,
                payout_detail::Column::IbanMasked,
                payout_detail::Column::HasAddress,
                payout_detail::Column::UpdatedBy,
                payout_detail::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(
            super::Actor::User(person.id),
            "payout.saved",
            "entry",
            entry_id,
        )
        .details(json!({
            "replaced": form.stored.is_some(),
            "iban": masked,
            "address": details.has_address(),
        })),
    )
    .await?;
    txn.commit().await?;
    form.stored = Some(details);
    form.updated_at = Some(now);
    Ok(form)
}

/// Names the author with the results (`Some`), or withdraws that consent
/// (`None`): adults only, by the person who started the entry, once the
/// results are announced; in one transaction with its audit row.
pub async fn set_public_name(
    db: &DatabaseConnection,
    keys: &SecretBox,
    person: &user::Model,
    entry_id: i64,
    now: DateTime<Utc>,
    name: Option<&str>,
) -> Result<PayoutForm, ServiceError> {
    use crate::entities::name_consent;
    let txn = db::begin_write(db).await?;
    db::lock_row::<entry::Entity>(&txn, entry_id).await?;
    let form = form(&txn, keys, person, entry_id).await?;
    let for_minors = !form.may_be_named;
    match name {
        Some(name) => {
            let name = crate::domain::announcement::public_name(for_minors, name).map_err(
                |err| match err {
                    crate::domain::announcement::NamingError::Minors => {
                        ServiceError::Forbidden(err.to_string())
                    }
                    crate::domain::announcement::NamingError::Length => {
                        ServiceError::invalid("public_name", err.to_string())
                    }
                },
            )?;
            name_consent::Entity::insert(name_consent::ActiveModel {
                entry_id: Set(entry_id),
                public_name: Set(name.clone()),
                given_by: Set(Some(person.id)),
                given_at: Set(now),
            })
            .on_conflict(
                OnConflict::column(name_consent::Column::EntryId)
                    .update_columns([
                        name_consent::Column::PublicName,
                        name_consent::Column::GivenBy,
                        name_consent::Column::GivenAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            audit::record(
                &txn,
                now,
                AuditRecord::about(
                    super::Actor::User(person.id),
                    "credit.named",
                    "entry",
                    entry_id,
                )
                .details(json!({ "public_name": name })),
            )
            .await?;
        }
        None => {
            name_consent::Entity::delete_by_id(entry_id)
                .exec(&txn)
                .await?;
            audit::record(
                &txn,
                now,
                AuditRecord::about(
                    super::Actor::User(person.id),
                    "credit.unnamed",
                    "entry",
                    entry_id,
                ),
            )
            .await?;
        }
    }
    let stored = self::form(&txn, keys, person, entry_id).await?;
    txn.commit().await?;
    Ok(stored)
}

/// One awarded entry as staff see its payout: what is needed and whether it
/// is there, the IBAN masked.
#[derive(Debug, Clone)]
pub struct PayoutLine {
    pub entry_id: i64,
    pub kennzahl: String,
    pub title: String,
    pub amount: Money,
    pub needs: Needs,
    pub iban_masked: String,
    pub has_address: bool,
    pub updated_at: Option<DateTime<Utc>>,
}

impl PayoutLine {
    pub fn complete(&self) -> bool {
        (!self.needs.bank || !self.iban_masked.is_empty())
            && (!self.needs.address || self.has_address)
    }
}

async fn lines(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<
    (
        competition::Model,
        Vec<PayoutLine>,
        HashMap<i64, payout_detail::Model>,
    ),
    ServiceError,
> {
    let competition = competitions::find(conn, competition_id).await?;
    let winners = announcements::winners(conn, &competition).await?;
    let ids: Vec<i64> = winners.iter().map(|w| w.entry_id).collect();
    let mut rows: HashMap<i64, payout_detail::Model> = HashMap::new();
    for chunk in ids.chunks(500) {
        for row in payout_detail::Entity::find()
            .filter(payout_detail::Column::EntryId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            rows.insert(row.entry_id, row);
        }
    }
    let lines = winners
        .into_iter()
        .map(|w| {
            let row = rows.get(&w.entry_id);
            PayoutLine {
                entry_id: w.entry_id,
                needs: Needs::of(w.prizes.iter().map(|p| p.kind)),
                amount: Money::from_cents(w.prizes.iter().map(|p| p.amount.cents()).sum())
                    .unwrap_or_default(),
                kennzahl: w.kennzahl,
                title: w.title,
                iban_masked: row.map(|r| r.iban_masked.clone()).unwrap_or_default(),
                has_address: row.is_some_and(|r| r.has_address),
                updated_at: row.map(|r| r.updated_at),
            }
        })
        .collect();
    Ok((competition, lines, rows))
}

/// Every awarded entry of the competition with its payout status, for its
/// staff.
pub async fn overview(
    conn: &impl ConnectionTrait,
    manager: &Manager,
) -> Result<Vec<PayoutLine>, ServiceError> {
    Ok(lines(conn, manager.competition_id()).await?.1)
}

/// One line of the treasury's export: the entry, the amount and the opened
/// details with the lead author's contact.
#[derive(Debug, Clone)]
pub struct PayoutRecord {
    pub line: PayoutLine,
    pub details: Details,
    pub contact_name: String,
    pub email: String,
}

/// The competition's payout details in full, for an administrator; the
/// export is recorded in the audit log (who, when, how many) before it is
/// handed out.
pub async fn export(
    db: &DatabaseConnection,
    keys: &SecretBox,
    admin: &Admin,
    competition_id: i64,
    now: DateTime<Utc>,
) -> Result<(competition::Model, Vec<PayoutRecord>), ServiceError> {
    let txn = db::begin_write(db).await?;
    let (competition, lines, rows) = lines(&txn, competition_id).await?;
    let ids: Vec<i64> = lines.iter().map(|l| l.entry_id).collect();
    let mut contacts = announcements::lead_contacts(&txn, &ids).await?;
    let mut records = Vec::with_capacity(lines.len());
    for line in lines {
        let details = match rows.get(&line.entry_id) {
            Some(row) => open(keys, row)?,
            None => Details::default(),
        };
        let (contact_name, email) = contacts.remove(&line.entry_id).unwrap_or_default();
        records.push(PayoutRecord {
            line,
            details,
            contact_name,
            email,
        });
    }
    audit::record(
        &txn,
        now,
        AuditRecord::about(
            admin.actor(),
            "payout.exported",
            "competition",
            competition_id,
        )
        .details(json!({
            "entries": records.len(),
            "with_details": records.iter().filter(|r| r.line.complete()).count(),
        })),
    )
    .await?;
    txn.commit().await?;
    Ok((competition, records))
}
