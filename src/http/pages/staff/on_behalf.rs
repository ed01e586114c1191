//! Recording an idea that came by email, on paper or to the walk-in shop: the
//! entrant's form fields with the entrant's address, name and the way the idea
//! came. The form carries a one-time token: sending it twice (a double click, a
//! retry after a lost answer) records one idea and sends one receipt.

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Response, handler};
use serde::Serialize;
use tera::Context;

use super::super::entries::{
    Fields, FormValues, field, insert_content, programme_goals, typed_content,
};
use super::super::extract::{CsrfForm, StaffMember};
use super::super::flash::{self, Flash, Notice};
use super::super::i18n::Lang;
use super::super::session::{internal, refusal};
use super::managed;
use crate::app::AppState;
use crate::domain::email_address::EmailAddress;
use crate::domain::entries::EntrySource;
use crate::domain::entry_form::{FieldProblem, Localized};
use crate::entities::competition;
use crate::services::authorization;
use crate::services::entries;
use crate::services::identity::tokens::random_token;
use crate::services::{ServiceError, competitions};

/// Who the idea is from, as typed into the form.
#[derive(Default, Serialize)]
struct Entrant {
    email: String,
    name: String,
    source: String,
    /// The day it arrived (`2020-09-29`); empty: today.
    arrived: String,
}

impl Entrant {
    fn from_fields(fields: &Fields) -> Self {
        let text = |name| field(fields, name).unwrap_or_default().trim().to_owned();
        Self {
            email: text("entrant_email"),
            name: text("entrant_name"),
            source: text("source"),
            arrived: text("arrived"),
        }
    }

    /// The start of the day it arrived, in Gera's time; `Err` if not a date.
    fn arrived_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, ()> {
        if self.arrived.is_empty() {
            return Ok(None);
        }
        crate::domain::time::parse_berlin(&format!("{}T00:00", self.arrived))
            .map(Some)
            .map_err(|_| ())
    }

    /// The address (None: the entrant has none), the source and what is wrong
    /// with what was typed.
    #[allow(clippy::type_complexity)]
    fn parse(
        &self,
    ) -> (
        Option<Option<EmailAddress>>,
        Option<EntrySource>,
        Vec<FieldProblem>,
    ) {
        let mut problems = Vec::new();
        let email = if self.email.is_empty() {
            Some(None)
        } else {
            EmailAddress::parse(&self.email).ok().map(Some)
        };
        if email.is_none() {
            problems.push(problem(
                "entrant_email",
                "Bitte prüfen Sie die E-Mail-Adresse, z. B. name@example.de, oder lassen Sie das Feld leer, wenn die Person keine hat.",
                "Please check the email address, e.g. name@example.de, or leave the field empty if the person has none.",
            ));
        }
        if self.arrived_at().is_err() {
            problems.push(problem(
                "arrived",
                "Bitte geben Sie den Tag des Eingangs als Datum an, z. B. 29.09.2020.",
                "Please enter the day it arrived as a date, e.g. 29/09/2020.",
            ));
        }
        if self.name.is_empty() || self.name.chars().count() > 200 {
            problems.push(problem(
                "entrant_name",
                "Bitte geben Sie den Namen der einreichenden Person an (höchstens 200 Zeichen).",
                "Please enter the entrant's name (at most 200 characters).",
            ));
        }
        let source = self
            .source
            .parse::<EntrySource>()
            .ok()
            .filter(|source| EntrySource::STAFF.contains(source));
        if source.is_none() {
            problems.push(problem(
                "source",
                "Bitte wählen Sie, wie die Idee eingegangen ist.",
                "Please choose how the idea arrived.",
            ));
        }
        (email, source, problems)
    }
}

/// Why an idea cannot be recorded with the day it arrived, in both languages.
fn arrival_refused(lang: Lang, err: &crate::domain::entries::EntryError) -> Localized {
    use crate::domain::entries::EntryError;
    let day = |at: chrono::DateTime<chrono::Utc>| match lang {
        Lang::De => crate::domain::time::format_de(at),
        Lang::En => crate::domain::time::format_en(at),
    };
    match err {
        EntryError::ArrivedLate { closes_at } => Localized::new(
            format!(
                "Die Idee ist nach dem Einsendeschluss ({}) eingegangen und kann nicht mehr angenommen werden.",
                day(*closes_at)
            ),
            format!(
                "The idea arrived after the deadline ({}) and can no longer be accepted.",
                day(*closes_at)
            ),
        ),
        EntryError::ArrivedInFuture { .. } => Localized::new(
            "Der Tag des Eingangs liegt in der Zukunft. Bitte prüfen Sie das Datum.",
            "The day it arrived is in the future. Please check the date.",
        ),
        _ => Localized::new(
            "Der Wettbewerb nimmt gerade keine Ideen an (auch keine, die rechtzeitig eingegangen sind).",
            "The competition does not take ideas now (not even ones that arrived in time).",
        ),
    }
}

fn problem(field: &str, de: &str, en: &str) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        message: Localized::new(de, en),
    }
}

#[handler]
pub async fn blank_form(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff,
        current,
    } = member;
    let (_, competition) = managed(&state, lang, &staff, id.0).await?;
    render(
        &state,
        lang,
        &competition,
        &current.session.csrf_token,
        &random_token(),
        &Entrant::default(),
        FormValues::default(),
    )
    .await
}

#[handler]
pub async fn record(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let staff =
        authorization::staff(current.user.clone()).map_err(|err| refusal(&state, lang, err))?;
    let (manager, competition) = managed(&state, lang, &staff, id.0).await?;
    let content = typed_content(&state, &competition, &fields).await?;
    let entrant = Entrant::from_fields(&fields);
    let token = field(&fields, "form_token")
        .filter(|t| !t.is_empty() && t.len() <= 100)
        .map(str::to_owned)
        .unwrap_or_else(random_token);
    let csrf = current.session.csrf_token.clone();
    let again = |problems: Vec<FieldProblem>, content| {
        let values = FormValues {
            content,
            errors: problems,
            ..Default::default()
        };
        render(&state, lang, &competition, &csrf, &token, &entrant, values)
    };
    let (email, source, problems) = entrant.parse();
    let (Some(email), Some(source), true) = (email, source, problems.is_empty()) else {
        return again(problems, content).await;
    };
    let known = email.is_some();
    let entered = entries::enter_on_behalf(
        &state.db,
        state.now(),
        &manager,
        entries::Arrival {
            email,
            name: entrant.name.clone(),
            source,
            arrived_at: entrant.arrived_at().ok().flatten(),
        },
        content.clone(),
        Some(&token),
        &state.settings.server.public_url,
    )
    .await;
    match entered {
        Ok(entry) => {
            state.queued();
            let receipt = entry.receipt_number.clone().unwrap_or_default();
            // Without an address, the receipt is printed and handed over.
            let (page, notice) = if known {
                ("", Notice::RecordedOnBehalf)
            } else {
                ("/bestaetigung", Notice::RecordedWithoutEmail)
            };
            Ok(flash::redirect(
                &state,
                &format!(
                    "/verwaltung/einreichungen/{}{page}?lang={}",
                    entry.id,
                    lang.code()
                ),
                Flash::with(notice, receipt),
            ))
        }
        Err(ServiceError::Fields(problems)) => again(problems, content).await,
        Err(ServiceError::Entry(refused)) => {
            let message = arrival_refused(lang, &refused);
            again(
                vec![FieldProblem {
                    field: "arrived".into(),
                    message,
                }],
                content,
            )
            .await
        }
        Err(err) => Err(refusal(&state, lang, err)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    lang: Lang,
    competition: &competition::Model,
    csrf: &str,
    form_token: &str,
    entrant: &Entrant,
    values: FormValues,
) -> poem::Result<Response> {
    let goals = programme_goals(state, competition)
        .await
        .map_err(internal)?;
    let entry_form = competitions::form_of(competition).map_err(internal)?;
    let mut context = Context::new();
    context.insert("competition_id", &competition.id);
    context.insert("headline", &competition.full_name());
    context.insert("csrf", csrf);
    context.insert("form_token", form_token);
    context.insert("on_behalf", &true);
    context.insert("entrant", entrant);
    let sources: Vec<(String, &str)> = EntrySource::STAFF
        .iter()
        .map(|s| (s.to_string(), lang.text(&format!("source_{s}"))))
        .collect();
    context.insert("sources", &sources);
    let error_of = insert_content(&mut context, lang, goals, &entry_form, &values);
    for key in ["entrant_email", "entrant_name", "source", "arrived"] {
        context.insert(format!("{key}_error"), &error_of(key));
    }
    let path = format!("/verwaltung/wettbewerbe/{}/erfassen", competition.id);
    let html = state
        .pages
        .render_html("staff_on_behalf.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    if !values.errors.is_empty() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}
