//! The overall placement across a programme's competitions: administrators
//! define its places and award them to category winners; the public reads
//! the placements whose competitions have announced their results.

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::auth::AdminAuth;
use super::prizes::PrizeKind;
use super::responses::{Answer, Created};
use crate::app::AppState;
use crate::domain::money::Money;
use crate::domain::prizes::OverallPlace;
use crate::http::problem::ApiProblem;
use crate::services::ServiceError;
use crate::services::overall::{self, Standing};

pub struct OverallApi {
    pub state: AppState,
}

/// A place as administrators define it.
#[derive(Debug, Clone, Object)]
pub struct OverallPlaceBody {
    /// 1 for the first place; the places are numbered without gaps.
    pub place: u32,
    pub kind: PrizeKind,
    /// What the prize is ("Preisgeld", "Stadtführung für die Klasse").
    pub label: String,
    pub value_cents: i64,
}

#[derive(Debug, Clone, Object)]
pub struct OverallPlacesBody {
    pub places: Vec<OverallPlaceBody>,
}

/// An awarded place's entry.
#[derive(Debug, Clone, Object)]
pub struct PlacedEntry {
    pub award_id: i64,
    pub entry_id: i64,
    pub competition_id: i64,
    pub competition: String,
    pub kennzahl: String,
    pub title: String,
    pub amount_cents: i64,
}

/// A place with its prize and, when awarded, its entry.
#[derive(Debug, Clone, Object)]
pub struct OverallStanding {
    pub id: i64,
    pub place: u32,
    pub kind: PrizeKind,
    pub label: String,
    pub value_cents: i64,
    #[oai(skip_serializing_if_is_none)]
    pub entry: Option<PlacedEntry>,
}

fn standing(s: Standing) -> OverallStanding {
    OverallStanding {
        id: s.id,
        place: s.spec.place,
        kind: s.spec.kind.into(),
        label: s.spec.label,
        value_cents: s.spec.value.cents(),
        entry: s.award.map(|a| PlacedEntry {
            award_id: a.award_id,
            entry_id: a.entry_id,
            competition_id: a.competition_id,
            competition: a.competition,
            kennzahl: a.kennzahl,
            title: a.title,
            amount_cents: a.amount.cents(),
        }),
    }
}

/// A placement as the public sees it.
#[derive(Debug, Clone, Object)]
pub struct PublicPlacement {
    pub place: u32,
    pub kind: PrizeKind,
    pub label: String,
    pub value_cents: i64,
    pub competition: String,
    pub competition_slug: String,
    pub kennzahl: String,
    pub title: String,
}

/// A category winner that may be placed.
#[derive(Debug, Clone, Object)]
pub struct OverallCandidate {
    pub entry_id: i64,
    pub competition: String,
    pub kennzahl: String,
    pub title: String,
}

/// The placement for administrators: its places and the candidates.
#[derive(Debug, Clone, Object)]
pub struct OverallAnswer {
    pub pool_cents: i64,
    pub awarded_cents: i64,
    pub places: Vec<OverallStanding>,
    pub candidates: Vec<OverallCandidate>,
}

/// Award a place.
#[derive(Debug, Clone, Object)]
pub struct OverallAwardBody {
    pub place_id: i64,
    pub entry_id: i64,
}

/// Why a place is withdrawn.
#[derive(Debug, Clone, Object)]
pub struct OverallWithdrawalBody {
    pub reason: String,
}

impl OverallApi {
    async fn answer(&self, programme_id: i64) -> Result<OverallAnswer, ServiceError> {
        let db = &self.state.db;
        Ok(OverallAnswer {
            pool_cents: overall::pool(db, programme_id).await?.cents(),
            awarded_cents: overall::awarded(db, programme_id).await?.cents(),
            places: overall::standing(db, programme_id)
                .await?
                .into_iter()
                .map(standing)
                .collect(),
            candidates: overall::candidates(db, programme_id)
                .await?
                .into_iter()
                .map(|c| OverallCandidate {
                    entry_id: c.entry_id,
                    competition: c.competition,
                    kennzahl: c.kennzahl,
                    title: c.title,
                })
                .collect(),
        })
    }
}

#[OpenApi(tag = "ApiTags::Prizes")]
impl OverallApi {
    /// The overall placement with its candidates (administrators).
    #[oai(path = "/programmes/:id/overall", method = "get")]
    async fn overall(
        &self,
        _auth: AdminAuth,
        id: Path<i64>,
    ) -> Result<Answer<OverallAnswer>, ApiProblem> {
        crate::services::programmes::find(&self.state.db, id.0).await?;
        Ok(Answer::Ok(Json(self.answer(id.0).await?)))
    }

    /// Define the places (replacing those before) while none is awarded;
    /// their values must fit the programme's budget beside the competitions'
    /// prize money (409 with what is left otherwise).
    #[oai(path = "/programmes/:id/overall/places", method = "put")]
    async fn places(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<OverallPlacesBody>,
    ) -> Result<Answer<OverallAnswer>, ApiProblem> {
        let mut places = Vec::new();
        for p in body.0.places {
            places.push(OverallPlace {
                place: p.place,
                kind: p.kind.into(),
                label: p.label,
                value: Money::from_cents(p.value_cents)
                    .map_err(|err| ServiceError::invalid("value_cents", err.to_string()))?,
            });
        }
        overall::set_places(&self.state.db, &auth.0, self.state.now(), id.0, places).await?;
        Ok(Answer::Ok(Json(self.answer(id.0).await?)))
    }

    /// Award a place to a category winner (an entry holding a prize in a
    /// decided competition of the programme), within the placement's pool
    /// and the programme's budget; one entry per place, one place per entry.
    #[oai(path = "/programmes/:id/overall/awards", method = "post")]
    async fn award(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<OverallAwardBody>,
    ) -> Result<Created<OverallAnswer>, ApiProblem> {
        overall::award(
            &self.state.db,
            &auth.0,
            self.state.now(),
            id.0,
            body.0.place_id,
            body.0.entry_id,
        )
        .await?;
        Ok(Created::New(Json(self.answer(id.0).await?)))
    }

    /// Withdraw an awarded place, with a reason (audited).
    #[oai(
        path = "/programmes/:id/overall/awards/:award_id/withdrawal",
        method = "post"
    )]
    async fn withdraw(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        award_id: Path<i64>,
        body: Json<OverallWithdrawalBody>,
    ) -> Result<Answer<OverallAnswer>, ApiProblem> {
        overall::withdraw(
            &self.state.db,
            &auth.0,
            self.state.now(),
            id.0,
            award_id.0,
            &body.0.reason,
        )
        .await?;
        Ok(Answer::Ok(Json(self.answer(id.0).await?)))
    }

    /// The placements for everyone: a place appears once its entry's
    /// competition has announced its results.
    #[oai(path = "/programmes/:id/overall/results", method = "get")]
    async fn results(&self, id: Path<i64>) -> Result<Answer<Vec<PublicPlacement>>, ApiProblem> {
        crate::services::programmes::find(&self.state.db, id.0).await?;
        let shown = overall::public(&self.state.db, id.0).await?;
        Ok(Answer::Ok(Json(
            shown
                .into_iter()
                .filter_map(|s| {
                    let a = s.award?;
                    Some(PublicPlacement {
                        place: s.spec.place,
                        kind: s.spec.kind.into(),
                        label: s.spec.label,
                        value_cents: s.spec.value.cents(),
                        competition: a.competition,
                        competition_slug: a.competition_slug,
                        kennzahl: a.kennzahl,
                        title: a.title,
                    })
                })
                .collect(),
        )))
    }
}
