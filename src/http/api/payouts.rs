//! Winners' payout details: the lead author enters them, staff see their
//! status (the IBAN masked), administrators export them for the treasury.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Attachment, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::announcements::PublicPrizeAnswer;
use super::auth::{AdminAuth, StaffAuth, UserAuth};
use super::responses::Answer;
use crate::app::AppState;
use crate::domain::payout::{Needs, Typed};
use crate::http::problem::ApiProblem;
use crate::services::exports;
use crate::services::payouts::{self, PayoutForm, PayoutLine};

pub struct PayoutsApi {
    pub state: AppState,
}

/// What the prizes need: a bank account (cash, grants), a postal address
/// (vouchers); nothing for an event.
#[derive(Debug, Clone, Object)]
pub struct NeedsAnswer {
    pub bank_account: bool,
    pub postal_address: bool,
}

impl From<Needs> for NeedsAnswer {
    fn from(needs: Needs) -> Self {
        Self {
            bank_account: needs.bank,
            postal_address: needs.address,
        }
    }
}

/// Payout details as their author typed them (fields not needed are empty).
#[derive(Debug, Clone, Object)]
pub struct PayoutBody {
    /// The account holder (for cash and grants).
    #[oai(default)]
    pub account_holder: String,
    /// The IBAN, with or without spaces; checked for its country's format and
    /// its check digits.
    #[oai(default)]
    pub iban: String,
    /// Street and house number (for vouchers).
    #[oai(default)]
    pub street: String,
    #[oai(default)]
    pub postcode: String,
    #[oai(default)]
    pub city: String,
}

/// An awarded entry's payout details, for its lead author.
#[derive(Debug, Clone, Object)]
pub struct PayoutAnswer {
    pub entry_id: i64,
    pub kennzahl: String,
    pub title: String,
    pub prizes: Vec<PublicPrizeAnswer>,
    pub needs: NeedsAnswer,
    /// Whether everything needed is there.
    pub complete: bool,
    /// What is stored (empty fields while nothing is).
    pub details: PayoutBody,
    #[oai(skip_serializing_if_is_none)]
    pub updated_at: Option<DateTime<Utc>>,
    /// Whether the author may be named with the results (never for entries
    /// of children).
    pub may_be_named: bool,
    /// The name the author agreed to publish with the results.
    #[oai(skip_serializing_if_is_none)]
    pub public_name: Option<String>,
}

/// The name to publish with the results, or none to withdraw the consent.
#[derive(Debug, Clone, Object)]
pub struct PublicNameBody {
    #[oai(skip_serializing_if_is_none)]
    pub public_name: Option<String>,
}

impl From<PayoutForm> for PayoutAnswer {
    fn from(form: PayoutForm) -> Self {
        let complete = form.complete();
        let typed = form.stored.as_ref().map(|d| d.typed()).unwrap_or_default();
        Self {
            entry_id: form.entry_id,
            kennzahl: form.kennzahl,
            title: form.title,
            prizes: form
                .prizes
                .into_iter()
                .map(PublicPrizeAnswer::from)
                .collect(),
            needs: form.needs.into(),
            complete,
            details: PayoutBody {
                account_holder: typed.holder,
                iban: typed.iban,
                street: typed.street,
                postcode: typed.postcode,
                city: typed.city,
            },
            updated_at: form.updated_at,
            may_be_named: form.may_be_named,
            public_name: form.public_name,
        }
    }
}

/// One awarded entry's payout status, as staff see it.
#[derive(Debug, Clone, Object)]
pub struct PayoutStatus {
    pub entry_id: i64,
    pub kennzahl: String,
    pub title: String,
    pub amount_cents: i64,
    pub needs: NeedsAnswer,
    pub complete: bool,
    /// The IBAN masked (`DE89 **** 3000`), empty while there is none.
    pub iban_masked: String,
    pub has_address: bool,
    #[oai(skip_serializing_if_is_none)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<PayoutLine> for PayoutStatus {
    fn from(line: PayoutLine) -> Self {
        Self {
            complete: line.complete(),
            entry_id: line.entry_id,
            kennzahl: line.kennzahl,
            title: line.title,
            amount_cents: line.amount.cents(),
            needs: line.needs.into(),
            iban_masked: line.iban_masked,
            has_address: line.has_address,
            updated_at: line.updated_at,
        }
    }
}

#[derive(ApiResponse)]
pub enum PayoutExportResponse {
    /// CSV for spreadsheets (UTF-8 with BOM, semicolon-separated).
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Attachment<Vec<u8>>),
    /// An Excel workbook.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Xlsx(Attachment<Vec<u8>>),
}

#[OpenApi(tag = "ApiTags::Prizes")]
impl PayoutsApi {
    /// An awarded entry's payout details, for the person who started the
    /// entry, from the announcement on; 404 for anyone else, for an entry
    /// without a prize and before the announcement.
    #[oai(path = "/entries/:id/payout", method = "get")]
    async fn payout(
        &self,
        auth: UserAuth,
        id: Path<i64>,
    ) -> Result<Answer<PayoutAnswer>, ApiProblem> {
        let form = payouts::form(&self.state.db, &self.state.secrets, &auth.0, id.0).await?;
        Ok(Answer::Ok(Json(form.into())))
    }

    /// Enter or replace the payout details (422 with every field's problem,
    /// nothing stored; 422 when the prizes are events and need none).
    #[oai(path = "/entries/:id/payout", method = "put")]
    async fn save(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        body: Json<PayoutBody>,
    ) -> Result<Answer<PayoutAnswer>, ApiProblem> {
        let body = body.0;
        let typed = Typed {
            holder: body.account_holder,
            iban: body.iban,
            street: body.street,
            postcode: body.postcode,
            city: body.city,
        };
        let saved = payouts::save(
            &self.state.db,
            &self.state.secrets,
            &auth.0,
            id.0,
            self.state.now(),
            &typed,
        )
        .await?;
        Ok(Answer::Ok(Json(saved.into())))
    }

    /// Name the author with the results (adults only; 403 for entries of
    /// children), or withdraw that consent with no name; from the
    /// announcement on, by the person who started the entry.
    #[oai(path = "/entries/:id/public-name", method = "put")]
    async fn public_name(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        body: Json<PublicNameBody>,
    ) -> Result<Answer<PayoutAnswer>, ApiProblem> {
        let saved = payouts::set_public_name(
            &self.state.db,
            &self.state.secrets,
            &auth.0,
            id.0,
            self.state.now(),
            body.0.public_name.as_deref(),
        )
        .await?;
        Ok(Answer::Ok(Json(saved.into())))
    }

    /// Every awarded entry's payout status (staff of the competition), the
    /// IBANs masked.
    #[oai(path = "/competitions/:id/payouts", method = "get")]
    async fn overview(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<Vec<PayoutStatus>>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let lines = payouts::overview(db, &manager).await?;
        Ok(Answer::Ok(Json(
            lines.into_iter().map(Into::into).collect(),
        )))
    }

    /// The payout details in full for the city's treasury (administrators
    /// only); every export is recorded in the audit log.
    #[oai(path = "/competitions/:id/payouts/export", method = "get")]
    async fn export(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        /// `csv` (the default) or `xlsx`.
        #[oai(validator(pattern = "^(csv|xlsx)$"))]
        format: Query<Option<String>>,
    ) -> Result<PayoutExportResponse, ApiProblem> {
        let state = &self.state;
        let (competition, records) =
            payouts::export(&state.db, &state.secrets, &auth.0, id.0, state.now()).await?;
        let name = format!("auszahlung-{}", competition.slug);
        Ok(match format.0.as_deref() {
            Some("xlsx") => PayoutExportResponse::Xlsx(
                Attachment::new(exports::payouts_xlsx(&records)?).filename(format!("{name}.xlsx")),
            ),
            _ => PayoutExportResponse::Csv(
                Attachment::new(exports::payouts_csv(&records)?).filename(format!("{name}.csv")),
            ),
        })
    }
}
