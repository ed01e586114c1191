//! Indexes for the lookups that the entry pages, staff pages and (next) the jury
//! make by entry: its versions, its author, and sign-in links and actions by person.
//! `tests/integration/stored.rs` checks with EXPLAIN that the queries use them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Name, table, columns, unique.
const INDEXES: &[(&str, &str, &[&str], bool)] = &[
    (
        "ix_entry_versions_entry",
        "entry_versions",
        &["entry_id", "version"],
        false,
    ),
    // An entry has exactly one author row: the database holds the invariant too.
    (
        "uq_entry_authors_entry",
        "entry_authors",
        &["entry_id"],
        true,
    ),
    (
        "ix_sign_in_tokens_email",
        "sign_in_tokens",
        &["email", "created_at"],
        false,
    ),
    ("ix_audit_log_actor", "audit_log", &["actor_user_id"], false),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns, unique) in INDEXES {
            let mut index = Index::create();
            index.name(*name).table(Alias::new(*table));
            for column in *columns {
                index.col(Alias::new(*column));
            }
            if *unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new(*table))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
