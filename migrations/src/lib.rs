//! Database schema migrations, run at server start on SQLite and PostgreSQL alike.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_foundation;
mod m20261127_000002_email;
mod m20261127_000003_sessions;
mod m20261127_000004_credentials;
mod m20261127_000005_user_locale;
mod m20261127_000006_coordinators;
mod m20261127_000007_entries;
mod m20261127_000008_programme_goals;
mod m20261127_000009_entry_source;
mod m20261127_000010_entry_details;
mod m20261201_000011_known_values;
mod m20261201_000012_outbox_event_errors;
mod m20261201_000013_lookup_indexes;
mod m20261201_000014_email_claims;
mod m20261202_000015_email_delivery;
mod m20261202_000016_competition_reopened;
mod m20261202_000017_staff_scale;
mod m20261202_000018_account_status;
mod m20261202_000019_entry_counts;
mod m20261202_000020_entry_arrival;
mod m20261202_000021_jury;
mod m20261202_000022_jury_decision;
mod m20261202_000023_sheet_points;
mod m20261202_000024_prizes;
mod m20261202_000025_announcements;
mod m20261203_000026_payouts;
mod m20261203_000027_votes;
mod m20261203_000028_overall;
mod m20261203_000029_name_consents;
mod m20261204_000030_programme_votes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_foundation::Migration),
            Box::new(m20261127_000002_email::Migration),
            Box::new(m20261127_000003_sessions::Migration),
            Box::new(m20261127_000004_credentials::Migration),
            Box::new(m20261127_000005_user_locale::Migration),
            Box::new(m20261127_000006_coordinators::Migration),
            Box::new(m20261127_000007_entries::Migration),
            Box::new(m20261127_000008_programme_goals::Migration),
            Box::new(m20261127_000009_entry_source::Migration),
            Box::new(m20261127_000010_entry_details::Migration),
            Box::new(m20261201_000011_known_values::Migration),
            Box::new(m20261201_000012_outbox_event_errors::Migration),
            Box::new(m20261201_000013_lookup_indexes::Migration),
            Box::new(m20261201_000014_email_claims::Migration),
            Box::new(m20261202_000015_email_delivery::Migration),
            Box::new(m20261202_000016_competition_reopened::Migration),
            Box::new(m20261202_000017_staff_scale::Migration),
            Box::new(m20261202_000018_account_status::Migration),
            Box::new(m20261202_000019_entry_counts::Migration),
            Box::new(m20261202_000020_entry_arrival::Migration),
            Box::new(m20261202_000021_jury::Migration),
            Box::new(m20261202_000022_jury_decision::Migration),
            Box::new(m20261202_000023_sheet_points::Migration),
            Box::new(m20261202_000024_prizes::Migration),
            Box::new(m20261202_000025_announcements::Migration),
            Box::new(m20261203_000026_payouts::Migration),
            Box::new(m20261203_000027_votes::Migration),
            Box::new(m20261203_000028_overall::Migration),
            Box::new(m20261203_000029_name_consents::Migration),
            Box::new(m20261204_000030_programme_votes::Migration),
        ]
    }
}
