//! A winner's certificate (`/konto/ideen/:id/urkunde.pdf` for its authors,
//! `/verwaltung/einreichungen/:id/urkunde.pdf` for staff) and the results
//! export for staff (`/verwaltung/wettbewerbe/:id/ergebnisse.csv|xlsx`).

use poem::web::{Data, Path};
use poem::{Response, Route, get, handler};

use super::extract::{Person, StaffMember};
use super::session::{internal, refusal};
use crate::app::AppState;
use crate::services::{announcements, exports};

#[handler]
async fn certificate(
    id: Path<i64>,
    person: Person,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Person { lang, current } = person;
    let pdf = announcements::certificate(&state.db, &current.user, id.0, state.site.place())
        .await
        .map_err(|err| refusal(&state, lang, err))?;
    Ok(Response::builder()
        .content_type("application/pdf")
        .header(
            "content-disposition",
            format!("attachment; filename=\"urkunde-{}.pdf\"", id.0),
        )
        .header("cache-control", "private, no-store")
        .body(pdf))
}

async fn results_lines(
    state: &AppState,
    member: StaffMember,
    id: i64,
) -> poem::Result<(Vec<announcements::ResultLine>, String)> {
    let StaffMember { lang, staff, .. } = member;
    let (manager, competition) = super::staff::managed(state, lang, &staff, id).await?;
    let lines = announcements::result_lines(&state.db, &manager)
        .await
        .map_err(internal)?;
    Ok((lines, format!("ergebnisse-{}", competition.slug)))
}

#[handler]
async fn results_csv(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (lines, name) = results_lines(&state, member, id.0).await?;
    let csv = exports::results_csv(&lines).map_err(internal)?;
    Ok(download(
        csv,
        "text/csv; charset=utf-8",
        &format!("{name}.csv"),
    ))
}

#[handler]
async fn results_xlsx(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (lines, name) = results_lines(&state, member, id.0).await?;
    let xlsx = exports::results_xlsx(&lines).map_err(internal)?;
    Ok(download(
        xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{name}.xlsx"),
    ))
}

pub(super) fn download(body: Vec<u8>, content_type: &str, name: &str) -> Response {
    Response::builder()
        .content_type(content_type)
        .header(
            "content-disposition",
            format!("attachment; filename=\"{name}\""),
        )
        .header("cache-control", "private, no-store")
        .body(body)
}

pub(super) fn routes(route: Route) -> Route {
    route
        .at("/konto/ideen/:id/urkunde.pdf", get(certificate))
        .at(
            "/verwaltung/einreichungen/:id/urkunde.pdf",
            get(certificate),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/ergebnisse.csv",
            get(results_csv),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/ergebnisse.xlsx",
            get(results_xlsx),
        )
}
