//! Who may act on what: the one place where permissions are decided.
//!
//! Each capability is a value only this module can make, obtained once per request
//! by the edge (API security scheme or page extractor). Services that read or
//! change protected data take one as an argument, so no handler can forget a check
//! and no service can hand out what its caller may not see.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

use super::{Actor, ServiceError};
use crate::domain::roles::Role;
use crate::entities::{competition_coordinator, entry, entry_author, entry_coauthor, user};

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
