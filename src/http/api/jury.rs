//! The jury through the API: staff run the pre-check, the panel, the criteria and
//! settings, conflicts and progress; jurors answer invitations, read entries by
//! Kennzahl only and fill in their score sheets. Everything the jury pages do.

use std::collections::BTreeMap;

use poem_openapi::param::Path;
use poem_openapi::payload::{Attachment, Json};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTags;
use super::auth::{JurorAuth, StaffAuth};
use super::responses::{Answer, Created, NoContent};
use crate::app::AppState;
use crate::domain::entry_form::Localized;
use crate::domain::jury::conflicts::{
    ConflictStatus as DomainConflictStatus, Ruling as DomainRuling,
};
use crate::domain::jury::criteria::{CriterionSpec, Marked};
use crate::domain::jury::panel::{Answer as DomainAnswer, PanelRole as DomainPanelRole};
use crate::domain::jury::precheck::{ExclusionReason as DomainReason, Verdict};
use crate::domain::jury::scoring::Basis as DomainBasis;
use crate::http::api::models::api_enum;
use crate::http::problem::ApiProblem;
use crate::services::authorization::Presiding;
use crate::services::jury::{self, conflicts, decision, panel, precheck, rounds, sheets};

pub struct JuryApi {
    pub state: AppState,
}

api_enum! {
    /// A seat on the panel: the `chair` leads and locks the result, `member`s
    /// score and vote, `deputy`s score and stand in.
    PanelRole mirrors DomainPanelRole { Chair, Member, Deputy }
}

api_enum! {
    /// Why the pre-check excluded an entry.
    ExclusionReason mirrors DomainReason { Late, OffTopic, Incomplete, Duplicate, NotEligible }
}

api_enum! {
    /// Where a conflict of interest stands: `declared` by the juror, `suspected`
    /// by the system (until staff rule), `confirmed` or `dismissed` by staff.
    /// All but `dismissed` keep the juror from the entry.
    ConflictStatus mirrors DomainConflictStatus { Declared, Suspected, Confirmed, Dismissed }
}

/// What ranks: the `raw` weighted mean, or the `normalised` one (z-scores per juror).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Basis {
    Raw,
    Normalised,
}

impl From<DomainBasis> for Basis {
    fn from(b: DomainBasis) -> Self {
        match b {
            DomainBasis::Raw => Self::Raw,
            DomainBasis::Normalised => Self::Normalised,
        }
    }
}

impl From<Basis> for DomainBasis {
    fn from(b: Basis) -> Self {
        match b {
            Basis::Raw => Self::Raw,
            Basis::Normalised => Self::Normalised,
        }
    }
}

/// A criterion the jury scores, on its scale, with its weight.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Criterion {
    /// Lower-case letters, digits and `_`.
    #[oai(validator(min_length = 1, max_length = 40))]
    pub key: String,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub label_de: String,
    #[oai(validator(max_length = 200))]
    pub label_en: String,
    /// 1 to 100.
    pub weight: u32,
    pub scale_min: i32,
    pub scale_max: i32,
}

impl From<&CriterionSpec> for Criterion {
    fn from(c: &CriterionSpec) -> Self {
        Self {
            key: c.key.clone(),
            label_de: c.label.de.clone(),
            label_en: c.label.en.clone(),
            weight: c.weight,
            scale_min: c.scale_min,
            scale_max: c.scale_max,
        }
    }
}

impl From<Criterion> for CriterionSpec {
    fn from(c: Criterion) -> Self {
        Self {
            key: c.key,
            label: Localized::new(c.label_de, c.label_en),
            weight: c.weight,
            scale_min: c.scale_min,
            scale_max: c.scale_max,
        }
    }
}

/// A seat on the panel with who sits on it.
#[derive(Debug, Object)]
pub struct Seat {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: PanelRole,
    /// `invited`, `accepted` or `declined`.
    pub status: String,
    pub invited_at: chrono::DateTime<chrono::Utc>,
}

impl From<panel::Member> for Seat {
    fn from(m: panel::Member) -> Self {
        Self {
            user_id: m.person.id,
            name: m.person.display_name,
            email: m.person.email,
            role: m.seat.role.into(),
            status: m.seat.seat().as_str().to_owned(),
            invited_at: m.seat.invited_at,
        }
    }
}

/// A competition's jury: settings, criteria and panel.
#[derive(Debug, Object)]
pub struct Jury {
    pub basis: Basis,
    /// Sheets from at least this many non-conflicted jurors per admitted entry.
    pub quorum: u32,
    /// Jurors see the others' scores only after submitting their own sheet.
    pub others_after_submitting: bool,
    #[oai(nullable)]
    pub deadline: Option<chrono::DateTime<chrono::Utc>>,
    /// When the first score was saved (criteria and pre-check are fixed since).
    #[oai(nullable)]
    pub scoring_started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub criteria: Vec<Criterion>,
    pub panel: Vec<Seat>,
}

/// What to change of the jury's settings; what is left out stays.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct JuryChange {
    pub basis: Option<Basis>,
    pub quorum: Option<u32>,
    pub others_after_submitting: Option<bool>,
    /// The jury's deadline (reminders go out before it).
    pub deadline: Option<chrono::DateTime<chrono::Utc>>,
}

/// An invitation to a seat.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct SeatInvitation {
    /// An account with the role juror.
    pub user_id: i64,
    pub role: PanelRole,
}

/// A new seat for someone on the panel.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct SeatChange {
    pub role: PanelRole,
}

/// The pre-check's verdict on an entry.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PrecheckBody {
    /// `true` admits, `false` excludes (then `reason` is required).
    pub admitted: bool,
    pub reason: Option<ExclusionReason>,
    /// Free text; an excluded entrant reads it in their email.
    #[oai(validator(max_length = 2000))]
    pub remark: Option<String>,
    /// A short neutral note the jury sees with the entry.
    #[oai(validator(max_length = 500))]
    pub jury_note: Option<String>,
}

/// The pre-check's verdict as stored.
#[derive(Debug, Object)]
pub struct Precheck {
    pub entry_id: i64,
    pub admitted: bool,
    #[oai(nullable)]
    pub reason: Option<ExclusionReason>,
    pub remark: String,
    pub jury_note: String,
    pub decided_at: chrono::DateTime<chrono::Utc>,
}

/// Excluded entries for one reason.
#[derive(Debug, Object)]
pub struct ReasonCount {
    pub reason: ExclusionReason,
    pub count: u64,
}

/// The pre-check report (part of the Protokoll).
#[derive(Debug, Object)]
pub struct PrecheckReport {
    pub submitted: u64,
    pub admitted: u64,
    pub excluded: Vec<ReasonCount>,
    /// Submitted entries without a verdict yet.
    pub open: u64,
}

/// How many jurors were reminded.
#[derive(Debug, Object)]
pub struct Reminded {
    pub reminded: u64,
}

/// How many entries were admitted.
#[derive(Debug, Object)]
pub struct Admitted {
    pub admitted: u64,
}

/// A recorded conflict of interest.
#[derive(Debug, Object)]
pub struct Conflict {
    pub id: i64,
    pub juror_id: i64,
    pub juror_name: String,
    pub entry_id: i64,
    pub kennzahl: String,
    pub status: ConflictStatus,
    /// Why the system suspects it (for suspicions), as `{hint, value}` objects.
    pub hints: serde_json::Value,
    /// The juror's reason (declarations).
    pub reason: String,
    #[oai(nullable)]
    pub decision_reason: Option<String>,
}

/// How many suspicions a search added.
#[derive(Debug, Object)]
pub struct Suspected {
    pub suspected: u64,
}

/// Staff's ruling on a suspected conflict.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ConflictRuling {
    /// `true` confirms the conflict, `false` dismisses it.
    pub confirmed: bool,
    #[oai(validator(min_length = 1, max_length = 1000))]
    pub reason: String,
}

/// How far one juror is.
#[derive(Debug, Object)]
pub struct JurorProgress {
    pub user_id: i64,
    pub name: String,
    pub role: PanelRole,
    pub status: String,
    pub to_score: u64,
    pub drafts: u64,
    pub submitted: u64,
}

/// How far the panel is.
#[derive(Debug, Object)]
pub struct Progress {
    pub admitted: u64,
    pub quorum: u32,
    /// Admitted entries with fewer counted sheets than the quorum.
    pub below_quorum: u64,
    pub jurors: Vec<JurorProgress>,
}

/// A panel the caller was invited to.
#[derive(Debug, Object)]
pub struct MyPanel {
    pub competition_id: i64,
    pub competition: String,
    pub role: PanelRole,
    pub status: String,
}

/// The invited juror's answer.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PanelAnswer {
    pub accept: bool,
}

/// An entry in the juror's queue.
#[derive(Debug, Object)]
pub struct QueuedEntry {
    pub kennzahl: String,
    pub title: String,
    /// `open`, `draft` or `submitted`: the caller's own sheet.
    pub sheet: String,
}

/// A jury-visible answer of the entry form.
#[derive(Debug, Object)]
pub struct JuryDetail {
    pub label_de: String,
    pub label_en: String,
    pub value: String,
}

/// An attachment, by number only.
#[derive(Debug, Object)]
pub struct Anlage {
    pub number: u32,
    pub kind: String,
    pub size_bytes: i64,
    /// The file may name its author in its own properties (PDF, office, photo).
    pub may_name_author: bool,
}

/// An entry as the jury sees it: by Kennzahl, never who wrote it.
#[derive(Debug, Object)]
pub struct JuryEntry {
    pub kennzahl: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub goals: Vec<String>,
    pub details: Vec<JuryDetail>,
    /// The pre-check's neutral note.
    pub jury_note: String,
    pub attachments: Vec<Anlage>,
}

/// One criterion's score and comment.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Mark {
    pub criterion: String,
    /// Leave out while the sheet is a draft.
    pub score: Option<i32>,
    #[oai(validator(max_length = 2000))]
    pub comment: Option<String>,
}

/// The caller's sheet for an entry, with the entry.
#[derive(Debug, Object)]
pub struct JurySheet {
    pub entry: JuryEntry,
    pub criteria: Vec<Criterion>,
    pub marks: Vec<Mark>,
    /// `open`, `draft` or `submitted`.
    pub sheet: String,
    /// The other jurors' submitted sheet scores, once the caller may see them.
    #[oai(nullable)]
    pub others: Option<Vec<f64>>,
    /// Who entered it, only once the result is locked and the authors revealed.
    #[oai(nullable)]
    pub revealed: Option<String>,
}

/// A sheet to save.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct SheetBody {
    pub marks: Vec<Mark>,
    /// `true` submits (every criterion needs a score); `false` keeps a draft.
    pub submit: bool,
}

/// A declared conflict of interest.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Declaration {
    #[oai(validator(min_length = 1, max_length = 1000))]
    pub reason: String,
}

#[derive(ApiResponse)]
pub enum FileResponse {
    /// The file, under its anonymous name (`Anlage-1.pdf`).
    #[oai(status = 200, content_type = "application/octet-stream")]
    File(Attachment<Vec<u8>>),
}

/// One entry of the ranking, with the numbers that explain its place.
#[derive(Debug, Object)]
pub struct RankedEntry {
    pub kennzahl: String,
    pub title: String,
    /// Counted sheets (seated jurors without a conflict).
    pub sheets: u32,
    /// The weighted mean of the sheets' scores.
    pub mean: f64,
    pub median: f64,
    /// The mean of the sheets' z-scores (each juror centred and scaled).
    pub normalised: f64,
    pub std_dev: f64,
    pub range: f64,
    /// The disagreement is high enough to discuss the entry.
    pub discuss: bool,
    pub raw_place: u32,
    pub normalised_place: u32,
    /// The round it left in, if it did.
    #[oai(nullable)]
    pub out_in_round: Option<u32>,
}

/// A juror's leniency: their mean offset from the others on shared entries.
#[derive(Debug, Object)]
pub struct JurorLeniency {
    pub name: String,
    pub sheets: u32,
    pub mean: f64,
    #[oai(nullable)]
    pub leniency: Option<f64>,
}

/// The ranking as it stands, in the order of the competition's basis.
#[derive(Debug, Object)]
pub struct RankingAnswer {
    pub basis: Basis,
    /// How ties are broken.
    pub rule: String,
    /// Krippendorff's alpha (interval) for the panel; null when not defined.
    #[oai(nullable)]
    pub alpha: Option<f64>,
    /// Entries whose standard deviation is above this are flagged for discussion.
    pub flag_above: f64,
    pub entries: Vec<RankedEntry>,
    /// Admitted entries without any counted sheet (never given a zero).
    pub unranked: Vec<String>,
    pub jurors: Vec<JurorLeniency>,
}

/// One juror's recorded vote.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct VoteBody {
    pub juror_id: i64,
    /// For moving the entry on.
    pub in_favour: bool,
}

/// What the open round decides about an entry: by the chair alone
/// (`outcome`) or by the recorded votes of the members present (`votes`).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct RoundDecisionBody {
    /// `on` or `out`, when the chair decides.
    #[oai(validator(pattern = "^(on|out)$"))]
    pub outcome: Option<String>,
    pub votes: Option<Vec<VoteBody>>,
    #[oai(validator(max_length = 2000))]
    pub remark: Option<String>,
}

/// A round with its decisions.
#[derive(Debug, Object)]
pub struct RoundAnswer {
    pub number: u32,
    pub opened_at: chrono::DateTime<chrono::Utc>,
    #[oai(nullable)]
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decisions: Vec<RoundDecisionAnswer>,
}

#[derive(Debug, Object)]
pub struct RoundDecisionAnswer {
    pub entry_id: i64,
    /// `on` or `out`.
    pub outcome: String,
    /// `chair` or `vote`.
    pub method: String,
    pub votes_for: u32,
    pub votes_against: u32,
    pub remark: String,
}

/// Locking the result.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct LockBody {
    /// A remark for the Protokoll.
    #[oai(validator(max_length = 2000))]
    pub remark: Option<String>,
}

/// A stored document.
#[derive(Debug, Object)]
pub struct StoredDocument {
    pub id: i64,
    pub sha256: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(ApiResponse)]
pub enum PdfResponse {
    /// The Protokoll as stored when the result was locked.
    #[oai(status = 200, content_type = "application/pdf")]
    Pdf(Attachment<Vec<u8>>),
}

fn ranking_of(r: std::sync::Arc<crate::services::jury::ranking::Ranking>) -> RankingAnswer {
    let r = std::sync::Arc::unwrap_or_clone(r);
    RankingAnswer {
        basis: r.basis.into(),
        rule: crate::services::jury::protokoll::rule(r.basis).to_owned(),
        alpha: r.alpha,
        flag_above: r.flag_above,
        entries: r
            .entries
            .into_iter()
            .map(|e| RankedEntry {
                kennzahl: e.kennzahl,
                title: e.title,
                sheets: e.result.sheets as u32,
                mean: e.result.mean,
                median: e.result.median,
                normalised: e.result.normalised,
                std_dev: e.result.std_dev,
                range: e.result.range,
                discuss: e.result.discuss,
                raw_place: e.raw_place as u32,
                normalised_place: e.normalised_place as u32,
                out_in_round: e.out_in_round,
            })
            .collect(),
        unranked: r.unranked.into_iter().map(|(k, _)| k).collect(),
        jurors: r
            .jurors
            .into_iter()
            .map(|j| JurorLeniency {
                name: j.name,
                sheets: j.result.sheets as u32,
                mean: j.result.mean,
                leniency: j.result.leniency,
            })
            .collect(),
    }
}

fn rounds_of(all: Vec<rounds::RoundRecord>) -> Vec<RoundAnswer> {
    all.into_iter()
        .map(|r| RoundAnswer {
            number: r.round.number as u32,
            opened_at: r.round.opened_at,
            closed_at: r.round.closed_at,
            decisions: r
                .decisions
                .into_iter()
                .map(|(d, _)| RoundDecisionAnswer {
                    entry_id: d.entry_id,
                    outcome: d.outcome,
                    method: d.method,
                    votes_for: d.votes_for as u32,
                    votes_against: d.votes_against as u32,
                    remark: d.remark,
                })
                .collect(),
        })
        .collect()
}

/// The round's ruling from the body.
fn ruling_of(body: &RoundDecisionBody) -> Result<rounds::Ruling, crate::services::ServiceError> {
    use crate::domain::jury::rounds::{Outcome, Vote};
    match (&body.outcome, &body.votes) {
        (Some(outcome), None) => Ok(rounds::Ruling::Chair(
            Outcome::parse(outcome).unwrap_or(Outcome::On),
        )),
        (None, Some(votes)) => Ok(rounds::Ruling::Vote(
            votes
                .iter()
                .map(|v| Vote {
                    juror: v.juror_id,
                    in_favour: v.in_favour,
                })
                .collect(),
        )),
        _ => Err(crate::services::ServiceError::invalid(
            "outcome",
            "send either `outcome` (the chair decides) or `votes` (the members present vote), not both",
        )),
    }
}

fn state_name(state: sheets::SheetState) -> &'static str {
    match state {
        sheets::SheetState::Open => "open",
        sheets::SheetState::Draft => "draft",
        sheets::SheetState::Submitted => "submitted",
    }
}

fn precheck_of(
    row: crate::entities::precheck::Model,
) -> Result<Precheck, crate::entities::stored::Unreadable> {
    let verdict = row.verdict()?;
    Ok(Precheck {
        entry_id: row.entry_id,
        admitted: verdict == Verdict::Admitted,
        reason: verdict.reason().map(Into::into),
        remark: row.remark,
        jury_note: row.jury_note,
        decided_at: row.decided_at,
    })
}

fn entry_of(e: sheets::AnonymousEntry) -> JuryEntry {
    JuryEntry {
        kennzahl: e.kennzahl,
        title: e.title,
        summary: e.summary,
        description: e.description,
        goals: e.goals,
        details: e
            .details
            .into_iter()
            .map(|(label_de, label_en, value)| JuryDetail {
                label_de,
                label_en,
                value,
            })
            .collect(),
        jury_note: e.jury_note,
        attachments: e
            .attachments
            .into_iter()
            .map(|a| Anlage {
                number: a.number as u32,
                kind: a.label.to_owned(),
                size_bytes: a.size_bytes,
                may_name_author: a.may_name_author,
            })
            .collect(),
    }
}

/// Marks by criterion key, from the body (a criterion named twice is refused).
pub fn marks_of(
    marks: Vec<Mark>,
) -> Result<BTreeMap<String, Marked>, crate::services::ServiceError> {
    let mut all = BTreeMap::new();
    for mark in marks {
        let key = mark.criterion.clone();
        let marked = Marked {
            score: mark.score,
            comment: mark.comment.unwrap_or_default(),
        };
        if all.insert(key.clone(), marked).is_some() {
            return Err(crate::services::ServiceError::invalid(
                "marks",
                format!("criterion `{key}` is named twice"),
            ));
        }
    }
    Ok(all)
}

impl JuryApi {
    /// What the open round decides about the entry with `kennzahl`, recorded by
    /// whoever presides (the chair, or staff keeping the minutes); answers the
    /// rounds as they stand.
    async fn decide_in_round(
        &self,
        presiding: &Presiding,
        kennzahl: &str,
        body: &RoundDecisionBody,
    ) -> Result<Answer<Vec<RoundAnswer>>, ApiProblem> {
        let db = &self.state.db;
        let ruling = ruling_of(body)?;
        let remark = body.remark.clone().unwrap_or_default();
        rounds::decide(db, presiding, self.state.now(), kennzahl, ruling, &remark).await?;
        let all = rounds::all(db, presiding.competition_id()).await?;
        Ok(Answer::Ok(Json(rounds_of(all))))
    }
}

#[OpenApi(tag = "ApiTags::Jury")]
impl JuryApi {
    /// A competition's jury (staff): settings, criteria (the defaults until set)
    /// and the panel.
    #[oai(path = "/competitions/:id/jury", method = "get")]
    async fn jury(&self, auth: StaffAuth, id: Path<i64>) -> Result<Answer<Jury>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        self.jury_of(manager.competition_id()).await
    }

    /// Change the jury's settings (staff), until the result is decided.
    #[oai(path = "/competitions/:id/jury", method = "patch")]
    async fn change_jury(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<JuryChange>,
    ) -> Result<Answer<Jury>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let body = body.0;
        let change = jury::SettingsChange {
            basis: body.basis.map(Into::into),
            quorum: body.quorum,
            others_after_submitting: body.others_after_submitting,
            deadline: body.deadline.map(Some),
        };
        jury::update_settings(db, &manager, self.state.now(), change).await?;
        self.jury_of(id.0).await
    }

    /// Set the criteria (staff), replacing the ones before; refused once the first
    /// score is saved.
    #[oai(path = "/competitions/:id/jury/criteria", method = "put")]
    async fn set_criteria(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<Vec<Criterion>>,
    ) -> Result<Answer<Vec<Criterion>>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let specs = body.0.into_iter().map(Into::into).collect();
        let saved = jury::set_criteria(db, &manager, self.state.now(), specs).await?;
        Ok(Answer::Ok(Json(
            saved.iter().map(|c| (&c.spec).into()).collect(),
        )))
    }

    /// Invite a juror from the pool (accounts with the role juror) to a seat
    /// (staff); they get an email with the link to accept. One chair per panel.
    #[oai(path = "/competitions/:id/jury/panel", method = "post")]
    async fn invite(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<SeatInvitation>,
    ) -> Result<Created<Vec<Seat>>, ApiProblem> {
        let state = &self.state;
        let manager = auth.manager(&state.db, id.0).await?;
        panel::invite(
            &state.db,
            &manager,
            state.now(),
            body.0.user_id,
            body.0.role.into(),
            &state.settings.server.public_url,
        )
        .await?;
        state.queued();
        let members = panel::members(&state.db, id.0).await?;
        Ok(Created::New(Json(
            members.into_iter().map(Into::into).collect(),
        )))
    }

    /// Move someone on the panel to another seat (staff), e.g. name the chair.
    #[oai(path = "/competitions/:id/jury/panel/:user_id", method = "patch")]
    async fn change_seat(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        user_id: Path<i64>,
        body: Json<SeatChange>,
    ) -> Result<Answer<Vec<Seat>>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        panel::set_role(
            db,
            &manager,
            self.state.now(),
            user_id.0,
            body.0.role.into(),
        )
        .await?;
        let members = panel::members(db, id.0).await?;
        Ok(Answer::Ok(Json(
            members.into_iter().map(Into::into).collect(),
        )))
    }

    /// Take someone off the panel (staff), as long as they have not scored.
    #[oai(path = "/competitions/:id/jury/panel/:user_id", method = "delete")]
    async fn remove(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        user_id: Path<i64>,
    ) -> Result<NoContent, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        panel::remove(db, &manager, self.state.now(), user_id.0).await?;
        Ok(NoContent::Done)
    }

    /// Give the pre-check's verdict on an entry (staff of its competition):
    /// admitted, or excluded with a reason; an excluded entrant is told by email.
    /// Possible after the deadline until the first score is saved.
    #[oai(path = "/entries/:id/precheck", method = "put")]
    async fn precheck(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<PrecheckBody>,
    ) -> Result<Answer<Precheck>, ApiProblem> {
        let state = &self.state;
        let manager =
            crate::services::authorization::manager_of_entry(&state.db, auth.0.person(), id.0)
                .await?;
        let body = body.0;
        let verdict = match (body.admitted, body.reason) {
            (true, None) => Verdict::Admitted,
            (false, Some(reason)) => Verdict::Excluded(reason.into()),
            (true, Some(_)) => {
                return Err(crate::services::ServiceError::invalid(
                    "reason",
                    "an admitted entry has no exclusion reason; leave `reason` out",
                )
                .into());
            }
            (false, None) => {
                return Err(crate::services::ServiceError::invalid(
                    "reason",
                    "name the `reason` for the exclusion: late, off_topic, incomplete, duplicate or not_eligible",
                )
                .into());
            }
        };
        let saved = precheck::decide(
            &state.db,
            &manager,
            state.now(),
            id.0,
            precheck::Decision {
                verdict,
                remark: body.remark.unwrap_or_default(),
                jury_note: body.jury_note.unwrap_or_default(),
            },
            &state.settings.server.public_url,
        )
        .await?;
        state.queued();
        Ok(Answer::Ok(Json(precheck_of(saved)?)))
    }

    /// Admit every submitted entry without a verdict (staff).
    #[oai(path = "/competitions/:id/precheck/admit-rest", method = "post")]
    async fn admit_rest(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<Admitted>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let admitted = precheck::admit_the_rest(db, &manager, self.state.now()).await?;
        Ok(Answer::Ok(Json(Admitted { admitted })))
    }

    /// The pre-check report (staff): submitted, admitted, excluded per reason, open.
    #[oai(path = "/competitions/:id/precheck", method = "get")]
    async fn report(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<PrecheckReport>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let report = precheck::report(db, manager.competition_id()).await?;
        Ok(Answer::Ok(Json(PrecheckReport {
            submitted: report.submitted,
            admitted: report.admitted,
            excluded: report
                .excluded
                .iter()
                .map(|(reason, count)| ReasonCount {
                    reason: (*reason).into(),
                    count: *count,
                })
                .collect(),
            open: report.open,
        })))
    }

    /// Every recorded conflict of interest (staff).
    #[oai(path = "/competitions/:id/jury/conflicts", method = "get")]
    async fn conflicts(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<Vec<Conflict>>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let lines = conflicts::list(db, &manager).await?;
        Ok(Answer::Ok(Json(
            lines
                .into_iter()
                .map(|line| Conflict {
                    id: line.conflict.id,
                    juror_id: line.conflict.juror_id,
                    juror_name: line.juror,
                    entry_id: line.conflict.entry_id,
                    kennzahl: line.kennzahl,
                    status: line.conflict.status.into(),
                    hints: serde_json::json!(line.hints),
                    reason: line.conflict.reason,
                    decision_reason: line.conflict.decision_reason,
                })
                .collect(),
        )))
    }

    /// Look for likely conflicts of every seated juror with every entry (staff):
    /// same organisation or school, email domain (not free mail), surname, or
    /// the juror wrote it. Each becomes a suspicion for staff to rule on.
    #[oai(path = "/competitions/:id/jury/conflicts/detect", method = "post")]
    async fn detect(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<Suspected>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let added = conflicts::detect(db, &manager, self.state.now()).await?;
        Ok(Answer::Ok(Json(Suspected {
            suspected: added as u64,
        })))
    }

    /// Confirm or dismiss a suspected conflict, with the reason (staff).
    #[oai(path = "/competitions/:id/jury/conflicts/:conflict_id", method = "put")]
    async fn rule(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        conflict_id: Path<i64>,
        body: Json<ConflictRuling>,
    ) -> Result<NoContent, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let ruling = if body.0.confirmed {
            DomainRuling::Confirm
        } else {
            DomainRuling::Dismiss
        };
        conflicts::rule(
            db,
            &manager,
            self.state.now(),
            conflict_id.0,
            ruling,
            &body.0.reason,
        )
        .await?;
        Ok(NoContent::Done)
    }

    /// Remind every seated juror with open score sheets now (staff): one email
    /// each, at most once an hour (a second click sends nothing).
    #[oai(path = "/competitions/:id/jury/reminders", method = "post")]
    async fn remind(&self, auth: StaffAuth, id: Path<i64>) -> Result<Answer<Reminded>, ApiProblem> {
        let state = &self.state;
        let manager = auth.manager(&state.db, id.0).await?;
        let n = crate::services::jury::reminders::remind_now(
            &state.db,
            &manager,
            state.now(),
            &state.settings.server.public_url,
        )
        .await?;
        state.queued();
        Ok(Answer::Ok(Json(Reminded { reminded: n as u64 })))
    }

    /// How far the panel is (staff): per juror, and entries short of the quorum.
    #[oai(path = "/competitions/:id/jury/progress", method = "get")]
    async fn progress(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<Progress>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let progress = sheets::progress(db, &manager).await?;
        Ok(Answer::Ok(Json(Progress {
            admitted: progress.admitted,
            quorum: progress.quorum,
            below_quorum: progress.below_quorum,
            jurors: progress
                .jurors
                .into_iter()
                .map(|j| JurorProgress {
                    user_id: j.person.id,
                    name: j.person.display_name,
                    role: j.role.into(),
                    status: j.seat.as_str().to_owned(),
                    to_score: j.to_score,
                    drafts: j.drafts,
                    submitted: j.submitted,
                })
                .collect(),
        })))
    }

    /// The ranking as it stands (staff): both rankings, disagreement, leniency,
    /// the panel's agreement and the tie-break rule.
    #[oai(path = "/competitions/:id/jury/ranking", method = "get")]
    async fn staff_ranking(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<RankingAnswer>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let r = self
            .state
            .rankings
            .ranking(db, manager.competition_id())
            .await?;
        Ok(Answer::Ok(Json(ranking_of(r))))
    }

    /// The rounds with their decisions (staff).
    #[oai(path = "/competitions/:id/jury/rounds", method = "get")]
    async fn staff_rounds(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<Vec<RoundAnswer>>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let all = rounds::all(db, manager.competition_id()).await?;
        Ok(Answer::Ok(Json(rounds_of(all))))
    }

    /// Open the next round (staff keeping the minutes); one round is open at a time.
    #[oai(path = "/competitions/:id/jury/rounds", method = "post")]
    async fn staff_open_round(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Created<Vec<RoundAnswer>>, ApiProblem> {
        let db = &self.state.db;
        let presiding = auth.manager(db, id.0).await?.presiding();
        rounds::open(db, &presiding, self.state.now()).await?;
        Ok(Created::New(Json(rounds_of(rounds::all(db, id.0).await?))))
    }

    /// Close the open round (staff).
    #[oai(path = "/competitions/:id/jury/rounds/close", method = "post")]
    async fn staff_close_round(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<Vec<RoundAnswer>>, ApiProblem> {
        let db = &self.state.db;
        let presiding = auth.manager(db, id.0).await?.presiding();
        rounds::close(db, &presiding, self.state.now()).await?;
        Ok(Answer::Ok(Json(rounds_of(rounds::all(db, id.0).await?))))
    }

    /// Record what the open round decides about an entry (staff): the chair's
    /// decision or the votes of the members present (a tie goes with the chair).
    #[oai(
        path = "/competitions/:id/jury/rounds/current/:kennzahl",
        method = "put"
    )]
    async fn staff_round_decision(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        kennzahl: Path<String>,
        body: Json<RoundDecisionBody>,
    ) -> Result<Answer<Vec<RoundAnswer>>, ApiProblem> {
        let presiding = auth.manager(&self.state.db, id.0).await?.presiding();
        self.decide_in_round(&presiding, &kennzahl.0, &body.0).await
    }

    /// The stored Protokolls of the competition (staff), newest first.
    #[oai(path = "/competitions/:id/jury/protokoll", method = "get")]
    async fn protokolls(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<Vec<StoredDocument>>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let all = decision::documents(db, manager.competition_id()).await?;
        Ok(Answer::Ok(Json(
            all.into_iter()
                .map(|d| StoredDocument {
                    id: d.id,
                    sha256: d.sha256,
                    created_at: d.created_at,
                })
                .collect(),
        )))
    }

    /// The latest stored Protokoll as PDF (staff).
    #[oai(path = "/competitions/:id/jury/protokoll.pdf", method = "get")]
    async fn protokoll_pdf(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<PdfResponse, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let latest = decision::latest_document(db, manager.competition_id())
            .await?
            .ok_or_else(|| {
                crate::services::ServiceError::not_found("Protokoll", "before the result is locked")
            })?;
        Ok(PdfResponse::Pdf(
            Attachment::new(latest.content).filename(format!("protokoll-{}.pdf", id.0)),
        ))
    }

    /// The ranking as it stands, for the chair of the panel.
    #[oai(path = "/jury/competitions/:id/ranking", method = "get")]
    async fn chair_ranking(
        &self,
        auth: JurorAuth,
        id: Path<i64>,
    ) -> Result<Answer<RankingAnswer>, ApiProblem> {
        let db = &self.state.db;
        let presiding = auth.juror(db, id.0).await?.presiding()?;
        let r = self
            .state
            .rankings
            .ranking(db, presiding.competition_id())
            .await?;
        Ok(Answer::Ok(Json(ranking_of(r))))
    }

    /// Open the next round (the chair).
    #[oai(path = "/jury/competitions/:id/rounds", method = "post")]
    async fn chair_open_round(
        &self,
        auth: JurorAuth,
        id: Path<i64>,
    ) -> Result<Created<Vec<RoundAnswer>>, ApiProblem> {
        let db = &self.state.db;
        let presiding = auth.juror(db, id.0).await?.presiding()?;
        rounds::open(db, &presiding, self.state.now()).await?;
        Ok(Created::New(Json(rounds_of(rounds::all(db, id.0).await?))))
    }

    /// Close the open round (the chair).
    #[oai(path = "/jury/competitions/:id/rounds/close", method = "post")]
    async fn chair_close_round(
        &self,
        auth: JurorAuth,
        id: Path<i64>,
    ) -> Result<Answer<Vec<RoundAnswer>>, ApiProblem> {
        let db = &self.state.db;
        let presiding = auth.juror(db, id.0).await?.presiding()?;
        rounds::close(db, &presiding, self.state.now()).await?;
        Ok(Answer::Ok(Json(rounds_of(rounds::all(db, id.0).await?))))
    }

    /// Record what the open round decides about an entry (the chair).
    #[oai(
        path = "/jury/competitions/:id/rounds/current/:kennzahl",
        method = "put"
    )]
    async fn chair_round_decision(
        &self,
        auth: JurorAuth,
        id: Path<i64>,
        kennzahl: Path<String>,
        body: Json<RoundDecisionBody>,
    ) -> Result<Answer<Vec<RoundAnswer>>, ApiProblem> {
        let presiding = auth.juror(&self.state.db, id.0).await?.presiding()?;
        self.decide_in_round(&presiding, &kennzahl.0, &body.0).await
    }

    /// Lock the result (the chair): `in_review → decided`, refused while a round
    /// is open, an entry is not pre-checked or an admitted entry lacks sheets
    /// from the quorum. Reveals the authors to the jury and stores the Protokoll.
    #[oai(path = "/jury/competitions/:id/decision", method = "post")]
    async fn chair_lock(
        &self,
        auth: JurorAuth,
        id: Path<i64>,
        body: Json<LockBody>,
    ) -> Result<Answer<super::models::Competition>, ApiProblem> {
        let db = &self.state.db;
        let presiding = auth.juror(db, id.0).await?.presiding()?;
        let remark = body
            .0
            .remark
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let locked = decision::lock(db, &presiding, self.state.now(), remark).await?;
        self.state.changed();
        Ok(Answer::Ok(Json(super::models::Competition::from_model(
            locked,
            self.state.now(),
        )?)))
    }

    /// The panels the calling juror was invited to.
    #[oai(path = "/jury/panels", method = "get")]
    async fn my_panels(&self, auth: JurorAuth) -> Result<Answer<Vec<MyPanel>>, ApiProblem> {
        let seats = panel::of_person(&self.state.db, &auth.0).await?;
        Ok(Answer::Ok(Json(
            seats
                .into_iter()
                .map(|(seat, competition)| MyPanel {
                    competition_id: competition.id,
                    competition: competition.full_name(),
                    role: seat.role.into(),
                    status: seat.seat().as_str().to_owned(),
                })
                .collect(),
        )))
    }

    /// Accept or decline an invitation to a panel (the invited juror).
    #[oai(path = "/jury/competitions/:id/answer", method = "post")]
    async fn answer(
        &self,
        auth: JurorAuth,
        id: Path<i64>,
        body: Json<PanelAnswer>,
    ) -> Result<NoContent, ApiProblem> {
        let answer = if body.0.accept {
            DomainAnswer::Accept
        } else {
            DomainAnswer::Decline
        };
        panel::answer(&self.state.db, &auth.0, self.state.now(), id.0, answer).await?;
        Ok(NoContent::Done)
    }

    /// The entries the calling juror scores (admitted, no conflict), by Kennzahl,
    /// with the state of their own sheet; empty until the review starts.
    #[oai(path = "/jury/competitions/:id/entries", method = "get")]
    async fn queue(
        &self,
        auth: JurorAuth,
        id: Path<i64>,
    ) -> Result<Answer<Vec<QueuedEntry>>, ApiProblem> {
        let db = &self.state.db;
        let juror = auth.juror(db, id.0).await?;
        let lines = sheets::queue(db, &juror).await?;
        Ok(Answer::Ok(Json(
            lines
                .into_iter()
                .map(|l| QueuedEntry {
                    kennzahl: l.kennzahl,
                    title: l.title,
                    sheet: state_name(l.state).to_owned(),
                })
                .collect(),
        )))
    }

    /// One entry as the jury sees it, with the caller's sheet (and the others'
    /// scores once the caller may see them).
    #[oai(path = "/jury/competitions/:id/entries/:kennzahl", method = "get")]
    async fn sheet(
        &self,
        auth: JurorAuth,
        id: Path<i64>,
        kennzahl: Path<String>,
    ) -> Result<Answer<JurySheet>, ApiProblem> {
        let db = &self.state.db;
        let juror = auth.juror(db, id.0).await?;
        let view = sheets::sheet(db, &juror, &kennzahl.0).await?;
        Ok(Answer::Ok(Json(JurySheet {
            criteria: view.criteria.iter().map(|c| (&c.spec).into()).collect(),
            marks: view
                .marks
                .into_iter()
                .map(|(criterion, m)| Mark {
                    criterion,
                    score: m.score,
                    comment: Some(m.comment),
                })
                .collect(),
            sheet: state_name(view.state).to_owned(),
            others: view.others,
            revealed: view.revealed,
            entry: entry_of(view.entry),
        })))
    }

    /// Save the caller's sheet for an entry: a draft, or submitted.
    #[oai(
        path = "/jury/competitions/:id/entries/:kennzahl/sheet",
        method = "put"
    )]
    async fn save_sheet(
        &self,
        auth: JurorAuth,
        id: Path<i64>,
        kennzahl: Path<String>,
        body: Json<SheetBody>,
    ) -> Result<NoContent, ApiProblem> {
        let db = &self.state.db;
        let juror = auth.juror(db, id.0).await?;
        let body = body.0;
        let marks = marks_of(body.marks)?;
        sheets::save(
            db,
            &juror,
            self.state.now(),
            &kennzahl.0,
            marks,
            body.submit,
        )
        .await?;
        Ok(NoContent::Done)
    }

    /// Declare a conflict of interest with an entry: from then on the caller
    /// neither sees nor scores it.
    #[oai(
        path = "/jury/competitions/:id/entries/:kennzahl/conflict",
        method = "post"
    )]
    async fn declare(
        &self,
        auth: JurorAuth,
        id: Path<i64>,
        kennzahl: Path<String>,
        body: Json<Declaration>,
    ) -> Result<NoContent, ApiProblem> {
        let db = &self.state.db;
        let juror = auth.juror(db, id.0).await?;
        conflicts::declare(db, &juror, self.state.now(), &kennzahl.0, &body.0.reason).await?;
        Ok(NoContent::Done)
    }

    /// An attachment of an entry, by number, under its anonymous name.
    #[oai(
        path = "/jury/competitions/:id/entries/:kennzahl/attachments/:number",
        method = "get"
    )]
    async fn attachment(
        &self,
        auth: JurorAuth,
        id: Path<i64>,
        kennzahl: Path<String>,
        number: Path<u32>,
    ) -> Result<FileResponse, ApiProblem> {
        let state = &self.state;
        let juror = auth.juror(&state.db, id.0).await?;
        let (name, content) = sheets::attachment(
            &state.db,
            &state.files,
            &juror,
            &kennzahl.0,
            number.0 as usize,
        )
        .await?;
        Ok(FileResponse::File(Attachment::new(content).filename(name)))
    }
}

impl JuryApi {
    async fn jury_of(&self, id: i64) -> Result<Answer<Jury>, ApiProblem> {
        let db = &self.state.db;
        let settings = jury::settings(db, id).await?;
        let criteria = jury::criteria(db, id).await?;
        let members = panel::members(db, id).await?;
        Ok(Answer::Ok(Json(Jury {
            basis: settings.basis.into(),
            quorum: settings.quorum,
            others_after_submitting: settings.others_after_submitting,
            deadline: settings.deadline,
            scoring_started_at: settings.scoring_started_at,
            criteria: criteria.iter().map(|c| (&c.spec).into()).collect(),
            panel: members.into_iter().map(Into::into).collect(),
        })))
    }
}
