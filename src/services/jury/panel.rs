//! The panel of a competition: staff invite jurors from the pool (every account
//! with the role juror, across the programme) to a seat, the juror accepts or
//! declines on their page, staff name the chair and may change seats.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use super::{conflicts, locked, settings};
use crate::domain::events::{DomainEvent, PersonalMail};
use crate::domain::jury::panel::{self as rules, Answer, PanelRole, Seat};
use crate::domain::jury::{JuryError, may_change_panel};
use crate::domain::roles::Role;
use crate::domain::time;
use crate::entities::{competition, panel_member, score_sheet, user};
use crate::services::audit::{self, AuditRecord};
use crate::services::authorization::Manager;
use crate::services::notifications::competition_facts;
use crate::services::{Actor, ServiceError, competitions, outbox, programmes};

/// Everyone who may be invited to a panel: active accounts with the role juror.
pub async fn pool(db: &DatabaseConnection) -> Result<Vec<user::Model>, ServiceError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Juror))
        .filter(user::Column::DeactivatedAt.is_null())
        .order_by_asc(user::Column::DisplayName)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?)
}

/// A seat with the person on it.
#[derive(Debug, Clone)]
pub struct Member {
    pub seat: panel_member::Model,
    pub person: user::Model,
}

/// The panel of a competition: chair first, then members, then deputies.
pub async fn members(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<Vec<Member>, ServiceError> {
    let seats = panel_member::Entity::find()
        .filter(panel_member::Column::CompetitionId.eq(competition_id))
        .order_by_asc(panel_member::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<i64> = seats.iter().map(|s| s.user_id).collect();
    let people = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    let mut all: Vec<Member> = seats
        .into_iter()
        .filter_map(|seat| {
            let person = people.iter().find(|p| p.id == seat.user_id)?.clone();
            Some(Member { seat, person })
        })
        .collect();
    all.sort_by_key(|m| PanelRole::ALL.iter().position(|r| *r == m.seat.role));
    Ok(all)
}

fn name_of(person: &user::Model) -> &str {
    if person.display_name.trim().is_empty() {
        &person.email
    } else {
        &person.display_name
    }
}

/// Invites a juror from the pool to a seat; they get an email with the link to
/// accept. The chair is one per panel.
pub async fn invite(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    user_id: i64,
    role: PanelRole,
    public_url: &str,
) -> Result<panel_member::Model, ServiceError> {
    let id = manager.competition_id();
    let txn = crate::services::begin_write(db).await?;
    let (competition, jury) = locked(&txn, id).await?;
    may_change_panel(competition.state)?;
    let person = user::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("account", user_id))?;
    if person.role != Role::Juror || person.deactivated_at.is_some() {
        return Err(JuryError::NotAJuror.into());
    }
    if role == PanelRole::Chair && chair_of(&txn, id).await?.is_some() {
        return Err(JuryError::ChairTaken.into());
    }
    let seat = panel_member::ActiveModel {
        competition_id: Set(id),
        user_id: Set(user_id),
        role: Set(role),
        invited_by: Set(manager.actor().user_id()),
        invited_at: Set(now),
        accepted_at: Set(None),
        declined_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| {
        crate::services::error::duplicate_or(err, "panel seat", "juror", &person.email)
    })?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "jury.invited", "competition", id)
            .details(json!({ "juror": user_id, "role": role.as_str() })),
    )
    .await?;
    let programme = programmes::find(&txn, competition.programme_id).await?;
    let locale = person.locale.as_str();
    let deadline = jury.deadline.map(|at| {
        if locale == "en" {
            time::format_en(at)
        } else {
            time::format_de(at)
        }
    });
    outbox::enqueue(
        &txn,
        now,
        &DomainEvent::JuryInvited {
            competition_id: id,
            mail: PersonalMail {
                email: person.email.clone(),
                locale: locale.to_owned(),
                competition_id: Some(id),
                context: json!({
                    "competition": competition_facts(&competition, &programme, locale, public_url),
                    "juror_name": name_of(&person),
                    "jury_url": format!("{}/jury/wettbewerbe/{id}?lang={locale}", public_url.trim_end_matches('/')),
                    "jury_deadline": deadline.unwrap_or_else(|| if locale == "en" { "the date staff will tell you".into() } else { "dem Termin, den wir Ihnen mitteilen".into() }),
                }),
            },
        },
    )
    .await?;
    txn.commit().await?;
    Ok(seat)
}

async fn chair_of(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<Option<panel_member::Model>, ServiceError> {
    Ok(panel_member::Entity::find()
        .filter(panel_member::Column::CompetitionId.eq(competition_id))
        .filter(panel_member::Column::Role.eq(PanelRole::Chair))
        .one(conn)
        .await?)
}

async fn seat_of(
    conn: &impl ConnectionTrait,
    competition_id: i64,
    user_id: i64,
) -> Result<panel_member::Model, ServiceError> {
    panel_member::Entity::find()
        .filter(panel_member::Column::CompetitionId.eq(competition_id))
        .filter(panel_member::Column::UserId.eq(user_id))
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found("panel seat", user_id))
}

/// Moves a juror to another seat (e.g. names the chair).
pub async fn set_role(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    user_id: i64,
    role: PanelRole,
) -> Result<panel_member::Model, ServiceError> {
    let id = manager.competition_id();
    let txn = crate::services::begin_write(db).await?;
    let (competition, _) = locked(&txn, id).await?;
    may_change_panel(competition.state)?;
    let seat = seat_of(&txn, id, user_id).await?;
    if seat.role == role {
        return Ok(seat);
    }
    if role == PanelRole::Chair && chair_of(&txn, id).await?.is_some() {
        return Err(JuryError::ChairTaken.into());
    }
    let before = seat.role;
    let mut change: panel_member::ActiveModel = seat.into();
    change.role = Set(role);
    let seat = change.update(&txn).await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "jury.seat_changed", "competition", id)
            .details(json!({ "juror": user_id, "from": before.as_str(), "to": role.as_str() })),
    )
    .await?;
    txn.commit().await?;
    Ok(seat)
}

/// Takes a juror off the panel, as long as they have not scored.
pub async fn remove(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    user_id: i64,
) -> Result<(), ServiceError> {
    let id = manager.competition_id();
    let txn = crate::services::begin_write(db).await?;
    let (competition, _) = locked(&txn, id).await?;
    may_change_panel(competition.state)?;
    let seat = seat_of(&txn, id, user_id).await?;
    let sheets = score_sheet::Entity::find()
        .filter(score_sheet::Column::CompetitionId.eq(id))
        .filter(score_sheet::Column::JurorId.eq(user_id))
        .count(&txn)
        .await?;
    if sheets > 0 {
        return Err(JuryError::HasScored.into());
    }
    panel_member::Entity::delete_by_id(seat.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "jury.removed", "competition", id)
            .details(json!({ "juror": user_id, "role": seat.role.as_str() })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The invited juror's answer. Accepting seats them and looks for likely
/// conflicts with the entries at once.
pub async fn answer(
    db: &DatabaseConnection,
    person: &user::Model,
    now: DateTime<Utc>,
    competition_id: i64,
    answer: Answer,
) -> Result<Seat, ServiceError> {
    let txn = crate::services::begin_write(db).await?;
    let (_competition, _) = locked(&txn, competition_id).await?;
    let seat = seat_of(&txn, competition_id, person.id)
        .await
        .map_err(|_| ServiceError::not_found("panel", competition_id))?;
    let Some(next) = rules::answer(seat.seat(), answer).map_err(JuryError::from)? else {
        return Ok(seat.seat());
    };
    let mut change: panel_member::ActiveModel = seat.into();
    match next {
        Seat::Accepted => change.accepted_at = Set(Some(now)),
        Seat::Declined => change.declined_at = Set(Some(now)),
        Seat::Invited => {}
    }
    change.update(&txn).await?;
    let action = if next == Seat::Accepted {
        "jury.accepted"
    } else {
        "jury.declined"
    };
    audit::record(
        &txn,
        now,
        AuditRecord::about(
            Actor::User(person.id),
            action,
            "competition",
            competition_id,
        ),
    )
    .await?;
    if next == Seat::Accepted {
        conflicts::suspect(&txn, now, competition_id, Some(person.id)).await?;
    }
    txn.commit().await?;
    Ok(next)
}

/// The panels a person was invited to, with their competitions.
pub async fn of_person(
    db: &DatabaseConnection,
    person: &user::Model,
) -> Result<Vec<(panel_member::Model, competition::Model)>, ServiceError> {
    let seats = panel_member::Entity::find()
        .filter(panel_member::Column::UserId.eq(person.id))
        .order_by_asc(panel_member::Column::CompetitionId)
        .all(db)
        .await?;
    let mut all = Vec::new();
    for seat in seats {
        let competition = competitions::find(db, seat.competition_id).await?;
        all.push((seat, competition));
    }
    Ok(all)
}

/// The settings as the juror's pages need them.
pub async fn jury_settings(
    db: &DatabaseConnection,
    competition_id: i64,
) -> Result<super::Settings, ServiceError> {
    settings(db, competition_id).await
}
