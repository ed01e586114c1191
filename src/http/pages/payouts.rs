//! Payout details on the pages: the winner's form
//! (`/konto/ideen/:id/auszahlung`) and the treasury's export for
//! administrators (`/verwaltung/wettbewerbe/:id/auszahlung.csv|xlsx`). Staff
//! see the status on the announcement page.

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Response, Route, get, handler};
use serde::Serialize;
use tera::Context;

use super::entries::{Fields, field};
use super::extract::{CsrfForm, Person, StaffMember};
use super::flash::{self, Flash, Notice};
use super::i18n::Lang;
use super::session::{SignedIn, internal, refusal};
use crate::app::AppState;
use crate::domain::entry_form::FieldProblem;
use crate::domain::payout::Typed;
use crate::services::payouts::{self, PayoutForm};
use crate::services::{ServiceError, authorization, exports};

#[derive(Serialize)]
struct ErrorView {
    field: String,
    message: String,
}

#[derive(Serialize)]
struct PrizeView {
    text: String,
    kind: &'static str,
}

fn render(
    state: &AppState,
    lang: Lang,
    current: &SignedIn,
    form: &PayoutForm,
    typed: Option<Typed>,
    problems: Vec<FieldProblem>,
    name_error: Option<String>,
) -> Response {
    let typed =
        typed.unwrap_or_else(|| form.stored.as_ref().map(|d| d.typed()).unwrap_or_default());
    let errors: Vec<ErrorView> = problems
        .iter()
        .map(|p| ErrorView {
            field: p.field.clone(),
            message: p.message.get(lang.code()).to_owned(),
        })
        .collect();
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    };
    let mut context = Context::new();
    context.insert("csrf", &current.session.csrf_token);
    context.insert("entry_id", &form.entry_id);
    context.insert("title", &form.title);
    context.insert("kennzahl", &form.kennzahl);
    context.insert("competition", &form.competition.full_name());
    context.insert(
        "prizes",
        &form
            .prizes
            .iter()
            .map(|p| PrizeView {
                text: crate::services::announcements::prize_text(p, lang.code()),
                kind: p.kind.as_str(),
            })
            .collect::<Vec<_>>(),
    );
    context.insert("needs_bank", &form.needs.bank);
    context.insert("needs_address", &form.needs.address);
    context.insert("complete", &form.complete());
    context.insert("may_be_named", &form.may_be_named);
    context.insert("named", &form.public_name.is_some());
    context.insert(
        "public_name",
        form.public_name.as_deref().unwrap_or(&form.contact_name),
    );
    context.insert("name_error", &name_error);
    context.insert(
        "typed",
        &serde_json::json!({
            "holder": typed.holder,
            "iban": typed.iban,
            "street": typed.street,
            "postcode": typed.postcode,
            "city": typed.city,
        }),
    );
    for name in ["holder", "iban", "street", "postcode", "city"] {
        context.insert(format!("{name}_error"), &error_of(name));
    }
    context.insert("errors", &errors);
    let path = format!("/konto/ideen/{}/auszahlung", form.entry_id);
    let html = state
        .pages
        .render_html("payout_form.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    // What the winner typed is theirs: never kept by a browser or proxy cache.
    response.headers_mut().insert(
        "cache-control",
        "private, no-store".parse().expect("header"),
    );
    if !problems.is_empty() || name_error.is_some() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    response
}

#[handler]
async fn page(id: Path<i64>, person: Person, state: Data<&AppState>) -> poem::Result<Response> {
    let Person { lang, current } = person;
    let form = payouts::form(&state.db, &state.secrets, &current.user, id.0)
        .await
        .map_err(|err| refusal(&state, lang, err))?;
    Ok(render(
        &state,
        lang,
        &current,
        &form,
        None,
        Vec::new(),
        None,
    ))
}

#[handler]
async fn save(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let value = |name: &str| field(&fields, name).unwrap_or_default().to_owned();
    let typed = Typed {
        holder: value("holder"),
        iban: value("iban"),
        street: value("street"),
        postcode: value("postcode"),
        city: value("city"),
    };
    let db = &state.db;
    match payouts::save(db, &state.secrets, &current.user, id.0, state.now(), &typed).await {
        Ok(_) => Ok(flash::redirect(
            &state,
            &format!("/konto/ideen/{}/auszahlung?lang={}", id.0, lang.code()),
            Flash::new(Notice::PayoutSaved),
        )),
        Err(ServiceError::Fields(problems)) => {
            let stored = payouts::form(db, &state.secrets, &current.user, id.0)
                .await
                .map_err(|err| refusal(&state, lang, err))?;
            Ok(render(
                &state,
                lang,
                &current,
                &stored,
                Some(typed),
                problems,
                None,
            ))
        }
        Err(err) => Err(refusal(&state, lang, err)),
    }
}

#[handler]
async fn naming(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let consent = field(&fields, "name_consent").is_some();
    let typed = field(&fields, "public_name").unwrap_or_default().to_owned();
    let db = &state.db;
    let wanted = consent.then_some(typed.as_str());
    match payouts::set_public_name(db, &state.secrets, &current.user, id.0, state.now(), wanted)
        .await
    {
        Ok(_) => Ok(flash::redirect(
            &state,
            &format!("/konto/ideen/{}/auszahlung?lang={}", id.0, lang.code()),
            Flash::new(if consent {
                Notice::NameShown
            } else {
                Notice::NameHidden
            }),
        )),
        Err(ServiceError::Invalid { .. }) => {
            let stored = payouts::form(db, &state.secrets, &current.user, id.0)
                .await
                .map_err(|err| refusal(&state, lang, err))?;
            let error = Some(lang.text("payout_name_error").to_owned());
            Ok(render(
                &state,
                lang,
                &current,
                &stored,
                None,
                Vec::new(),
                error,
            ))
        }
        Err(err) => Err(refusal(&state, lang, err)),
    }
}

async fn export(
    state: &AppState,
    member: StaffMember,
    id: i64,
) -> poem::Result<(String, Vec<payouts::PayoutRecord>)> {
    let StaffMember { lang, staff, .. } = member;
    // Coordinators see the status; only administrators get the details.
    let admin =
        authorization::admin(staff.person().clone()).map_err(|err| refusal(state, lang, err))?;
    let (competition, records) =
        payouts::export(&state.db, &state.secrets, &admin, id, state.now())
            .await
            .map_err(|err| refusal(state, lang, err))?;
    Ok((format!("auszahlung-{}", competition.slug), records))
}

#[handler]
async fn export_csv(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (name, records) = export(&state, member, id.0).await?;
    let csv = exports::payouts_csv(&records).map_err(internal)?;
    Ok(super::certificates::download(
        csv,
        "text/csv; charset=utf-8",
        &format!("{name}.csv"),
    ))
}

#[handler]
async fn export_xlsx(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (name, records) = export(&state, member, id.0).await?;
    let xlsx = exports::payouts_xlsx(&records).map_err(internal)?;
    Ok(super::certificates::download(
        xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{name}.xlsx"),
    ))
}

pub(super) fn routes(route: Route) -> Route {
    route
        .at("/konto/ideen/:id/auszahlung", get(page).post(save))
        .at("/konto/ideen/:id/nennung", poem::post(naming))
        .at(
            "/verwaltung/wettbewerbe/:id/auszahlung.csv",
            get(export_csv),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/auszahlung.xlsx",
            get(export_xlsx),
        )
}
