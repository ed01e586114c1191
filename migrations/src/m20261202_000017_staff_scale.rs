//! What keeps the staff pages flat as entries grow (issue 12, "Scale"):
//!
//! - indexes that serve the entry list in id order per competition, filtered by
//!   status or by source, so a page is read by keyset (`id > last`) from an index and
//!   the dashboard's counts per competition and status come from an index alone;
//! - a full-text index of the words staff search for (title, summary, the author's
//!   name and email; receipt number and Kennzahl are matched exactly on their own
//!   indexed columns), kept current by triggers in the same
//!   transaction as every write to entries, authors or email addresses, so no write
//!   path can forget it. SQLite: an FTS5 table whose tokenizer folds case and
//!   diacritics (Müller = muller = MÜLLER), searched by word prefix. PostgreSQL: a
//!   `tsvector` with a GIN index and German stemming (Bänke = Bank; the stemmer
//!   also folds umlauts), searched by stem prefix.
//!
//! Both break the text at every character that is not a letter or digit, so
//! `anna@example.de` is found by `example.de`. A submission refreshes its entry's
//! text once (when its author row is written); a draft's save when its title or
//! summary changes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Name, columns (entries). SQLite appends the rowid to every index; PostgreSQL
/// needs the id named to return rows in id order from the index. A filter by
/// source rides on the competition's index (every index costs each submission).
const INDEXES: &[(&str, &[&str])] = &[
    ("ix_entries_competition", &["competition_id", "id"]),
    (
        "ix_entries_competition_status_id",
        &["competition_id", "status", "id"],
    ),
];

/// The searched text of the entries that `condition` selects, as `(id, text)`.
const SQLITE_DOCUMENT: &str = "SELECT e.id, e.title || ' ' || e.summary || ' ' || \
     COALESCE(a.contact_name, '') || ' ' || COALESCE(u.email, '') \
     FROM entries e LEFT JOIN entry_authors a ON a.entry_id = e.id \
     LEFT JOIN users u ON u.id = a.user_id WHERE ";

fn sqlite_refresh(condition: &str, ids: &str) -> String {
    format!(
        "DELETE FROM entry_search WHERE rowid IN ({ids}); \
         INSERT INTO entry_search (rowid, document) {SQLITE_DOCUMENT}{condition};"
    )
}

fn sqlite_statements() -> Vec<String> {
    let mut statements = vec![
        "CREATE VIRTUAL TABLE entry_search USING fts5(document, \
         tokenize = 'unicode61 remove_diacritics 2')"
            .to_owned(),
        format!("INSERT INTO entry_search (rowid, document) {SQLITE_DOCUMENT}1 = 1"),
    ];
    // An entry is searchable once its author row exists (the same transaction).
    let by_entry = sqlite_refresh("e.id = NEW.id", "NEW.id");
    let by_author = sqlite_refresh("e.id = NEW.entry_id", "NEW.entry_id");
    // A new entry has no text yet: its author row is written right after it.
    let author_added =
        format!("INSERT INTO entry_search (rowid, document) {SQLITE_DOCUMENT}e.id = NEW.entry_id;");
    let by_user = sqlite_refresh(
        "a.user_id = NEW.id",
        "SELECT entry_id FROM entry_authors WHERE user_id = NEW.id",
    );
    statements.extend([
        format!(
            "CREATE TRIGGER entry_search_entry_changed AFTER UPDATE OF title, summary \
             ON entries WHEN OLD.title IS NOT NEW.title OR OLD.summary IS NOT NEW.summary \
             BEGIN {by_entry} END"
        ),
        "CREATE TRIGGER entry_search_entry_deleted AFTER DELETE ON entries BEGIN \
         DELETE FROM entry_search WHERE rowid = OLD.id; END"
            .to_owned(),
        format!(
            "CREATE TRIGGER entry_search_author_added AFTER INSERT ON entry_authors \
             BEGIN {author_added} END"
        ),
        format!(
            "CREATE TRIGGER entry_search_author_changed AFTER UPDATE OF contact_name, \
             user_id ON entry_authors BEGIN {by_author} END"
        ),
        format!(
            "CREATE TRIGGER entry_search_email_changed AFTER UPDATE OF email ON users \
             BEGIN {by_user} END"
        ),
    ]);
    statements
}

fn postgres_statements() -> Vec<String> {
    vec![
        "CREATE TABLE entry_search (\
           entry_id BIGINT PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE, \
           document TSVECTOR NOT NULL)"
            .to_owned(),
        "CREATE INDEX ix_entry_search_document ON entry_search USING GIN (document)".to_owned(),
        // The searched text of the entries whose ids are given, as German stems
        // (names and addresses are stemmed alike in the text and the query).
        "CREATE FUNCTION entry_search_refresh(ids BIGINT[]) RETURNS void LANGUAGE sql AS $$ \
           INSERT INTO entry_search (entry_id, document) \
           SELECT e.id, to_tsvector('german', d.text) \
           FROM entries e \
           LEFT JOIN entry_authors a ON a.entry_id = e.id \
           LEFT JOIN users u ON u.id = a.user_id, \
           LATERAL (SELECT regexp_replace(concat_ws(' ', e.title, e.summary, \
             a.contact_name, u.email), \
             '[^[:alnum:]]+', ' ', 'g') AS text) d \
           WHERE e.id = ANY (ids) \
           ON CONFLICT (entry_id) DO UPDATE SET document = EXCLUDED.document $$"
            .to_owned(),
        "SELECT entry_search_refresh(ARRAY(SELECT id FROM entries))".to_owned(),
        "CREATE FUNCTION entry_search_by_entry() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN PERFORM entry_search_refresh(ARRAY[NEW.id]); RETURN NULL; END $$"
            .to_owned(),
        "CREATE FUNCTION entry_search_by_author() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN PERFORM entry_search_refresh(ARRAY[NEW.entry_id]); RETURN NULL; END $$"
            .to_owned(),
        "CREATE FUNCTION entry_search_by_user() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN PERFORM entry_search_refresh(ARRAY(\
           SELECT entry_id FROM entry_authors WHERE user_id = NEW.id)); \
         RETURN NULL; END $$"
            .to_owned(),
        "CREATE TRIGGER entry_search_entry_changed AFTER UPDATE OF title, summary \
         ON entries FOR EACH ROW \
         WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary) \
         EXECUTE FUNCTION entry_search_by_entry()"
            .to_owned(),
        "CREATE TRIGGER entry_search_author_added AFTER INSERT OR UPDATE OF contact_name, \
         user_id ON entry_authors FOR EACH ROW EXECUTE FUNCTION entry_search_by_author()"
            .to_owned(),
        "CREATE TRIGGER entry_search_email_changed AFTER UPDATE OF email ON users \
         FOR EACH ROW EXECUTE FUNCTION entry_search_by_user()"
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Replaced by the one that ends in the id.
        manager
            .drop_index(
                Index::drop()
                    .name("ix_entries_competition_status")
                    .table(Alias::new("entries"))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in INDEXES {
            let mut index = Index::create();
            index.name(*name).table(Alias::new("entries"));
            for column in *columns {
                index.col(Alias::new(*column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        let db = manager.get_connection();
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => postgres_statements(),
            _ => sqlite_statements(),
        };
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &[
                "DROP TRIGGER entry_search_entry_changed ON entries",
                "DROP TRIGGER entry_search_author_added ON entry_authors",
                "DROP TRIGGER entry_search_email_changed ON users",
                "DROP FUNCTION entry_search_by_entry()",
                "DROP FUNCTION entry_search_by_author()",
                "DROP FUNCTION entry_search_by_user()",
                "DROP FUNCTION entry_search_refresh(BIGINT[])",
                "DROP TABLE entry_search",
            ],
            _ => &[
                "DROP TRIGGER entry_search_entry_changed",
                "DROP TRIGGER entry_search_entry_deleted",
                "DROP TRIGGER entry_search_author_added",
                "DROP TRIGGER entry_search_author_changed",
                "DROP TRIGGER entry_search_email_changed",
                "DROP TABLE entry_search",
            ],
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        for (name, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new("entries"))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_entries_competition_status")
                    .table(Alias::new("entries"))
                    .col(Alias::new("competition_id"))
                    .col(Alias::new("status"))
                    .to_owned(),
            )
            .await
    }
}
