//! The one integration-test binary: black-box tests against the real server.

mod accounts;
mod announcement;
mod api;
mod attachments;
mod bad_input;
mod browser;
mod browser_session;
#[path = "../../benches/support/bulk.rs"]
mod bulk;
mod coauthors;
mod concurrency;
mod credentials;
mod email;
mod entries;
mod entry_pages;
mod faults;
mod helpers;
mod journey;
mod jury;
mod lifecycle;
mod openapi;
mod overall;
mod pages;
mod payouts;
mod people;
mod prizes;
mod programme_vote;
mod scale;
mod sign_in;
mod staff_pages;
mod stored;
mod vote;
