//! What staff see of the entries: the list per competition with filters and search
//! (paged, filtered in the database, so it stays fast as entries grow), counts per
//! competition and phase for the dashboard, and exports as CSV and XLSX. Staff see
//! the authors; the jury never reads from here.

use std::collections::BTreeMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait,
};

use super::authorization::{Manager, Staff};
use super::{ServiceError, competitions, entries};
use crate::domain::entries::{EntrySource, EntryStatus};
use crate::entities::{
    audit_entry, competition, competition_coordinator, entry, entry_author, entry_count,
    entry_version, user,
};

/// An entry with its author, for staff (never for the jury).
pub struct StaffEntry {
    pub entry: entry::Model,
    pub author_name: String,
    pub author_email: String,
    pub author_phone: Option<String>,
    /// All answers to the entry form.
    pub details: BTreeMap<String, String>,
}

/// An entry as the staff list shows it: what identifies it, its author and
/// their contact, without its texts beyond the title and without its answers
/// (a page reads 51 of these, not 51 whole entries).
#[derive(Debug, Clone)]
pub struct EntryLine {
    pub id: i64,
    pub status: EntryStatus,
    pub source: EntrySource,
    pub receipt_number: Option<String>,
    pub kennzahl: Option<String>,
    pub title: String,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub author_name: String,
    pub author_email: String,
    pub author_phone: Option<String>,
}

impl StaffEntry {
    /// The entry as a line of the list.
    pub fn line(&self) -> EntryLine {
        let e = &self.entry;
        EntryLine {
            id: e.id,
            status: e.status,
            source: e.source,
            receipt_number: e.receipt_number.clone(),
            kennzahl: e.kennzahl.clone(),
            title: e.title.clone(),
            submitted_at: e.submitted_at,
            author_name: self.author_name.clone(),
            author_email: self.author_email.clone(),
            author_phone: self.author_phone.clone(),
        }
    }
}

/// Which entries of a competition to show.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    /// None: all.
    pub status: Option<EntryStatus>,
    /// None: all.
    pub source: Option<EntrySource>,
    /// Words in the title, summary, receipt number, Kennzahl, author name or email.
    pub query: Option<String>,
}

/// Where a page of the list starts. Pages are read by keyset (`id > last seen`)
/// from an index, so the last page costs what the first does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PageAt {
    #[default]
    First,
    /// The entries after this id.
    After(i64),
    /// The entries before this id.
    Before(i64),
    Last,
}

/// How many entries match: exact for the filters, and up to [`COUNT_LIMIT`] for a
/// search (a search with more hits says "more than 200" instead of counting
/// them all on every keystroke: four pages are enough to tell a search that
/// needs another word from one that found what was meant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    Exactly(u64),
    MoreThan(u64),
}

/// One page of a filtered list, with where the pages before and after it start.
pub struct EntryPage {
    pub entries: Vec<EntryLine>,
    pub total: Total,
    /// `Some(id)`: there are entries before this page (`PageAt::Before(id)`).
    pub previous: Option<i64>,
    /// `Some(id)`: there are entries after this page (`PageAt::After(id)`).
    pub next: Option<i64>,
}

pub const PAGE_SIZE: u64 = 50;

/// A search counts its hits up to this many (counting reads each hit: a
/// search found in every entry must not read them all).
pub const COUNT_LIMIT: u64 = 200;

/// A word of a search, in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    text: String,
    /// Whether it also finds the words it begins (see [`words`]).
    prefix: bool,
}

/// The words of a search, as the full-text index splits text: at every
/// character that is not a letter or digit (at most 12).
///
/// A word also finds the words it begins (`solarb` finds `Solarbänke`) when
/// it has three characters or more and ends a part typed without a space.
/// Inside such a part a word was typed whole: in `anna@example.de`, `anna`
/// and `example` are followed by more of the same address, so they find
/// themselves only (and a search for an address finds that address, not
/// `anna2@example.de` as well). A word of one or two characters (`de`) is
/// always whole: as a prefix it would match most words of the index, and
/// every search would first gather all of them. So is every word but the
/// last of a part: a prefix makes the text index gather the hits of every
/// word it begins before the first is read (SQLite's FTS5), where a whole
/// word is read hit by hit and a page stops after its own.
fn words(query: &str) -> Vec<Word> {
    let mut words = Vec::new();
    for part in query.split_whitespace() {
        let mut inside = part
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .peekable();
        while let Some(word) = inside.next() {
            let last = inside.peek().is_none();
            words.push(Word {
                text: word.to_lowercase(),
                prefix: last && word.chars().count() >= 3,
            });
        }
    }
    words.truncate(12);
    words
}

/// Which way a read of ids goes, from where, and how many it takes.
#[derive(Debug, Clone, Copy)]
struct Walk {
    from: Option<Bound>,
    descending: bool,
    limit: u64,
}

#[derive(Debug, Clone, Copy)]
enum Bound {
    After(i64),
    Before(i64),
}

impl Walk {
    fn new(from: Option<Bound>, descending: bool, limit: u64) -> Self {
        Self {
            from,
            descending,
            limit,
        }
    }

    fn admits(&self, id: i64) -> bool {
        match self.from {
            None => true,
            Some(Bound::After(after)) => id > after,
            Some(Bound::Before(before)) => id < before,
        }
    }

    /// `id` past the cursor, and the order, on the given id column.
    fn apply(&self, mut query: SelectStatement, id: (Alias, Alias)) -> SelectStatement {
        match self.from {
            Some(Bound::After(after)) => query.and_where(Expr::col(id.clone()).gt(after)),
            Some(Bound::Before(before)) => query.and_where(Expr::col(id.clone()).lt(before)),
            None => &mut query,
        };
        let order = if self.descending {
            Order::Desc
        } else {
            Order::Asc
        };
        query.order_by(id, order).limit(self.limit).to_owned()
    }
}

fn alias(name: &str) -> Alias {
    Alias::new(name)
}

/// What the text index gives a search, read once per page (or export) and
/// used by every read of its ids.
#[derive(Debug, Clone)]
enum Found {
    /// No words: every entry.
    Everything,
    /// PostgreSQL, few hits in the whole index: the competition's hits under
    /// the filters, ascending (at most [`FEW_HITS`]), walked in memory.
    Listed(Vec<i64>),
    /// The text index read together with the competition's ids.
    Indexed,
}

/// Reads what the text index says about the filter's words.
async fn found(
    db: &impl ConnectionTrait,
    competition_id: i64,
    filter: &EntryFilter,
) -> Result<Found, ServiceError> {
    let words = words(filter.query.as_deref().unwrap_or_default());
    if words.is_empty() {
        return Ok(Found::Everything);
    }
    let Some(few) = few_hits(db, &words).await? else {
        return Ok(Found::Indexed);
    };
    if few.is_empty() {
        return Ok(Found::Listed(Vec::new()));
    }
    // Looked up by id: one array literal of at most FEW_HITS ids (not a
    // parameter per row) and no parameter at all, the competition and the
    // filters applied here. With the competition as a parameter, PostgreSQL's
    // generic plan walked the competition's whole index testing each id
    // against the array.
    let list = few.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!(
        r#"SELECT "id", "competition_id", "status", "source" FROM "entries" WHERE "id" = ANY('{{{list}}}'::bigint[])"#
    );
    let backend = db.get_database_backend();
    let status = filter.status.map(EntryStatus::as_str);
    let source = filter.source.map(EntrySource::as_str);
    let mut listed = Vec::with_capacity(few.len());
    for row in db
        .query_all_raw(sea_orm::Statement::from_string(backend, sql))
        .await?
    {
        let id: i64 = row.try_get_by_index(0)?;
        let competition: i64 = row.try_get_by_index(1)?;
        let row_status: String = row.try_get_by_index(2)?;
        let row_source: String = row.try_get_by_index(3)?;
        if competition == competition_id
            && status.is_none_or(|s| s == row_status)
            && source.is_none_or(|s| s == row_source)
        {
            listed.push(id);
        }
    }
    listed.sort_unstable();
    Ok(Found::Listed(listed))
}

/// The status and source filters.
fn filtered(query: &mut SelectStatement, filter: &EntryFilter) {
    if let Some(status) = filter.status {
        query.and_where(Expr::col((alias("entries"), alias("status"))).eq(status));
    }
    if let Some(source) = filter.source {
        query.and_where(Expr::col((alias("entries"), alias("source"))).eq(source));
    }
}

/// The ids of a competition's entries that `filter` selects (with what the
/// text index `found` for it), in id order from the walk's cursor, at most
/// `walk.limit`.
async fn ids(
    db: &impl ConnectionTrait,
    competition_id: i64,
    filter: &EntryFilter,
    found: &Found,
    walk: Walk,
) -> Result<Vec<i64>, ServiceError> {
    let typed = filter.query.as_deref().unwrap_or_default().trim();
    let words = words(typed);
    let backend = db.get_database_backend();
    let mut ids: Vec<i64> = match found {
        Found::Listed(listed) => {
            let mut ids: Vec<i64> = listed
                .iter()
                .copied()
                .filter(|id| walk.admits(*id))
                .collect();
            if walk.descending {
                ids.reverse();
            }
            ids.truncate(walk.limit as usize);
            ids
        }
        Found::Everything | Found::Indexed => {
            let mut query = Query::select();
            if words.is_empty() {
                query
                    .column((alias("entries"), alias("id")))
                    .from(alias("entries"));
            } else {
                text_hits(backend, &mut query, &words);
            }
            query.and_where(
                Expr::col((alias("entries"), alias("competition_id"))).eq(competition_id),
            );
            filtered(&mut query, filter);
            let id = if words.is_empty() || backend == DbBackend::Postgres {
                (alias("entries"), alias("id"))
            } else {
                // The text index's own order, so that SQLite walks its hits in
                // order and stops after the limit instead of sorting them all.
                (alias("entry_search"), alias("rowid"))
            };
            let query = walk.apply(query, id);
            db.query_all_raw(backend.build(&query))
                .await?
                .iter()
                .map(|row| row.try_get_by_index::<i64>(0))
                .collect::<Result<_, _>>()?
        }
    };
    if !words.is_empty() {
        ids.extend(exact_hits(db, competition_id, filter, typed, walk).await?);
        ids.sort_unstable();
        ids.dedup();
        if walk.descending {
            ids.reverse();
        }
        ids.truncate(walk.limit as usize);
    }
    Ok(ids)
}

/// Hits up to which PostgreSQL looks a search's entries up by id.
const FEW_HITS: u64 = 1_000;

/// The words as a PostgreSQL text query (`solarb:* & de`).
fn tsquery(words: &[Word]) -> String {
    words
        .iter()
        .map(|w| {
            if w.prefix {
                format!("{}:*", w.text)
            } else {
                w.text.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// On PostgreSQL, all hits of the words when there are at most
/// [`FEW_HITS`] in the whole index (read from the GIN index, bounded);
/// `None` for more, and always on SQLite (whose text index walks in id
/// order anyway). The planner cannot tell the two cases apart from the
/// statistics (a prefix's selectivity is a guess): with few hits, walking
/// the competition's ids and testing each entry's document reads tens of
/// thousands of rows for a handful of hits.
async fn few_hits(
    db: &impl ConnectionTrait,
    words: &[Word],
) -> Result<Option<Vec<i64>>, ServiceError> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    let sql = format!(
        "SELECT entry_id FROM entry_search WHERE document @@ to_tsquery('german', '{}') LIMIT {}",
        tsquery(words).replace('\'', "''"),
        FEW_HITS + 1
    );
    let hits: Vec<i64> = db
        .query_all_raw(sea_orm::Statement::from_string(DbBackend::Postgres, sql))
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<i64>(0))
        .collect::<Result<_, _>>()?;
    Ok((hits.len() as u64 <= FEW_HITS).then_some(hits))
}

/// Entries whose searched text (title, summary, author name and email) has
/// every word of the query, or a word it begins (see [`words`]) (on PostgreSQL:
/// of its German stems; see migration 000017). The text index drives the
/// walk: on SQLite FTS5 yields its hits in id order (the `CROSS JOIN` keeps
/// it outside, each hit then looked up in `entries`), on PostgreSQL the
/// planner either walks the competition's ids testing each entry's document
/// (hits on many entries) or reads the few hits from the GIN index; either
/// way a page stops after its limit, however many entries match.
fn text_hits(backend: DbBackend, query: &mut SelectStatement, words: &[Word]) {
    match backend {
        DbBackend::Postgres => {
            let tsquery = tsquery(words);
            query
                .column((alias("entries"), alias("id")))
                .from(alias("entries"))
                .inner_join(
                    alias("entry_search"),
                    Expr::col((alias("entry_search"), alias("entry_id")))
                        .equals((alias("entries"), alias("id"))),
                )
                // The query as a literal, not a parameter: a prepared statement
                // reused with a parameter gets PostgreSQL's generic plan, which
                // guesses 500 hits and so reads and sorts every hit of a word
                // found in all entries. The words are letters and digits only
                // (see `words`); quotes are doubled all the same.
                .and_where(Expr::cust(format!(
                    r#""entry_search"."document" @@ to_tsquery('german', '{}')"#,
                    tsquery.replace('\'', "''")
                )));
        }
        _ => {
            let fts = words
                .iter()
                .map(|w| {
                    if w.prefix {
                        format!("\"{}\"*", w.text)
                    } else {
                        format!("\"{}\"", w.text)
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            query
                .column((alias("entries"), alias("id")))
                .from(alias("entry_search"))
                // (sea_query writes a CROSS JOIN without its ON: the condition
                // goes into the WHERE.)
                .join(
                    JoinType::CrossJoin,
                    alias("entries"),
                    Expr::col((alias("entries"), alias("id")))
                        .equals((alias("entry_search"), alias("rowid"))),
                )
                .and_where(
                    Expr::col((alias("entries"), alias("id")))
                        .equals((alias("entry_search"), alias("rowid"))),
                )
                .and_where(Expr::cust_with_values("entry_search MATCH ?", [fts]));
        }
    }
}

/// The entry whose receipt number, and the one whose Kennzahl, is what was
/// typed (two lookups by unique index), under the same filters and cursor.
async fn exact_hits(
    db: &impl ConnectionTrait,
    competition_id: i64,
    filter: &EntryFilter,
    typed: &str,
    walk: Walk,
) -> Result<Vec<i64>, ServiceError> {
    let mut found = Vec::new();
    // Only what could be one is looked up: a receipt number has a dash and
    // digits (`2020-05-00042`), a Kennzahl is digits only (`482913`).
    let single = !typed.is_empty() && !typed.contains(char::is_whitespace);
    let digits = typed.chars().any(|c| c.is_ascii_digit());
    let mut lookups = Vec::new();
    if single && digits && typed.contains('-') {
        lookups.push(entry::Column::ReceiptNumber.eq(typed.to_uppercase()));
    }
    if single && typed.chars().all(|c| c.is_ascii_digit()) {
        lookups.push(entry::Column::Kennzahl.eq(typed));
    }
    for exact in lookups {
        let mut query = entry::Entity::find()
            .select_only()
            .column(entry::Column::Id)
            .filter(entry::Column::CompetitionId.eq(competition_id))
            .filter(exact);
        if let Some(status) = filter.status {
            query = query.filter(entry::Column::Status.eq(status));
        }
        if let Some(source) = filter.source {
            query = query.filter(entry::Column::Source.eq(source));
        }
        let id: Option<i64> = query.into_tuple().one(db).await?;
        found.extend(id.filter(|id| walk.admits(*id)));
    }
    Ok(found)
}

/// The entries `query` selects (a page or a batch: at most [`BATCH`]) with
/// their authors (one query) and the authors' addresses (a second: of their
/// accounts only the address is read, never a password hash or second factor).
/// Used with queries by id only (see [`by_ids`]): given a join and a
/// competition, a planner may trade the competition's index for a walk of the
/// whole table.
async fn with_authors(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<entry::Entity>,
) -> Result<Vec<StaffEntry>, ServiceError> {
    let found = query
        .find_also_related(entry_author::Entity)
        .all(db)
        .await?;
    let people: Vec<i64> = found
        .iter()
        .filter_map(|(_, author)| author.as_ref().map(|a| a.user_id))
        .collect();
    let addresses: std::collections::HashMap<i64, String> = if people.is_empty() {
        Default::default()
    } else {
        user::Entity::find()
            .select_only()
            .columns([user::Column::Id, user::Column::Email])
            .filter(among(db.get_database_backend(), ("users", "id"), &people))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    found
        .into_iter()
        .map(|(entry, author)| {
            // Every entry is stored with its author, and every author is an account.
            let author = author.ok_or_else(|| {
                ServiceError::Corrupt(format!("entries {}: no row in entry_authors", entry.id))
            })?;
            let email = addresses.get(&author.user_id).cloned().ok_or_else(|| {
                ServiceError::Corrupt(format!(
                    "entry_authors {}: no user {}",
                    author.id, author.user_id
                ))
            })?;
            Ok(StaffEntry {
                details: entries::all_answers(&entry, Some(&author))?,
                author_name: author.contact_name,
                author_phone: author.contact_phone,
                author_email: email,
                entry,
            })
        })
        .collect()
}

/// `column` (table and column) is one of `ids`, bound as one value (a
/// PostgreSQL array, a JSON array on SQLite): every list of ids, a page's 51
/// or an export's batch, is the same statement with one plan, and no query
/// binds a parameter per row.
fn among(
    backend: DbBackend,
    (table, column): (&str, &str),
    ids: &[i64],
) -> sea_orm::sea_query::SimpleExpr {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            format!(r#""{table}"."{column}" = ANY(CAST($1 AS bigint[]))"#),
            [format!("{{{list}}}")],
        ),
        _ => Expr::cust_with_values(
            format!(r#""{table}"."{column}" IN (SELECT "value" FROM json_each(?))"#),
            [format!("[{list}]")],
        ),
    }
}

/// Puts `found` in the order of `ids`.
fn in_order_of<T>(ids: &[i64], found: &mut [T], id: impl Fn(&T) -> i64) {
    let position: std::collections::HashMap<i64, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    found.sort_by_key(|s| position.get(&id(s)).copied().unwrap_or(usize::MAX));
}

/// The entries with these ids, with their authors, in the order given. (Read
/// apart from the walk that found the ids: given a join and a competition, a
/// planner may trade the competition's index for a walk of the whole table.)
async fn by_ids(db: &impl ConnectionTrait, ids: Vec<i64>) -> Result<Vec<StaffEntry>, ServiceError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids_among = among(db.get_database_backend(), ("entries", "id"), &ids);
    let mut found = with_authors(db, entry::Entity::find().filter(ids_among)).await?;
    in_order_of(&ids, &mut found, |s| s.entry.id);
    Ok(found)
}

/// A row of [`lines_by_ids`], the author's columns empty if the row is missing.
#[derive(sea_orm::FromQueryResult)]
struct LineRow {
    id: i64,
    status: EntryStatus,
    source: EntrySource,
    receipt_number: Option<String>,
    kennzahl: Option<String>,
    title: String,
    submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    author_id: Option<i64>,
    author_name: Option<String>,
    author_phone: Option<String>,
    author_email: Option<String>,
}

/// The list's lines of the entries with these ids, in the order given: the
/// few columns a list shows, in one query.
async fn lines_by_ids(
    db: &impl ConnectionTrait,
    ids: Vec<i64>,
) -> Result<Vec<EntryLine>, ServiceError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = entry::Entity::find()
        .select_only()
        .columns([
            entry::Column::Id,
            entry::Column::Status,
            entry::Column::Source,
            entry::Column::ReceiptNumber,
            entry::Column::Kennzahl,
            entry::Column::Title,
            entry::Column::SubmittedAt,
        ])
        .column_as(entry_author::Column::Id, "author_id")
        .column_as(entry_author::Column::ContactName, "author_name")
        .column_as(entry_author::Column::ContactPhone, "author_phone")
        .column_as(user::Column::Email, "author_email")
        .join(JoinType::LeftJoin, entry::Relation::Author.def())
        .join(JoinType::LeftJoin, entry_author::Relation::User.def())
        .filter(among(db.get_database_backend(), ("entries", "id"), &ids))
        .into_model::<LineRow>()
        .all(db)
        .await?;
    let mut lines = rows
        .into_iter()
        .map(|row| {
            // Every entry is stored with its author, and every author is an account.
            let (Some(author_id), Some(author_name)) = (row.author_id, row.author_name) else {
                return Err(ServiceError::Corrupt(format!(
                    "entries {}: no row in entry_authors",
                    row.id
                )));
            };
            let author_email = row.author_email.ok_or_else(|| {
                ServiceError::Corrupt(format!("entry_authors {author_id}: no user"))
            })?;
            Ok(EntryLine {
                id: row.id,
                status: row.status,
                source: row.source,
                receipt_number: row.receipt_number,
                kennzahl: row.kennzahl,
                title: row.title,
                submitted_at: row.submitted_at,
                author_name,
                author_email,
                author_phone: row.author_phone,
            })
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    in_order_of(&ids, &mut lines, |l| l.id);
    Ok(lines)
}

/// The sum of the kept counts of a competition's entries by status and source
/// (see `entry_count`): a few rows read, however many entries there are.
fn summed() -> sea_orm::Select<entry_count::Entity> {
    entry_count::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(COALESCE(SUM(n), 0) AS BIGINT)"), "n")
}

/// How many entries match: for the filters the kept counts answer; a search
/// counts its hits up to [`COUNT_LIMIT`], and hands back the ids it read
/// (the first [`COUNT_LIMIT`] + 1 hits: the first page's among them).
async fn count(
    db: &DatabaseConnection,
    competition_id: i64,
    filter: &EntryFilter,
    found: &Found,
) -> Result<(Total, Option<Vec<i64>>), ServiceError> {
    if !matches!(found, Found::Everything) {
        let walk = Walk::new(None, false, COUNT_LIMIT + 1);
        let read = ids(db, competition_id, filter, found, walk).await?;
        let hits = read.len() as u64;
        let total = if hits > COUNT_LIMIT {
            Total::MoreThan(COUNT_LIMIT)
        } else {
            Total::Exactly(hits)
        };
        return Ok((total, Some(read)));
    }
    let mut counted = summed().filter(entry_count::Column::CompetitionId.eq(competition_id));
    if let Some(status) = filter.status {
        counted = counted.filter(entry_count::Column::Status.eq(status));
    }
    if let Some(source) = filter.source {
        counted = counted.filter(entry_count::Column::Source.eq(source));
    }
    let n: Option<i64> = counted.into_tuple().one(db).await?;
    Ok((Total::Exactly(Ord::max(n.unwrap_or(0), 0) as u64), None))
}

/// A page of a competition's entries matching `filter`, oldest first.
pub async fn search(
    db: &DatabaseConnection,
    manager: &Manager,
    filter: &EntryFilter,
    at: PageAt,
) -> Result<EntryPage, ServiceError> {
    // The capability proves the competition exists and may be managed.
    let competition_id = manager.competition_id();
    let found = found(db, competition_id, filter).await?;
    let (total, counted) = count(db, competition_id, filter, &found).await?;
    let (from, descending) = match at {
        PageAt::First => (None, false),
        PageAt::After(after) => (Some(Bound::After(after)), false),
        PageAt::Before(before) => (Some(Bound::Before(before)), true),
        PageAt::Last => (None, true),
    };
    let walk = Walk::new(from, descending, PAGE_SIZE + 1);
    let page_ids = match (at, counted) {
        // The count read the first hits in the same order already.
        (PageAt::First, Some(mut read)) => {
            read.truncate(walk.limit as usize);
            read
        }
        _ => ids(db, competition_id, filter, &found, walk).await?,
    };
    let mut page = lines_by_ids(db, page_ids).await?;
    let more = page.len() as u64 > PAGE_SIZE;
    page.truncate(PAGE_SIZE as usize);
    if descending {
        page.reverse();
    }
    let (first, last) = match (page.first(), page.last()) {
        (Some(first), Some(last)) => (first.id, last.id),
        _ => {
            return Ok(EntryPage {
                entries: Vec::new(),
                total,
                previous: None,
                next: None,
            });
        }
    };
    // Whether anything lies beyond the side the page was not read towards,
    // each read forwards (the text index walks backwards only by reading a
    // word's whole list first).
    let found = &found;
    let first_after = |from: Option<Bound>| async move {
        let one = Walk::new(from, false, 1);
        let first = ids(db, competition_id, filter, found, one).await?;
        Ok::<_, ServiceError>(first.first().copied())
    };
    let (before, after) = match at {
        PageAt::First => (false, more),
        PageAt::Last => (more, false),
        PageAt::After(_) => (first_after(None).await?.is_some_and(|id| id < first), more),
        PageAt::Before(_) => (more, first_after(Some(Bound::After(last))).await?.is_some()),
    };
    Ok(EntryPage {
        entries: page,
        total,
        previous: before.then_some(first),
        next: after.then_some(last),
    })
}

/// One entry of the manager's competition with its author.
pub async fn one(
    db: &DatabaseConnection,
    manager: &Manager,
    entry_id: i64,
) -> Result<StaffEntry, ServiceError> {
    let query = entry::Entity::find_by_id(entry_id)
        .filter(entry::Column::CompetitionId.eq(manager.competition_id()));
    with_authors(db, query)
        .await?
        .pop()
        .ok_or_else(|| ServiceError::not_found("entry", entry_id))
}

/// The entries of an export, read in batches by keyset so that memory stays
/// constant however many there are.
pub struct Batches {
    db: DatabaseConnection,
    competition_id: i64,
    filter: EntryFilter,
    after: Option<i64>,
    size: u64,
    done: bool,
    /// What the text index found, read with the first batch.
    found: Option<Found>,
}

/// Entries per batch of an export.
pub const BATCH: u64 = 500;

impl Batches {
    /// Starting after the entry with this id (a keyset cursor).
    pub fn after(mut self, id: Option<i64>) -> Self {
        self.after = id;
        self
    }

    /// `size` entries per batch (at least one).
    pub fn of(mut self, size: u64) -> Self {
        self.size = size.clamp(1, 1000);
        self
    }

    /// The next entries, oldest first; empty when all were read.
    pub async fn next(&mut self) -> Result<Vec<StaffEntry>, ServiceError> {
        if self.done {
            return Ok(Vec::new());
        }
        let walk = Walk::new(self.after.map(Bound::After), false, self.size);
        let found = match &self.found {
            Some(found) => found.clone(),
            None => {
                let found = found(&self.db, self.competition_id, &self.filter).await?;
                self.found = Some(found.clone());
                found
            }
        };
        let ids = ids(&self.db, self.competition_id, &self.filter, &found, walk).await?;
        let found = by_ids(&self.db, ids).await?;
        self.done = (found.len() as u64) < self.size;
        self.after = found.last().map(|s| s.entry.id);
        Ok(found)
    }
}

/// Every entry of a competition matching `filter`, oldest first, in batches (for
/// exports and the API list).
pub async fn all(
    db: &DatabaseConnection,
    manager: &Manager,
    filter: &EntryFilter,
) -> Result<Batches, ServiceError> {
    let competition_id = manager.competition_id();
    competitions::find(db, competition_id).await?;
    Ok(Batches {
        db: db.clone(),
        competition_id,
        filter: filter.clone(),
        after: None,
        size: BATCH,
        done: false,
        found: None,
    })
}

/// Entries of one competition by status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub draft: i64,
    pub submitted: i64,
    pub withdrawn: i64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.draft += other.draft;
        self.submitted += other.submitted;
        self.withdrawn += other.withdrawn;
    }
}

/// A line of the dashboard.
pub struct CompetitionCounts {
    pub competition: competition::Model,
    pub counts: Counts,
}

/// The competitions the staff member manages (all for administrators), in
/// programme order.
pub async fn managed_competitions(
    db: &DatabaseConnection,
    staff: &Staff,
) -> Result<Vec<competition::Model>, ServiceError> {
    let mut visible = competitions::list(db, true).await?;
    if !staff.is_admin() {
        let assigned: Vec<i64> = competition_coordinator::Entity::find()
            .filter(competition_coordinator::Column::UserId.eq(staff.person().id))
            .all(db)
            .await?
            .into_iter()
            .map(|a| a.competition_id)
            .collect();
        visible.retain(|c| assigned.contains(&c.id));
    }
    Ok(visible)
}

/// Counts per competition the staff member manages (all for administrators), in
/// programme order, and totals per phase id. One grouped query, however many entries.
pub async fn dashboard(
    db: &DatabaseConnection,
    staff: &Staff,
) -> Result<(Vec<CompetitionCounts>, BTreeMap<i64, Counts>), ServiceError> {
    let visible = managed_competitions(db, staff).await?;
    // From the kept counts: a few hundred rows, however many entries.
    let rows: Vec<(i64, String, i64)> = entry_count::Entity::find()
        .select_only()
        .column(entry_count::Column::CompetitionId)
        .column(entry_count::Column::Status)
        .column_as(Expr::cust("CAST(COALESCE(SUM(n), 0) AS BIGINT)"), "n")
        .group_by(entry_count::Column::CompetitionId)
        .group_by(entry_count::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut per_phase: BTreeMap<i64, Counts> = BTreeMap::new();
    let lines = visible
        .into_iter()
        .map(|competition| {
            let mut counts = Counts::default();
            for (_, status, n) in rows.iter().filter(|(id, _, _)| *id == competition.id) {
                match status.as_str() {
                    "draft" => counts.draft = *n,
                    "submitted" => counts.submitted = *n,
                    _ => counts.withdrawn = *n,
                }
            }
            per_phase
                .entry(competition.phase_id)
                .or_default()
                .add(&counts);
            CompetitionCounts {
                competition,
                counts,
            }
        })
        .collect();
    Ok((lines, per_phase))
}

/// An entry's own history for staff: its kept versions and every recorded action
/// on it (created, submitted, changed, withdrawn, files, co-authors, staff actions),
/// oldest first.
pub struct EntryHistory {
    pub versions: Vec<entry_version::Model>,
    pub events: Vec<audit_entry::Model>,
}

pub async fn history(
    db: &DatabaseConnection,
    manager: &Manager,
    entry_id: i64,
) -> Result<EntryHistory, ServiceError> {
    // Only an entry of the manager's competition.
    one(db, manager, entry_id).await?;
    let versions = entry_version::Entity::find()
        .filter(entry_version::Column::EntryId.eq(entry_id))
        .order_by_asc(entry_version::Column::Version)
        .all(db)
        .await?;
    let events = audit_entry::Entity::find()
        .filter(audit_entry::Column::SubjectType.eq("entry"))
        .filter(audit_entry::Column::SubjectId.eq(entry_id))
        .order_by_asc(audit_entry::Column::Id)
        .all(db)
        .await?;
    Ok(EntryHistory { versions, events })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(query: &str) -> Vec<(String, bool)> {
        words(query)
            .into_iter()
            .map(|w| (w.text, w.prefix))
            .collect()
    }

    #[test]
    fn a_word_ending_what_was_typed_finds_the_words_it_begins() {
        let whole = |w: &str| (w.to_owned(), false);
        let begins = |w: &str| (w.to_owned(), true);
        assert_eq!(split("Solarb"), [begins("solarb")]);
        assert_eq!(split("solar Bänke"), [begins("solar"), begins("bänke")]);
        // Inside an address or a compound, a word was typed whole.
        assert_eq!(
            split("anna@example.de"),
            [whole("anna"), whole("example"), whole("de")]
        );
        assert_eq!(split("anna@exam"), [whole("anna"), begins("exam")]);
        assert_eq!(split("Jugend-Café"), [whole("jugend"), begins("café")]);
        assert_eq!(split("solar- "), [begins("solar")]);
        // One or two characters: always whole.
        assert_eq!(split("de ab"), [whole("de"), whole("ab")]);
        assert!(split(" .-@ ").is_empty());
        assert_eq!(words(&"wort ".repeat(20)).len(), 12);
    }
}
