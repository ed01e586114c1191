//! The JSON API, described by the OpenAPI document at `/api/openapi.json`.

mod account;
mod announcements;
mod auth;
mod competitions;
pub mod contract;
mod document;
mod emails;
mod entries;
mod entry_files;
mod entry_team;
mod jury;
pub mod models;
mod overall;
mod payouts;
mod prepared;
mod prizes;
mod programmes;
mod responses;
mod staff_entries;
mod subscriptions;
mod users;
mod votes;

use poem_openapi::{OpenApiService, Tags};

use crate::app::AppState;

#[derive(Tags)]
enum ApiTags {
    /// Programmes and their phases.
    Programmes,
    /// Competitions and their lifecycle.
    Competitions,
    /// "Notify me" subscriptions.
    Subscriptions,
    /// The email outbox.
    Emails,
    /// The caller's own account.
    Account,
    /// Accounts and roles.
    Users,
    /// Entering ideas.
    Entries,
    /// The jury: pre-check, panel, criteria, conflicts and score sheets.
    Jury,
    /// Prizes, their award within the budget, the budget overview, and the
    /// announcement of the results.
    Prizes,
    /// The public vote (people's choice): the shortlist, ballots with their
    /// confirmation, fraud signals and the result after the close.
    Vote,
}

pub type Api = (
    programmes::ProgrammesApi,
    competitions::CompetitionsApi,
    subscriptions::SubscriptionsApi,
    emails::EmailsApi,
    account::AccountApi,
    users::UsersApi,
    entries::EntriesApi,
    entry_files::EntryFilesApi,
    entry_team::EntryTeamApi,
    staff_entries::StaffEntriesApi,
    jury::JuryApi,
    prizes::PrizesApi,
    announcements::AnnouncementsApi,
    payouts::PayoutsApi,
    votes::VotesApi,
    overall::OverallApi,
);

/// The API service, mounted at `/api`.
/// The OpenAPI document as served (poem-openapi's, finished by `document`).
pub fn document(service: &OpenApiService<Api, ()>) -> String {
    document::finish(&service.spec())
}

pub fn service(state: AppState) -> OpenApiService<Api, ()> {
    let api = (
        programmes::ProgrammesApi {
            state: state.clone(),
        },
        competitions::CompetitionsApi {
            state: state.clone(),
        },
        subscriptions::SubscriptionsApi {
            state: state.clone(),
        },
        emails::EmailsApi {
            state: state.clone(),
        },
        account::AccountApi {
            state: state.clone(),
        },
        users::UsersApi {
            state: state.clone(),
        },
        entries::EntriesApi {
            state: state.clone(),
        },
        entry_files::EntryFilesApi {
            state: state.clone(),
        },
        entry_team::EntryTeamApi {
            state: state.clone(),
        },
        staff_entries::StaffEntriesApi {
            state: state.clone(),
        },
        jury::JuryApi {
            state: state.clone(),
        },
        prizes::PrizesApi {
            state: state.clone(),
        },
        announcements::AnnouncementsApi {
            state: state.clone(),
        },
        payouts::PayoutsApi {
            state: state.clone(),
        },
        votes::VotesApi {
            state: state.clone(),
        },
        overall::OverallApi { state },
    );
    OpenApiService::new(api, "Ideenwettbewerb API", env!("CARGO_PKG_VERSION"))
        .description(
            "Run civic idea competitions: programmes, phases, competitions and their \
             lifecycle. Errors are RFC 9457 problem details (application/problem+json). \
             Staff operations need an administrator token: `Authorization: Bearer iw_…`.",
        )
        .server("/api")
}
