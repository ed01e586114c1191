//! The one integration-test binary: black-box tests against the real server.

mod api;
mod bad_input;
mod browser;
mod email;
mod helpers;
mod lifecycle;
mod openapi;
mod pages;
