//! Ideenwettbewerb: civic idea competitions from the call for entries to the prize
//! ceremony.
//!
//! - `domain`: the rules (lifecycle, guards, money, time), free of HTTP and storage;
//! - `services`: use cases, one transaction each (rule, write, audit row, outbox);
//! - `http`: the JSON API and the public pages;
//! - `entities`: table shapes; `app`: wiring, startup and shutdown.

pub mod app;
pub mod clock;
pub mod config;
pub mod documents;
pub mod domain;
pub mod entities;
pub mod http;
pub mod mail;
pub mod scheduler;
pub mod services;
pub mod worker;
