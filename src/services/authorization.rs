//! Who may act on what: the one place where permissions are decided.
//!
//! Each capability is a value only this module can make, obtained once per request
//! by the edge (API security scheme or page extractor). Services that read or
//! change protected data take one as an argument, so no handler can forget a check
//! and no service can hand out what its caller may not see.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{Actor, ServiceError};
use crate::domain::CompetitionState;
use crate::domain::jury::conflicts::ConflictStatus;
use crate::domain::jury::panel::PanelRole;
use crate::domain::roles::Role;
use crate::entities::{
    competition, competition_coordinator, conflict, entry, entry_author, entry_coauthor,
    panel_member, precheck, user,
};

/// Proof of an administrator (city staff): accounts, programmes, the outbox and
/// every competition.
#[derive(Debug, Clone)]
pub struct Admin(user::Model);

/// Proof of staff (an administrator or a coordinator): the staff pages, limited to
/// the competitions each may manage.
#[derive(Debug, Clone)]
pub struct Staff(user::Model);

/// Proof that the holder may manage one competition: an administrator, or a
/// coordinator assigned to it. It names the competition; services act on that one.
#[derive(Debug, Clone)]
pub struct Manager {
    person: user::Model,
    competition_id: i64,
}

impl Admin {
    pub fn person(&self) -> &user::Model {
        &self.0
    }

    pub fn actor(&self) -> Actor {
        Actor::User(self.0.id)
    }

    /// Administrators manage every competition.
    pub fn manager_of(&self, competition_id: i64) -> Manager {
        Manager {
            person: self.0.clone(),
            competition_id,
        }
    }
}

impl Staff {
    pub fn person(&self) -> &user::Model {
        &self.0
    }

    pub fn is_admin(&self) -> bool {
        self.0.role == Role::Admin
    }
}

impl Manager {
    pub fn person(&self) -> &user::Model {
        &self.person
    }

    pub fn actor(&self) -> Actor {
        Actor::User(self.person.id)
    }

    pub fn competition_id(&self) -> i64 {
        self.competition_id
    }
}

/// `person` as an administrator, or a refusal.
pub fn admin(person: user::Model) -> Result<Admin, ServiceError> {
    match person.role {
        Role::Admin => Ok(Admin(person)),
        Role::Coordinator | Role::Juror | Role::Entrant => Err(ServiceError::Forbidden(
            "this operation needs an administrator".into(),
        )),
    }
}

/// `person` as staff, or a refusal.
pub fn staff(person: user::Model) -> Result<Staff, ServiceError> {
    match person.role {
        Role::Admin | Role::Coordinator => Ok(Staff(person)),
        Role::Juror | Role::Entrant => Err(ServiceError::Forbidden(
            "this operation needs an administrator or coordinator".into(),
        )),
    }
}

/// `person` as a manager of the competition, or a refusal: administrators manage
/// every competition, coordinators the ones assigned to them.
pub async fn manager(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    competition_id: i64,
) -> Result<Manager, ServiceError> {
    let granted = || Manager {
        person: person.clone(),
        competition_id,
    };
    match person.role {
        Role::Admin => Ok(granted()),
        Role::Coordinator => {
            let assigned = competition_coordinator::Entity::find()
                .filter(competition_coordinator::Column::CompetitionId.eq(competition_id))
                .filter(competition_coordinator::Column::UserId.eq(person.id))
                .count(conn)
                .await?;
            if assigned > 0 {
                Ok(granted())
            } else {
                Err(ServiceError::Forbidden(format!(
                    "competition {competition_id} is not assigned to you; an administrator can assign it"
                )))
            }
        }
        Role::Juror | Role::Entrant => Err(ServiceError::Forbidden(
            "this needs an administrator or the competition's coordinator".into(),
        )),
    }
}

/// A manager of the competition an entry belongs to; an unknown entry is not found.
pub async fn manager_of_entry(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    entry_id: i64,
) -> Result<Manager, ServiceError> {
    let competition_id: Option<i64> = entry::Entity::find_by_id(entry_id)
        .select_only()
        .column(entry::Column::CompetitionId)
        .into_tuple()
        .one(conn)
        .await?;
    let competition_id =
        competition_id.ok_or_else(|| ServiceError::not_found("entry", entry_id))?;
    manager(conn, person, competition_id).await
}

/// How someone belongs to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// Started it; submits, withdraws and invites co-authors.
    Lead,
    /// Invited and accepted; reads and edits the content and attachments.
    Coauthor,
}

/// Proof that the holder wrote an entry or co-authors it, with the entry.
#[derive(Debug, Clone)]
pub struct EntryAuthor {
    person: user::Model,
    entry: entry::Model,
    membership: Membership,
}

impl EntryAuthor {
    pub fn person(&self) -> &user::Model {
        &self.person
    }

    pub fn entry(&self) -> &entry::Model {
        &self.entry
    }

    pub fn into_entry(self) -> entry::Model {
        self.entry
    }

    pub fn membership(&self) -> Membership {
        self.membership
    }

    /// The same proof if the holder started the entry; a co-author learns that
    /// only the lead may do `what`.
    pub fn lead(&self, what: &str) -> Result<&Self, ServiceError> {
        match self.membership {
            Membership::Lead => Ok(self),
            Membership::Coauthor => Err(ServiceError::LeadOnly(what.to_owned())),
        }
    }
}

/// `person` as an author of the entry; "not found" for anyone else (nobody learns
/// it exists).
pub async fn entry_author(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    id: i64,
) -> Result<EntryAuthor, ServiceError> {
    let lead = entry_author::Entity::find()
        .filter(entry_author::Column::EntryId.eq(id))
        .filter(entry_author::Column::UserId.eq(person.id))
        .one(conn)
        .await?
        .is_some();
    let membership = if lead {
        Membership::Lead
    } else {
        let coauthor = entry_coauthor::Entity::find()
            .filter(entry_coauthor::Column::EntryId.eq(id))
            .filter(entry_coauthor::Column::UserId.eq(person.id))
            .one(conn)
            .await?;
        if coauthor.is_none() {
            return Err(ServiceError::not_found("entry", id));
        }
        Membership::Coauthor
    };
    let entry = entry::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found("entry", id))?;
    Ok(EntryAuthor {
        person: person.clone(),
        entry,
        membership,
    })
}

/// Proof of a juror seated on one competition's panel (invited and accepted).
/// It is the only way a service hands an entry to a juror: through
/// [`Juror::entry`] and [`Juror::entries`], which give admitted entries of this
/// competition only, never one the juror declared or was found conflicted on,
/// and only while the jury works on them.
#[derive(Debug, Clone)]
pub struct Juror {
    person: user::Model,
    competition_id: i64,
    role: PanelRole,
    /// The competition's state when the seat was read (within the request).
    state: CompetitionState,
}

/// An entry a juror may see and score: admitted by the pre-check, of the
/// juror's competition, no conflict keeps the juror away. What the juror sees
/// of it is chosen by [`crate::services::jury::sheets`] (never its author).
#[derive(Debug, Clone)]
pub struct JurorEntry {
    entry: entry::Model,
    jury_note: String,
}

impl JurorEntry {
    pub fn entry(&self) -> &entry::Model {
        &self.entry
    }

    /// The pre-check's neutral note for the jury.
    pub fn jury_note(&self) -> &str {
        &self.jury_note
    }
}

/// The states in which jurors work on the entries.
const JURY_STATES: [CompetitionState; 2] = [CompetitionState::InReview, CompetitionState::Decided];

impl Juror {
    pub fn person(&self) -> &user::Model {
        &self.person
    }

    pub fn actor(&self) -> Actor {
        Actor::User(self.person.id)
    }

    pub fn competition_id(&self) -> i64 {
        self.competition_id
    }

    pub fn role(&self) -> PanelRole {
        self.role
    }

    pub fn is_chair(&self) -> bool {
        self.role == PanelRole::Chair
    }

    /// The query of the entries this juror may see (before the state check).
    /// Both conditions are correlated on the entry. `Lookup::PerEntry` leaves
    /// the competition out of them (the entry fixes it), so that PostgreSQL
    /// walks the Kennzahl index and looks up only the entries a page lists;
    /// `Lookup::Whole` keeps it, so that a count reads the competition's
    /// pre-checks by their index instead of all of them.
    fn visible(&self, lookup: Lookup) -> sea_orm::Select<entry::Entity> {
        use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, Query};
        let this_entry = |column: sea_orm::sea_query::ColumnRef| {
            Expr::col(column).equals((entry::Entity, entry::Column::Id))
        };
        let mut admitted = Query::select()
            .expr(Expr::val(1))
            .from(precheck::Entity)
            .and_where(this_entry(
                (precheck::Entity, precheck::Column::EntryId).into_column_ref(),
            ))
            .and_where(precheck::Column::Verdict.eq("admitted"))
            .to_owned();
        let mut kept_away = Query::select()
            .expr(Expr::val(1))
            .from(conflict::Entity)
            .and_where(this_entry(
                (conflict::Entity, conflict::Column::EntryId).into_column_ref(),
            ))
            .and_where(conflict::Column::JurorId.eq(self.person.id))
            .and_where(conflict::Column::Status.ne(ConflictStatus::Dismissed.as_str()))
            .to_owned();
        if lookup == Lookup::Whole {
            admitted.and_where(precheck::Column::CompetitionId.eq(self.competition_id));
            kept_away.and_where(conflict::Column::CompetitionId.eq(self.competition_id));
        }
        entry::Entity::find()
            .filter(entry::Column::CompetitionId.eq(self.competition_id))
            .filter(entry::Column::Status.eq(crate::domain::entries::EntryStatus::Submitted))
            .filter(Expr::exists(admitted))
            .filter(Expr::not_exists(kept_away))
    }

    /// The competition's state when the seat was read.
    pub fn competition_state(&self) -> CompetitionState {
        self.state
    }

    fn at_work(&self) -> bool {
        JURY_STATES.contains(&self.state)
    }

    async fn with_notes(
        &self,
        conn: &impl ConnectionTrait,
        entries: Vec<entry::Model>,
    ) -> Result<Vec<JurorEntry>, ServiceError> {
        let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
        let mut notes = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            for row in precheck::Entity::find()
                .filter(precheck::Column::EntryId.is_in(chunk.to_vec()))
                .all(conn)
                .await?
            {
                notes.insert(row.entry_id, row.jury_note);
            }
        }
        Ok(entries
            .into_iter()
            .map(|entry| JurorEntry {
                jury_note: notes.remove(&entry.id).unwrap_or_default(),
                entry,
            })
            .collect())
    }

    /// Up to `limit` of the entries this juror may score, by Kennzahl after
    /// `after` (id, Kennzahl, title, sheet state): a page of the queue.
    /// Nothing before the review.
    pub async fn queue(
        &self,
        conn: &impl ConnectionTrait,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<QueuedEntry>, ServiceError> {
        if !self.at_work() {
            return Ok(Vec::new());
        }
        let mut query = self.visible(Lookup::PerEntry);
        if let Some(after) = after {
            query = query.filter(entry::Column::Kennzahl.gt(after));
        }
        // The juror's sheet for each listed entry: none, a draft (0) or
        // submitted (1); the juror's id is a number, written inline.
        let sheet_sql = format!(
            "(SELECT CASE WHEN s.submitted_at IS NULL THEN 0 ELSE 1 END FROM score_sheets s \
             WHERE s.entry_id = entries.id AND s.juror_id = {})",
            self.person.id
        );
        let rows: Vec<(i64, Option<String>, String, Option<i32>)> = query
            .select_only()
            .column(entry::Column::Id)
            .column(entry::Column::Kennzahl)
            .column(entry::Column::Title)
            .column_as(sea_orm::sea_query::Expr::cust(sheet_sql), "sheet")
            .order_by_asc(entry::Column::Kennzahl)
            .limit(limit)
            .into_tuple()
            .all(conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, kennzahl, title, sheet)| QueuedEntry {
                id,
                kennzahl: kennzahl.unwrap_or_default(),
                title,
                sheet: sheet.map(|submitted| submitted == 1),
            })
            .collect())
    }

    /// How many entries this juror may score in all, and how many of their
    /// sheets for those are submitted; none before the review.
    pub async fn progress(
        &self,
        conn: &impl ConnectionTrait,
    ) -> Result<QueueProgress, ServiceError> {
        if !self.at_work() {
            return Ok(QueueProgress::default());
        }
        // Both counts in one query (the juror's id is a number, written inline).
        let submitted_sql = format!(
            "COALESCE(CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM score_sheets s \
             WHERE s.entry_id = entries.id AND s.juror_id = {} AND s.submitted_at IS NOT NULL) \
             THEN 1 ELSE 0 END) AS BIGINT), 0)",
            self.person.id
        );
        let counts: Option<(i64, i64)> = self
            .visible(Lookup::Whole)
            .select_only()
            .column_as(sea_orm::sea_query::Expr::cust("COUNT(*)"), "total")
            .column_as(sea_orm::sea_query::Expr::cust(submitted_sql), "submitted")
            .into_tuple()
            .one(conn)
            .await?;
        let (total, submitted) = counts.unwrap_or((0, 0));
        Ok(QueueProgress {
            total: total.max(0) as u64,
            submitted: submitted.max(0) as u64,
        })
    }

    /// Every entry this juror may score, by Kennzahl; none before the review.
    pub async fn entries(
        &self,
        conn: &impl ConnectionTrait,
    ) -> Result<Vec<JurorEntry>, ServiceError> {
        if !self.at_work() {
            return Ok(Vec::new());
        }
        let entries = self
            .visible(Lookup::Whole)
            .order_by_asc(entry::Column::Kennzahl)
            .all(conn)
            .await?;
        self.with_notes(conn, entries).await
    }

    /// The entry with this Kennzahl, if this juror may see it; "not found"
    /// otherwise (a conflicted juror does not learn more).
    pub async fn entry(
        &self,
        conn: &impl ConnectionTrait,
        kennzahl: &str,
    ) -> Result<JurorEntry, ServiceError> {
        let missing = || ServiceError::not_found("entry", kennzahl);
        if !self.at_work() {
            return Err(missing());
        }
        let found = self
            .visible(Lookup::PerEntry)
            .filter(entry::Column::Kennzahl.eq(kennzahl))
            .one(conn)
            .await?
            .ok_or_else(missing)?;
        self.with_notes(conn, vec![found])
            .await?
            .pop()
            .ok_or_else(missing)
    }
}

/// How far a juror is: how many entries they may score, how many of those
/// sheets are submitted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueProgress {
    pub total: u64,
    pub submitted: u64,
}

/// How the entries a juror may see are looked up (see `Juror::visible`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    PerEntry,
    Whole,
}

/// One entry of the juror's queue.
#[derive(Debug, Clone)]
pub struct QueuedEntry {
    pub id: i64,
    pub kennzahl: String,
    pub title: String,
    /// The juror's sheet for it: None before they start, Some(submitted).
    pub sheet: Option<bool>,
}

/// `person` as a seated juror of the competition; "not found" for anyone else
/// (staff use their own pages; an invitation not yet accepted seats nobody).
pub async fn juror(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    competition_id: i64,
) -> Result<Juror, ServiceError> {
    panel_seat(conn, person, competition_id)
        .await?
        .and_then(|seat| seat.juror)
        .ok_or_else(|| ServiceError::not_found("panel", competition_id))
}

/// A person's seat on one competition's panel, answered or not, with the
/// competition; `juror` is the capability once the seat is taken.
#[derive(Debug, Clone)]
pub struct PanelSeat {
    pub seat: panel_member::Model,
    pub competition: competition::Model,
    pub juror: Option<Juror>,
}

/// The person's seat on competition `competition_id`'s panel, read with the
/// competition in one query; None without a seat.
pub async fn panel_seat(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    competition_id: i64,
) -> Result<Option<PanelSeat>, ServiceError> {
    let found = panel_member::Entity::find()
        .filter(panel_member::Column::CompetitionId.eq(competition_id))
        .filter(panel_member::Column::UserId.eq(person.id))
        .find_also_related(competition::Entity)
        .one(conn)
        .await?;
    let Some((seat, Some(competition))) = found else {
        return Ok(None);
    };
    let seated =
        seat.accepted_at.is_some() && person.role == Role::Juror && person.deactivated_at.is_none();
    let juror = seated.then(|| Juror {
        person: person.clone(),
        competition_id,
        role: seat.role,
        state: competition.state,
    });
    Ok(Some(PanelSeat {
        seat,
        competition,
        juror,
    }))
}

/// Proof that the holder runs the panel's sitting of one competition: its
/// chair, or staff who manage the competition and keep the minutes. Rounds,
/// votes and locking the result take it.
#[derive(Debug, Clone)]
pub struct Presiding {
    actor: Actor,
    competition_id: i64,
}

impl Presiding {
    pub fn actor(&self) -> Actor {
        self.actor
    }

    pub fn competition_id(&self) -> i64 {
        self.competition_id
    }
}

impl Juror {
    /// The chair's capability to run the sitting; other jurors are refused.
    pub fn presiding(&self) -> Result<Presiding, ServiceError> {
        if self.is_chair() {
            Ok(Presiding {
                actor: self.actor(),
                competition_id: self.competition_id,
            })
        } else {
            Err(crate::domain::jury::JuryError::ChairOnly.into())
        }
    }
}

impl Manager {
    /// Staff run the sitting of the competitions they manage.
    pub fn presiding(&self) -> Presiding {
        Presiding {
            actor: self.actor(),
            competition_id: self.competition_id,
        }
    }
}
