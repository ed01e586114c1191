//! The public vote, of a competition (`/competitions/{id}/vote…`, kept by
//! the competition's staff) or of the programme (`/programmes/{id}/vote…`,
//! kept by administrators): staff set it up, review its signals, void
//! ballots and read its result after the close; the public reads the
//! shortlist, votes and confirms.

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTags;
use super::auth::{AdminAuth, StaffAuth};
use super::responses::{Answer, NoContent};
use crate::app::AppState;
use crate::domain::email_address::EmailAddress;
use crate::domain::vote::{self, VotePhase, VoteRules};
use crate::http::problem::ApiProblem;
use crate::http::rate_limit;
use crate::services::votes::{self, BallotRequest, Counts, Keeper, Subject, VoteScope};
use crate::services::{ServiceError, competitions, programmes};

pub struct VotesApi {
    pub state: AppState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum VoteMode {
    /// One vote for one idea.
    Single,
    /// Points spread over the shortlist.
    Points,
}

impl From<VoteMode> for vote::VoteMode {
    fn from(mode: VoteMode) -> Self {
        match mode {
            VoteMode::Single => Self::Single,
            VoteMode::Points => Self::Points,
        }
    }
}

impl From<vote::VoteMode> for VoteMode {
    fn from(mode: vote::VoteMode) -> Self {
        match mode {
            vote::VoteMode::Single => Self::Single,
            vote::VoteMode::Points => Self::Points,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "VotePhase", rename_all = "snake_case")]
pub enum Phase {
    NotYet,
    Open,
    Closed,
}

impl From<VotePhase> for Phase {
    fn from(phase: VotePhase) -> Self {
        match phase {
            VotePhase::NotYet => Self::NotYet,
            VotePhase::Open => Self::Open,
            VotePhase::Closed => Self::Closed,
        }
    }
}

/// How and when the public votes.
#[derive(Debug, Clone, Object)]
pub struct PublicVoteSettings {
    pub mode: VoteMode,
    /// Points each voter spreads (points mode; Gera: 100).
    #[oai(default = "default_points")]
    pub points: u32,
    /// The most points one idea may get from one voter (points mode).
    #[oai(default = "default_points")]
    pub max_per_entry: u32,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

fn default_points() -> u32 {
    100
}

/// A programme's vote: its settings and the ideas on its shortlist.
#[derive(Debug, Clone, Object)]
pub struct ProgrammeVoteSettings {
    pub mode: VoteMode,
    /// Points each voter spreads (points mode; Gera: 100).
    #[oai(default = "default_points")]
    pub points: u32,
    /// The most points one idea may get from one voter (points mode).
    #[oai(default = "default_points")]
    pub max_per_entry: u32,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    /// The shortlist: ids of entries admitted by the pre-check of the
    /// programme's competitions whose call has closed and whose results are
    /// not announced yet; fixed once ballots are confirmed.
    pub entry_ids: Vec<i64>,
}

/// An admitted idea on the ballot: no names.
#[derive(Debug, Clone, Object)]
pub struct ListedIdea {
    pub kennzahl: String,
    pub title: String,
    pub summary: String,
    /// The idea's competition, in a programme's vote (a Kennzahl is unique
    /// within its competition).
    #[oai(skip_serializing_if_is_none)]
    pub competition_id: Option<i64>,
    #[oai(skip_serializing_if_is_none)]
    pub competition: Option<String>,
}

/// A public vote, of a competition or of the programme.
#[derive(Debug, Clone, Object)]
pub struct VoteAnswer {
    #[oai(skip_serializing_if_is_none)]
    pub competition_id: Option<i64>,
    #[oai(skip_serializing_if_is_none)]
    pub programme_id: Option<i64>,
    pub mode: VoteMode,
    pub points: u32,
    pub max_per_entry: u32,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub phase: Phase,
    pub shortlist: Vec<ListedIdea>,
}

fn scope_ids(scope: VoteScope) -> (Option<i64>, Option<i64>) {
    match scope {
        VoteScope::Competition(id) => (Some(id), None),
        VoteScope::Programme(id) => (None, Some(id)),
    }
}

fn vote_answer(
    scope: VoteScope,
    rules: VoteRules,
    now: DateTime<Utc>,
    shortlist: Vec<votes::Listed>,
) -> VoteAnswer {
    let (competition_id, programme_id) = scope_ids(scope);
    VoteAnswer {
        competition_id,
        programme_id,
        mode: rules.mode.into(),
        points: rules.points,
        max_per_entry: rules.max_per_entry,
        opens_at: rules.opens_at,
        closes_at: rules.closes_at,
        phase: rules.phase(now).into(),
        shortlist: shortlist
            .into_iter()
            .map(|l| ListedIdea {
                competition_id: programme_id
                    .and_then(|_| l.key.split_once('-').and_then(|(id, _)| id.parse().ok())),
                kennzahl: l.kennzahl,
                title: l.title,
                summary: l.summary,
                competition: l.competition,
            })
            .collect(),
    }
}

/// Points for one idea.
#[derive(Debug, Clone, Object)]
pub struct ChoiceBody {
    pub kennzahl: String,
    /// The idea's competition: needed in a programme's vote.
    pub competition_id: Option<i64>,
    /// Points given (1 in single mode).
    #[oai(default = "one")]
    pub points: u32,
}

fn one() -> u32 {
    1
}

/// A ballot: counted once confirmed with the emailed link.
#[derive(Debug, Clone, Object)]
pub struct BallotBody {
    pub email: String,
    #[oai(default = "default_locale")]
    pub locale: String,
    pub choices: Vec<ChoiceBody>,
}

fn default_locale() -> String {
    "de".to_owned()
}

#[derive(ApiResponse)]
pub enum BallotResponse {
    /// The confirmation email is on its way (the same answer for an address
    /// that voted before).
    #[oai(status = 202)]
    Accepted,
}

/// The token from the confirmation email.
#[derive(Debug, Clone, Object)]
pub struct ConfirmationBody {
    pub token: String,
}

/// What a confirmation did.
#[derive(Debug, Clone, Object)]
pub struct ConfirmationAnswer {
    /// The vote's competition, for a competition's vote.
    #[oai(skip_serializing_if_is_none)]
    pub competition_id: Option<i64>,
    /// The vote's programme, for a programme's vote.
    #[oai(skip_serializing_if_is_none)]
    pub programme_id: Option<i64>,
    /// An earlier ballot of the address was replaced.
    pub replaced: bool,
}

#[derive(Debug, Clone, Object)]
pub struct CountsAnswer {
    /// Confirmed and not void: these count.
    pub counted: u64,
    /// Waiting for their confirmation.
    pub unconfirmed: u64,
    pub voided: u64,
}

impl From<Counts> for CountsAnswer {
    fn from(c: Counts) -> Self {
        Self {
            counted: c.counted,
            unconfirmed: c.unconfirmed,
            voided: c.voided,
        }
    }
}

/// A ballot with fraud signals, or voided.
#[derive(Debug, Clone, Object)]
pub struct ReviewedBallot {
    pub id: i64,
    /// The address masked (`m…@example.de`).
    pub email: String,
    #[oai(skip_serializing_if_is_none)]
    pub confirmed_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub voided_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub void_reason: Option<String>,
    /// `same_client` (with `count`), `disposable` (with `domain`), `burst`
    /// (with `minute` and `count`).
    pub signals: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Object)]
pub struct ReviewAnswer {
    pub counts: CountsAnswer,
    pub ballots: Vec<ReviewedBallot>,
}

/// Why a ballot is void.
#[derive(Debug, Clone, Object)]
pub struct VoidBody {
    pub reason: String,
}

/// One idea's result in the vote.
#[derive(Debug, Clone, Object)]
pub struct TalliedIdea {
    pub place: u32,
    pub kennzahl: String,
    pub title: String,
    /// The idea's competition, in a programme's vote.
    #[oai(skip_serializing_if_is_none)]
    pub competition: Option<String>,
    pub points: u64,
    pub voters: u64,
}

/// The vote's result: shown beside the jury's ranking, never part of it.
#[derive(Debug, Clone, Object)]
pub struct VoteResultAnswer {
    pub counts: CountsAnswer,
    pub tally: Vec<TalliedIdea>,
}

fn rules_of(
    mode: VoteMode,
    points: u32,
    max_per_entry: u32,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> VoteRules {
    VoteRules {
        mode: mode.into(),
        points,
        max_per_entry,
        opens_at,
        closes_at,
    }
}

/// The ballot's choices, keyed as the vote's shortlist names its ideas.
fn choices(scope: VoteScope, body: Vec<ChoiceBody>) -> vote::Choices {
    let mut choices = vote::Choices::new();
    for c in body {
        let kennzahl = c.kennzahl.trim();
        let key = match (scope, c.competition_id) {
            (VoteScope::Programme(_), Some(competition)) => {
                votes::programme_key(competition, kennzahl)
            }
            _ => kennzahl.to_owned(),
        };
        *choices.entry(key).or_default() += c.points;
    }
    choices
}

fn review_answer(counts: Counts, ballots: Vec<votes::Reviewed>) -> ReviewAnswer {
    ReviewAnswer {
        counts: counts.into(),
        ballots: ballots
            .into_iter()
            .map(|b| ReviewedBallot {
                id: b.id,
                email: b.email,
                confirmed_at: b.confirmed_at,
                voided_at: b.voided_at,
                void_reason: b.void_reason,
                signals: b
                    .signals
                    .iter()
                    .map(|s| serde_json::to_value(s).unwrap_or_default())
                    .collect(),
            })
            .collect(),
    }
}

fn result_answer(result: votes::VoteResult) -> VoteResultAnswer {
    VoteResultAnswer {
        counts: result.counts.into(),
        tally: result
            .tally
            .into_iter()
            .map(|(t, l)| TalliedIdea {
                place: t.place as u32,
                kennzahl: l.kennzahl,
                title: l.title,
                competition: l.competition,
                points: t.points,
                voters: t.voters,
            })
            .collect(),
    }
}

impl VotesApi {
    /// A public competition, or "no vote".
    async fn competition(&self, id: i64) -> Result<Subject, ServiceError> {
        let none = || ServiceError::not_found("vote", id);
        let competition = competitions::find(&self.state.db, id)
            .await
            .map_err(|_| none())?;
        if !competition.state.is_public() {
            return Err(none());
        }
        Ok(Subject::Competition(competition))
    }

    async fn programme(&self, id: i64) -> Result<Subject, ServiceError> {
        let programme = programmes::find(&self.state.db, id)
            .await
            .map_err(|_| ServiceError::not_found("vote", id))?;
        Ok(Subject::Programme(programme))
    }

    async fn public(&self, subject: Subject) -> Result<Answer<VoteAnswer>, ApiProblem> {
        let now = self.state.now();
        let scope = subject.scope();
        let found = votes::public(&self.state.db, subject, now)
            .await?
            .ok_or_else(|| ServiceError::not_found("vote", format!("{scope:?}")))?;
        Ok(Answer::Ok(Json(vote_answer(
            scope,
            found.rules,
            now,
            found.shortlist,
        ))))
    }

    async fn cast(
        &self,
        req: &poem::Request,
        subject: Subject,
        body: BallotBody,
    ) -> Result<BallotResponse, ApiProblem> {
        let state = &self.state;
        let client =
            state
                .admit(rate_limit::BALLOTS, req)
                .map_err(|wait| ServiceError::RateLimited {
                    retry_after_seconds: wait,
                })?;
        let request = BallotRequest {
            email: EmailAddress::parse(&body.email)?,
            locale: body.locale,
            choices: choices(subject.scope(), body.choices),
            client_tag: rate_limit::client_tag(&state.secrets, client),
        };
        votes::submit(
            &state.db,
            &state.writes,
            state.now(),
            &state.settings.server.public_url,
            &subject,
            request,
        )
        .await?;
        state.queued();
        Ok(BallotResponse::Accepted)
    }

    async fn keeper(&self, auth: StaffAuth, competition_id: i64) -> Result<Keeper, ApiProblem> {
        let manager = auth.manager(&self.state.db, competition_id).await?;
        Ok(Keeper::of_competition(&manager))
    }

    async fn programme_keeper(
        &self,
        auth: &AdminAuth,
        programme_id: i64,
    ) -> Result<Keeper, ApiProblem> {
        programmes::find(&self.state.db, programme_id).await?;
        Ok(Keeper::of_programme(&auth.0, programme_id))
    }
}

#[OpenApi(tag = "ApiTags::Vote")]
impl VotesApi {
    /// A competition's public vote with its shortlist, for everyone; 404
    /// when it holds none.
    #[oai(path = "/competitions/:id/vote", method = "get")]
    async fn vote(&self, id: Path<i64>) -> Result<Answer<VoteAnswer>, ApiProblem> {
        let subject = self.competition(id.0).await?;
        self.public(subject).await
    }

    /// Set up or change the vote (staff of the competition): after the call
    /// has closed and before the jury decides; once ballots are confirmed
    /// only the closing may move.
    #[oai(path = "/competitions/:id/vote", method = "put")]
    async fn configure(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<PublicVoteSettings>,
    ) -> Result<Answer<VoteAnswer>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let b = body.0;
        let now = self.state.now();
        let rules = rules_of(b.mode, b.points, b.max_per_entry, b.opens_at, b.closes_at);
        let stored = votes::configure(db, &manager, now, rules).await?;
        // The competition's page links to its vote.
        self.state.changed();
        let shortlist = votes::shortlist(db, &stored).await?;
        Ok(Answer::Ok(Json(vote_answer(
            stored.scope(),
            stored.rules(),
            now,
            shortlist,
        ))))
    }

    /// Vote: the ballot waits for the link emailed to the address and counts
    /// once confirmed; a later ballot from the same address replaces it once
    /// confirmed. 409 outside the vote's window, 422 for a ballot against
    /// the rules.
    #[oai(path = "/competitions/:id/vote/ballots", method = "post")]
    async fn ballot(
        &self,
        req: &poem::Request,
        id: Path<i64>,
        body: Json<BallotBody>,
    ) -> Result<BallotResponse, ApiProblem> {
        let subject = self.competition(id.0).await?;
        self.cast(req, subject, body.0).await
    }

    /// Confirm a ballot with the token from its email (once; a used,
    /// replaced or forged token is 404, after the close 409).
    #[oai(path = "/vote/confirmations", method = "post")]
    async fn confirm(
        &self,
        body: Json<ConfirmationBody>,
    ) -> Result<Answer<ConfirmationAnswer>, ApiProblem> {
        let done = votes::confirm(&self.state.writes, self.state.now(), &body.0.token).await?;
        let (competition_id, programme_id) = scope_ids(done.scope);
        Ok(Answer::Ok(Json(ConfirmationAnswer {
            competition_id,
            programme_id,
            replaced: done.replaced,
        })))
    }

    /// The ballots' counts and the ballots with fraud signals (many from one
    /// client address, disposable addresses, bursts) or voided, the
    /// addresses masked (staff of the competition).
    #[oai(path = "/competitions/:id/vote/review", method = "get")]
    async fn review(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<ReviewAnswer>, ApiProblem> {
        let keeper = self.keeper(auth, id.0).await?;
        let (counts, ballots) = votes::review(&self.state.db, &keeper).await?;
        Ok(Answer::Ok(Json(review_answer(counts, ballots))))
    }

    /// Void a ballot with a reason (staff of the competition; audited); it
    /// never counts again and its address cannot vote again.
    #[oai(
        path = "/competitions/:id/vote/ballots/:ballot_id/void",
        method = "post"
    )]
    async fn void(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        ballot_id: Path<i64>,
        body: Json<VoidBody>,
    ) -> Result<NoContent, ApiProblem> {
        let keeper = self.keeper(auth, id.0).await?;
        let state = &self.state;
        votes::void(&state.db, &keeper, state.now(), ballot_id.0, &body.0.reason).await?;
        Ok(NoContent::Done)
    }

    /// The vote's result (staff of the competition), from the close on (409
    /// before): points and voters per idea, beside the jury's ranking.
    #[oai(path = "/competitions/:id/vote/result", method = "get")]
    async fn result(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<VoteResultAnswer>, ApiProblem> {
        let keeper = self.keeper(auth, id.0).await?;
        let result = votes::result(&self.state.db, &keeper, self.state.now()).await?;
        Ok(Answer::Ok(Json(result_answer(result))))
    }

    /// The programme's public vote with its shortlist across the
    /// competitions, for everyone; 404 when it holds none.
    #[oai(path = "/programmes/:id/vote", method = "get")]
    async fn programme_vote(&self, id: Path<i64>) -> Result<Answer<VoteAnswer>, ApiProblem> {
        let subject = self.programme(id.0).await?;
        self.public(subject).await
    }

    /// Set up or change the programme's vote and its shortlist
    /// (administrators); once ballots are confirmed only the closing may
    /// move and the shortlist stays.
    #[oai(path = "/programmes/:id/vote", method = "put")]
    async fn configure_programme(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<ProgrammeVoteSettings>,
    ) -> Result<Answer<VoteAnswer>, ApiProblem> {
        let db = &self.state.db;
        let b = body.0;
        let now = self.state.now();
        let rules = rules_of(b.mode, b.points, b.max_per_entry, b.opens_at, b.closes_at);
        let stored =
            votes::configure_programme(db, &auth.0, now, id.0, rules, &b.entry_ids).await?;
        // The home page links to the programme's vote.
        self.state.changed();
        let shortlist = votes::shortlist(db, &stored).await?;
        Ok(Answer::Ok(Json(vote_answer(
            stored.scope(),
            stored.rules(),
            now,
            shortlist,
        ))))
    }

    /// Vote in the programme's vote (each choice names its idea's
    /// competition); as for a competition's vote.
    #[oai(path = "/programmes/:id/vote/ballots", method = "post")]
    async fn programme_ballot(
        &self,
        req: &poem::Request,
        id: Path<i64>,
        body: Json<BallotBody>,
    ) -> Result<BallotResponse, ApiProblem> {
        let subject = self.programme(id.0).await?;
        self.cast(req, subject, body.0).await
    }

    /// The programme vote's counts and suspicious or voided ballots
    /// (administrators).
    #[oai(path = "/programmes/:id/vote/review", method = "get")]
    async fn programme_review(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> Result<Answer<ReviewAnswer>, ApiProblem> {
        let keeper = self.programme_keeper(&auth, id.0).await?;
        let (counts, ballots) = votes::review(&self.state.db, &keeper).await?;
        Ok(Answer::Ok(Json(review_answer(counts, ballots))))
    }

    /// Void a ballot of the programme's vote with a reason (administrators;
    /// audited).
    #[oai(path = "/programmes/:id/vote/ballots/:ballot_id/void", method = "post")]
    async fn programme_void(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        ballot_id: Path<i64>,
        body: Json<VoidBody>,
    ) -> Result<NoContent, ApiProblem> {
        let keeper = self.programme_keeper(&auth, id.0).await?;
        let state = &self.state;
        votes::void(&state.db, &keeper, state.now(), ballot_id.0, &body.0.reason).await?;
        Ok(NoContent::Done)
    }

    /// The programme vote's result (administrators), from the close on (409
    /// before): an input to the overall placement, never part of it.
    #[oai(path = "/programmes/:id/vote/result", method = "get")]
    async fn programme_result(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> Result<Answer<VoteResultAnswer>, ApiProblem> {
        let keeper = self.programme_keeper(&auth, id.0).await?;
        let result = votes::result(&self.state.db, &keeper, self.state.now()).await?;
        Ok(Answer::Ok(Json(result_answer(result))))
    }
}
