//! A submitted sheet keeps its points (Σ weight × score over the competition's
//! criteria, which are fixed once scoring starts), so the ranking of a national
//! programme reads one small row per sheet from one index instead of joining
//! millions of scores. Null for drafts. Sheets submitted before are filled in.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in [
            "ALTER TABLE score_sheets ADD COLUMN points BIGINT NULL",
            "UPDATE score_sheets SET points = \
               (SELECT SUM(k.weight * sc.score) FROM scores sc \
                JOIN jury_criteria k ON k.id = sc.criterion_id WHERE sc.sheet_id = score_sheets.id) \
             WHERE submitted_at IS NOT NULL",
            "CREATE INDEX ix_score_sheets_ranking \
               ON score_sheets (competition_id, entry_id, juror_id, points)",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX ix_score_sheets_ranking")
            .await?;
        db.execute_unprepared("ALTER TABLE score_sheets DROP COLUMN points")
            .await?;
        Ok(())
    }
}
