//! What staff see of the entries: the list per competition with filters and search
//! (paged, filtered in the database, so it stays fast as entries grow), counts per
//! competition and phase for the dashboard, and exports as CSV and XLSX. Staff see
//! the authors; the jury never reads from here.

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};

use super::authorization::{Manager, Staff};
use super::{ServiceError, competitions, entries};
use crate::domain::entries::{EntrySource, EntryStatus};
use crate::domain::entry_form::{EntryForm, FieldKind};
use crate::entities::{
    audit_entry, competition, competition_coordinator, entry, entry_author, entry_version, user,
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

/// One page of a filtered list.
pub struct EntryPage {
    pub entries: Vec<StaffEntry>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
}

pub const PAGE_SIZE: u64 = 50;

/// Capital letters beyond ASCII that names and titles in German use, with their
/// small forms. `LOWER()` folds only ASCII on SQLite (and on PostgreSQL under the C
/// locale), so these are folded by hand, the same way on both engines.
const FOLDED_CAPITALS: [(&str, &str); 16] = [
    ("Ä", "ä"),
    ("Ö", "ö"),
    ("Ü", "ü"),
    ("ẞ", "ß"),
    ("É", "é"),
    ("È", "è"),
    ("Ê", "ê"),
    ("À", "à"),
    ("Á", "á"),
    ("Ç", "ç"),
    ("Ñ", "ñ"),
    ("Ó", "ó"),
    ("Ł", "ł"),
    ("Š", "š"),
    ("Č", "č"),
    ("Ž", "ž"),
];

/// The column in small letters, umlauts included.
fn folded(column: impl sea_orm::sea_query::IntoColumnRef) -> Expr {
    FOLDED_CAPITALS.iter().fold(
        Expr::expr(Func::lower(Expr::col(column))),
        |inner, (capital, small)| {
            Expr::expr(Func::cust("REPLACE").args([inner, Expr::val(*capital), Expr::val(*small)]))
        },
    )
}

/// The column, folded to small letters, contains `needle` (in any case): the
/// same on SQLite and PostgreSQL.
fn contains(column: impl sea_orm::sea_query::IntoColumnRef, needle: &str) -> Expr {
    let escaped = needle
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sea_orm::sea_query::ExprTrait::like(
        folded(column),
        sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\'),
    )
}

fn filtered(
    competition_id: i64,
    filter: &EntryFilter,
    matching_authors: Option<Vec<i64>>,
) -> sea_orm::Select<entry::Entity> {
    let mut query = entry::Entity::find().filter(entry::Column::CompetitionId.eq(competition_id));
    if let Some(status) = filter.status {
        query = query.filter(entry::Column::Status.eq(status));
    }
    if let Some(source) = filter.source {
        query = query.filter(entry::Column::Source.eq(source));
    }
    if let Some(needle) = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        let mut any = Condition::any()
            .add(contains((entry::Entity, entry::Column::Title), needle))
            .add(contains((entry::Entity, entry::Column::Summary), needle))
            .add(contains(
                (entry::Entity, entry::Column::ReceiptNumber),
                needle,
            ))
            .add(entry::Column::Kennzahl.eq(needle));
        if let Some(ids) = matching_authors {
            any = any.add(entry::Column::Id.is_in(ids));
        }
        query = query.filter(any);
    }
    query
}

/// Entries whose author's name or email contains the search words.
async fn entries_by_author(
    db: &DatabaseConnection,
    competition_id: i64,
    needle: &str,
) -> Result<Vec<i64>, ServiceError> {
    let people: Vec<i64> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(contains((user::Entity, user::Column::Email), needle))
        .into_tuple()
        .all(db)
        .await?;
    let of_competition = entry::Entity::find()
        .select_only()
        .column(entry::Column::Id)
        .filter(entry::Column::CompetitionId.eq(competition_id))
        .into_query();
    Ok(entry_author::Entity::find()
        .select_only()
        .column(entry_author::Column::EntryId)
        .filter(entry_author::Column::EntryId.in_subquery(of_competition))
        .filter(
            Condition::any()
                .add(contains(
                    (entry_author::Entity, entry_author::Column::ContactName),
                    needle,
                ))
                .add(entry_author::Column::UserId.is_in(people)),
        )
        .into_tuple()
        .all(db)
        .await?)
}

async fn with_authors(
    db: &DatabaseConnection,
    found: Vec<entry::Model>,
) -> Result<Vec<StaffEntry>, ServiceError> {
    let ids: Vec<i64> = found.iter().map(|e| e.id).collect();
    let authors: HashMap<i64, entry_author::Model> = entry_author::Entity::find()
        .filter(entry_author::Column::EntryId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.entry_id, a))
        .collect();
    let user_ids: Vec<i64> = authors.values().map(|a| a.user_id).collect();
    let emails: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.email))
        .collect();
    found
        .into_iter()
        .map(|entry| {
            // Every entry is stored with its author, and every author is an account.
            let author = authors.get(&entry.id).ok_or_else(|| {
                ServiceError::Corrupt(format!("entries {}: no row in entry_authors", entry.id))
            })?;
            let email = emails.get(&author.user_id).cloned().ok_or_else(|| {
                ServiceError::Corrupt(format!(
                    "entry_authors {}: no user {}",
                    author.id, author.user_id
                ))
            })?;
            Ok(StaffEntry {
                details: entries::all_answers(&entry, Some(author))?,
                author_name: author.contact_name.clone(),
                author_phone: author.contact_phone.clone(),
                author_email: email,
                entry,
            })
        })
        .collect()
}

/// One page (from 1) of a competition's entries matching `filter`, oldest first.
pub async fn search(
    db: &DatabaseConnection,
    manager: &Manager,
    filter: &EntryFilter,
    page: u64,
) -> Result<EntryPage, ServiceError> {
    let competition_id = manager.competition_id();
    competitions::find(db, competition_id).await?;
    let authors = match filter.query.as_deref().map(str::trim) {
        Some(needle) if !needle.is_empty() => {
            Some(entries_by_author(db, competition_id, needle).await?)
        }
        _ => None,
    };
    let paginator = filtered(competition_id, filter, authors)
        .order_by_asc(entry::Column::Id)
        .paginate(db, PAGE_SIZE);
    let counts = paginator.num_items_and_pages().await?;
    let page = page.clamp(1, counts.number_of_pages.max(1));
    let found = paginator.fetch_page(page - 1).await?;
    Ok(EntryPage {
        entries: with_authors(db, found).await?,
        total: counts.number_of_items,
        page,
        pages: counts.number_of_pages.max(1),
    })
}

/// One entry of the manager's competition with its author.
pub async fn one(
    db: &DatabaseConnection,
    manager: &Manager,
    entry_id: i64,
) -> Result<StaffEntry, ServiceError> {
    let found = entry::Entity::find_by_id(entry_id)
        .filter(entry::Column::CompetitionId.eq(manager.competition_id()))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("entry", entry_id))?;
    with_authors(db, vec![found])
        .await?
        .pop()
        .ok_or_else(|| ServiceError::not_found("entry", entry_id))
}

/// Every entry of a competition matching `filter`, oldest first (for exports).
pub async fn all(
    db: &DatabaseConnection,
    manager: &Manager,
    filter: &EntryFilter,
) -> Result<Vec<StaffEntry>, ServiceError> {
    let competition_id = manager.competition_id();
    competitions::find(db, competition_id).await?;
    let authors = match filter.query.as_deref().map(str::trim) {
        Some(needle) if !needle.is_empty() => {
            Some(entries_by_author(db, competition_id, needle).await?)
        }
        _ => None,
    };
    let found = filtered(competition_id, filter, authors)
        .order_by_asc(entry::Column::Id)
        .all(db)
        .await?;
    with_authors(db, found).await
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

/// Counts per competition the staff member manages (all for administrators), in
/// programme order, and totals per phase id. One grouped query, however many entries.
pub async fn dashboard(
    db: &DatabaseConnection,
    staff: &Staff,
) -> Result<(Vec<CompetitionCounts>, BTreeMap<i64, Counts>), ServiceError> {
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
    let rows: Vec<(i64, String, i64)> = entry::Entity::find()
        .select_only()
        .column(entry::Column::CompetitionId)
        .column(entry::Column::Status)
        .column_as(entry::Column::Id.count(), "n")
        .group_by(entry::Column::CompetitionId)
        .group_by(entry::Column::Status)
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

/// The columns of an export: fixed ones, then the competition's own questions.
fn table(
    entries: &[StaffEntry],
    form: &EntryForm,
) -> Result<(Vec<String>, Vec<Vec<Cell>>), ServiceError> {
    let mut header: Vec<String> = [
        "Nr.",
        "Status",
        "Herkunft",
        "Eingangsnummer",
        "Kennzahl",
        "Titel",
        "Kurzbeschreibung",
        "Beschreibung",
        "Ziele",
        "Eingereicht",
        "Name",
        "E-Mail",
        "Telefon",
    ]
    .map(String::from)
    .to_vec();
    header.extend(form.fields.iter().map(|f| f.label.de.clone()));
    if form.for_minors {
        header.push("Einwilligung Erziehungsberechtigte".into());
    }
    let rows = entries
        .iter()
        .map(|s| {
            let e = &s.entry;
            let goals = e.goals()?;
            let text = Cell::Text;
            let mut row = vec![
                Cell::Number(e.id),
                text(status_de(e.status).to_owned()),
                text(source_de(e.source).to_owned()),
                text(e.receipt_number.clone().unwrap_or_default()),
                text(e.kennzahl.clone().unwrap_or_default()),
                text(e.title.clone()),
                text(e.summary.clone()),
                text(e.description.clone()),
                text(goals.join(", ")),
                e.submitted_at
                    .map_or(Cell::Text(String::new()), Cell::Moment),
                text(s.author_name.clone()),
                text(s.author_email.clone()),
                text(s.author_phone.clone().unwrap_or_default()),
            ];
            row.extend(form.fields.iter().map(|f| {
                let answer = s.details.get(&f.key).cloned().unwrap_or_default();
                match (f.kind, answer.trim().parse::<i64>()) {
                    (FieldKind::Number, Ok(number)) => Cell::Number(number),
                    _ => Cell::Text(answer),
                }
            }));
            if form.for_minors {
                row.push(text(
                    if e.guardian_consent_at.is_some() {
                        "ja"
                    } else {
                        "nein"
                    }
                    .into(),
                ));
            }
            Ok(row)
        })
        .collect::<Result<_, ServiceError>>()?;
    Ok((header, rows))
}

/// One cell of an export: text, a whole number or a moment (numbers and moments
/// are typed in the workbook, so they sort and filter as such; the CSV writes them
/// in German notation).
enum Cell {
    Text(String),
    Number(i64),
    Moment(chrono::DateTime<chrono::Utc>),
}

impl Cell {
    /// As CSV text: German date and time, neutralised formulas.
    fn csv(&self) -> String {
        match self {
            Cell::Text(text) => inert(text),
            Cell::Number(number) => number.to_string(),
            Cell::Moment(at) => crate::domain::time::format_de(*at),
        }
    }
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

/// The status in the exports' language (their headers are German).
fn status_de(status: EntryStatus) -> &'static str {
    match status {
        EntryStatus::Draft => "Entwurf",
        EntryStatus::Submitted => "Eingereicht",
        EntryStatus::Withdrawn => "Zurückgezogen",
    }
}

/// How the idea came, in the exports' language.
fn source_de(source: EntrySource) -> &'static str {
    match source {
        EntrySource::Online => "online",
        EntrySource::Email => "per E-Mail",
        EntrySource::Paper => "auf Papier",
        EntrySource::WalkIn => "im Ladenlokal",
    }
}

/// A cell a spreadsheet will not run as a formula: one that starts with `=`, `+`,
/// `-`, `@`, a tab or a line break, also after leading spaces or line breaks.
fn inert(text: &str) -> String {
    let start = text.trim_start_matches([' ', '\t', '\r', '\n']);
    if text.starts_with(['\t', '\r', '\n']) || start.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The entries as CSV for German spreadsheet programs: UTF-8 with a byte order
/// mark, semicolons, and no cell that a spreadsheet would run as a formula.
pub fn to_csv(entries: &[StaffEntry], form: &EntryForm) -> Result<Vec<u8>, ServiceError> {
    let (header, rows) = table(entries, form)?;
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let io = |err: csv::Error| ServiceError::Corrupt(err.to_string());
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        writer.write_record(&header).map_err(io)?;
        for row in rows {
            writer.write_record(row.iter().map(Cell::csv)).map_err(io)?;
        }
        writer
            .flush()
            .map_err(|err| ServiceError::Corrupt(err.to_string()))?;
    }
    Ok(out)
}

fn excel_moment(
    at: &chrono::DateTime<chrono_tz::Tz>,
) -> Result<rust_xlsxwriter::ExcelDateTime, rust_xlsxwriter::XlsxError> {
    use chrono::{Datelike, Timelike};
    rust_xlsxwriter::ExcelDateTime::from_ymd(at.year() as u16, at.month() as u8, at.day() as u8)?
        .and_hms(at.hour() as u16, at.minute() as u8, at.second())
}

/// The entries as an Excel workbook: texts as text (nothing is evaluated), numbers
/// and moments typed (they sort and filter as such), a bold, frozen header row and a
/// filter on every column.
pub fn to_xlsx(entries: &[StaffEntry], form: &EntryForm) -> Result<Vec<u8>, ServiceError> {
    use rust_xlsxwriter::{Format, Workbook};
    let failed = |err: rust_xlsxwriter::XlsxError| ServiceError::Corrupt(err.to_string());
    let (header, rows) = table(entries, form)?;
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Einreichungen").map_err(failed)?;
    let bold = Format::new().set_bold();
    for (col, title) in header.iter().enumerate() {
        let col = col as u16;
        sheet
            .write_string_with_format(0, col, title, &bold)
            .map_err(failed)?;
        sheet.set_column_width(col, 18).map_err(failed)?;
    }
    let moment = Format::new().set_num_format("dd.mm.yyyy hh:mm");
    for (row, cells) in rows.iter().enumerate() {
        let row = row as u32 + 1;
        for (col, cell) in cells.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(text) => {
                    // At most 32,767 characters fit in a cell.
                    let text: String = text.chars().take(32_767).collect();
                    sheet.write_string(row, col, &text).map_err(failed)?;
                }
                Cell::Number(number) => {
                    sheet
                        .write_number(row, col, *number as f64)
                        .map_err(failed)?;
                }
                Cell::Moment(at) => {
                    // Wall-clock time in Gera, as the CSV shows it.
                    let local = at.with_timezone(&chrono_tz::Europe::Berlin);
                    let when = excel_moment(&local).map_err(failed)?;
                    sheet
                        .write_datetime_with_format(row, col, &when, &moment)
                        .map_err(failed)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    let last_col = header.len().saturating_sub(1) as u16;
    sheet
        .autofilter(0, 0, rows.len() as u32, last_col)
        .map_err(failed)?;
    workbook.save_to_buffer().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn cells_that_would_run_as_formulas_are_neutralised_also_after_spaces() {
        for formula in [
            "=1+1",
            "+49",
            "-2",
            "@SUM(A1)",
            " =1+1",
            "\n=HYPERLINK(\"x\")",
            "\t=1",
            "\r\n+1",
            "  @x",
        ] {
            assert_eq!(inert(formula), format!("'{formula}"), "{formula:?}");
        }
        for plain in ["Solarbänke", "07545", "a=b", " text", "E-Mail"] {
            assert_eq!(inert(plain), plain, "{plain:?}");
        }
    }
}
