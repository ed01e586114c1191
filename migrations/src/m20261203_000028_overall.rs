//! The overall placement across a programme's competitions (Gera's council
//! ranked the category winners 1st to 5th overall): places with their prizes
//! as data per programme (their values are the placement's own pool, which
//! counts against the programme's budget), and the awards of places to
//! category winners, withdrawn with a reason, never deleted. A place goes to
//! one entry and an entry gets one place while awarded.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn statements(backend: DbBackend) -> Vec<String> {
    let (id, ts) = match backend {
        DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ"),
        _ => (
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "timestamp_with_timezone_text",
        ),
    };
    vec![
        format!(
            "CREATE TABLE overall_places (\
               id {id}, \
               programme_id BIGINT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE, \
               place INTEGER NOT NULL CHECK (place > 0), \
               kind VARCHAR(12) NOT NULL CHECK (kind IN ('cash', 'voucher', 'grant', 'event')), \
               label VARCHAR(200) NOT NULL, \
               value_cents BIGINT NOT NULL CHECK (value_cents > 0), \
               UNIQUE (programme_id, place))"
        ),
        format!(
            "CREATE TABLE overall_awards (\
               id {id}, \
               programme_id BIGINT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE, \
               place_id BIGINT NOT NULL REFERENCES overall_places (id) ON DELETE RESTRICT, \
               entry_id BIGINT NOT NULL REFERENCES entries (id) ON DELETE CASCADE, \
               amount_cents BIGINT NOT NULL CHECK (amount_cents > 0), \
               awarded_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               awarded_at {ts} NOT NULL, \
               withdrawn_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               withdrawn_at {ts} NULL, \
               withdrawal_reason TEXT NULL, \
               CHECK ((withdrawn_at IS NULL) = (withdrawal_reason IS NULL)))"
        ),
        "CREATE UNIQUE INDEX uq_overall_awards_place ON overall_awards (place_id) \
           WHERE withdrawn_at IS NULL"
            .to_owned(),
        "CREATE UNIQUE INDEX uq_overall_awards_entry ON overall_awards (programme_id, entry_id) \
           WHERE withdrawn_at IS NULL"
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in statements(db.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in ["overall_awards", "overall_places"] {
            db.execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        Ok(())
    }
}
