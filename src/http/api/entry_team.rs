//! Co-authors of ideas through the API: invite by email, list, remove, accept.

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::auth::UserAuth;
use super::entries::Entry;
use super::responses::{Answer, Created, NoContent};
use crate::app::AppState;
use crate::domain::email_address::EmailAddress;
use crate::entities::entry_coauthor;
use crate::http::problem::ApiProblem;
use crate::services::authorization;
use crate::services::coauthors;

pub struct EntryTeamApi {
    pub state: AppState,
}

/// A co-author of an idea, invited by email.
#[derive(Debug, Object)]
pub struct Coauthor {
    pub id: i64,
    pub entry_id: i64,
    pub email: String,
    pub name: String,
    /// Whether they accepted (and can now read and edit the idea).
    pub accepted: bool,
    pub invited_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<entry_coauthor::Model> for Coauthor {
    fn from(m: entry_coauthor::Model) -> Self {
        Self {
            id: m.id,
            entry_id: m.entry_id,
            email: m.email,
            name: m.name,
            accepted: m.accepted_at.is_some(),
            invited_at: m.invited_at,
            expires_at: m.expires_at,
        }
    }
}

/// Whom to invite.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct InviteBody {
    #[oai(validator(min_length = 3, max_length = 254))]
    pub email: String,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
}

/// The token from the invitation email.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct AcceptBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub token: String,
}

#[OpenApi(tag = "ApiTags::Entries")]
impl EntryTeamApi {
    /// Invite a co-author by email (the person who started the idea, until the
    /// deadline).
    ///
    /// Answer: Invited; the email is on its way.
    #[oai(path = "/entries/:id/coauthors", method = "post")]
    async fn invite(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        body: Json<InviteBody>,
    ) -> Result<Created<Coauthor>, ApiProblem> {
        let state = &self.state;
        let author = authorization::entry_author(&state.db, &auth.0, id.0).await?;
        let invited = coauthors::invite(
            &state.db,
            state.now(),
            &author,
            &EmailAddress::parse(&body.0.email)?,
            &body.0.name,
            &state.settings.server.public_url,
        )
        .await?;
        state.queued();
        Ok(Created::New(Json(invited.into())))
    }

    /// The co-authors of an idea (for its authors).
    ///
    /// Answer: The co-authors, in the order they were invited.
    #[oai(path = "/entries/:id/coauthors", method = "get")]
    async fn coauthors(
        &self,
        auth: UserAuth,
        id: Path<i64>,
    ) -> Result<Answer<Vec<Coauthor>>, ApiProblem> {
        let all = coauthors::list(&self.state.db, &auth.0, id.0).await?;
        Ok(Answer::Ok(Json(all.into_iter().map(Into::into).collect())))
    }

    /// Remove a co-author or withdraw an invitation (the person who started the idea).
    #[oai(path = "/entries/:id/coauthors/:coauthor_id", method = "delete")]
    async fn remove_coauthor(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        coauthor_id: Path<i64>,
    ) -> Result<NoContent, ApiProblem> {
        let state = &self.state;
        let author = authorization::entry_author(&state.db, &auth.0, id.0).await?;
        coauthors::remove(&state.db, state.now(), &author, coauthor_id.0).await?;
        Ok(NoContent::Done)
    }

    /// Accept an invitation to co-author an idea, signed in with the invited address.
    #[oai(path = "/coauthor-invitations/accept", method = "post")]
    async fn accept_invitation(
        &self,
        auth: UserAuth,
        body: Json<AcceptBody>,
    ) -> Result<Answer<Entry>, ApiProblem> {
        let state = &self.state;
        let joined = coauthors::accept(&state.db, state.now(), &auth.0, &body.0.token).await?;
        Ok(Answer::Ok(Json(Entry::load(&state.db, joined).await?)))
    }
}
