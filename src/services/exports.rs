//! The exports of a competition's entries for staff: CSV for German spreadsheet
//! programs and an Excel workbook, both written batch by batch from a keyset read
//! ([`Batches`]), so a 55,000-entry competition costs the memory of one batch.

use std::borrow::Cow;

use super::ServiceError;
use super::announcements::ResultLine;
use super::payouts::PayoutRecord;
use super::staff_entries::{Batches, StaffEntry};
use crate::domain::entries::{EntrySource, EntryStatus};
use crate::domain::entry_form::{EntryForm, FieldKind};
use crate::domain::prizes::PrizeKind;

/// The columns of an export: fixed ones, then the competition's own questions.
fn header(form: &EntryForm) -> Vec<String> {
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
    header
}

/// One entry as the cells of its export row, in the order of [`header`]
/// (borrowing the entry's texts: a row copies none of them).
fn row<'a>(s: &'a StaffEntry, form: &EntryForm) -> Result<Vec<Cell<'a>>, ServiceError> {
    let e = &s.entry;
    let goals = e.goals()?;
    let text = Cell::text;
    let mut row = vec![
        Cell::Number(e.id),
        text(status_de(e.status)),
        text(source_de(e.source)),
        text(e.receipt_number.as_deref().unwrap_or_default()),
        text(e.kennzahl.as_deref().unwrap_or_default()),
        text(&e.title),
        text(&e.summary),
        text(&e.description),
        Cell::text(goals.join(", ")),
        e.submitted_at.map_or(text(""), Cell::Moment),
        text(&s.author_name),
        text(
            if crate::services::entries::has_no_address(&s.author_email) {
                ""
            } else {
                &s.author_email
            },
        ),
        text(s.author_phone.as_deref().unwrap_or_default()),
    ];
    row.extend(form.fields.iter().map(|f| {
        let answer = s.details.get(&f.key).map_or("", String::as_str);
        match (f.kind, answer.trim().parse::<i64>()) {
            (FieldKind::Number, Ok(number)) => Cell::Number(number),
            _ => text(answer),
        }
    }));
    if form.for_minors {
        row.push(text(if e.guardian_consent_at.is_some() {
            "ja"
        } else {
            "nein"
        }));
    }
    Ok(row)
}

/// One cell of an export: text, a whole number or a moment (numbers and moments
/// are typed in the workbook, so they sort and filter as such; the CSV writes them
/// in German notation).
enum Cell<'a> {
    Text(Cow<'a, str>),
    Number(i64),
    /// An amount in cents (written in euro).
    Cents(i64),
    Moment(chrono::DateTime<chrono::Utc>),
}

impl<'a> Cell<'a> {
    fn text(text: impl Into<Cow<'a, str>>) -> Self {
        Cell::Text(text.into())
    }

    /// As CSV text: German date and time, neutralised formulas.
    fn csv(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(text) => inert(text),
            Cell::Number(number) => number.to_string().into(),
            Cell::Cents(cents) => format!("{},{:02}", cents / 100, (cents % 100).abs()).into(),
            Cell::Moment(at) => crate::domain::time::format_de(*at).into(),
        }
    }
}

/// One row of cells as a CSV record.
fn write_row<W: std::io::Write>(writer: &mut csv::Writer<W>, row: &[Cell]) -> csv::Result<()> {
    for cell in row {
        writer.write_field(cell.csv().as_bytes())?;
    }
    // An empty record ends the one the fields began.
    writer.write_record(None::<&[u8]>)
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
fn inert(text: &str) -> Cow<'_, str> {
    let start = text.trim_start_matches([' ', '\t', '\r', '\n']);
    if text.starts_with(['\t', '\r', '\n']) || start.starts_with(['=', '+', '-', '@']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// The entries as CSV for German spreadsheet programs: UTF-8 with a byte order
/// mark, semicolons, and no cell that a spreadsheet would run as a formula. Written
/// batch by batch as the entries are read: memory stays constant however many
/// there are, and the download starts at once.
pub struct Csv {
    batches: Batches,
    form: EntryForm,
    started: bool,
}

impl Csv {
    pub fn new(batches: Batches, form: EntryForm) -> Self {
        Csv {
            batches,
            form,
            started: false,
        }
    }

    /// The next part of the file, or `None` at its end.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, ServiceError> {
        let io = |err: csv::Error| ServiceError::Corrupt(err.to_string());
        let mut out = Vec::new();
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        if !self.started {
            self.started = true;
            writer.write_record(header(&self.form)).map_err(io)?;
            drop(writer);
            let mut first = "\u{feff}".as_bytes().to_vec();
            first.extend(out);
            return Ok(Some(first));
        }
        let batch = self.batches.next().await?;
        if batch.is_empty() {
            return Ok(None);
        }
        for entry in &batch {
            write_row(&mut writer, &row(entry, &self.form)?).map_err(io)?;
        }
        writer
            .flush()
            .map_err(|err| ServiceError::Corrupt(err.to_string()))?;
        drop(writer);
        Ok(Some(out))
    }
}

fn excel_moment(
    at: &chrono::DateTime<chrono_tz::Tz>,
) -> Result<rust_xlsxwriter::ExcelDateTime, rust_xlsxwriter::XlsxError> {
    use chrono::{Datelike, Timelike};
    rust_xlsxwriter::ExcelDateTime::from_ymd(at.year() as u16, at.month() as u8, at.day() as u8)?
        .and_hms(at.hour() as u16, at.minute() as u8, at.second())
}

/// At most the 32,767 characters that fit in a cell (borrowed: almost every
/// text fits).
fn fitting(text: &str) -> &str {
    const MOST: usize = 32_767;
    if text.len() <= MOST {
        return text;
    }
    match text.char_indices().nth(MOST) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// The entries as an Excel workbook: texts as text (nothing is evaluated), numbers
/// and moments typed (they sort and filter as such), a bold, frozen header row and a
/// filter on every column. The sheet is written in constant-memory mode (rows go
/// to a temporary file as they are written) and the workbook is zipped into an
/// anonymous temporary file, which the caller streams and which vanishes when
/// closed: memory stays constant however many entries there are.
pub async fn xlsx(mut batches: Batches, form: &EntryForm) -> Result<std::fs::File, ServiceError> {
    use rust_xlsxwriter::{Format, Workbook};
    let failed = |err: rust_xlsxwriter::XlsxError| ServiceError::Corrupt(err.to_string());
    let header = header(form);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name("Einreichungen").map_err(failed)?;
    let bold = Format::new().set_bold();
    for col in 0..header.len() {
        sheet.set_column_width(col as u16, 18).map_err(failed)?;
    }
    for (col, title) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, title, &bold)
            .map_err(failed)?;
    }
    let moment = Format::new().set_num_format("dd.mm.yyyy hh:mm");
    let mut row_number = 0u32;
    loop {
        let batch = batches.next().await?;
        if batch.is_empty() {
            break;
        }
        for entry in &batch {
            row_number += 1;
            for (col, cell) in row(entry, form)?.into_iter().enumerate() {
                let col = col as u16;
                match cell {
                    Cell::Text(text) => {
                        sheet
                            .write_string(row_number, col, fitting(&text))
                            .map_err(failed)?;
                    }
                    Cell::Number(number) => {
                        sheet
                            .write_number(row_number, col, number as f64)
                            .map_err(failed)?;
                    }
                    Cell::Cents(cents) => {
                        sheet
                            .write_number(row_number, col, cents as f64 / 100.0)
                            .map_err(failed)?;
                    }
                    Cell::Moment(at) => {
                        // Wall-clock time in Gera, as the CSV shows it.
                        let local = at.with_timezone(&chrono_tz::Europe::Berlin);
                        let when = excel_moment(&local).map_err(failed)?;
                        sheet
                            .write_datetime_with_format(row_number, col, &when, &moment)
                            .map_err(failed)?;
                    }
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    let last_col = header.len().saturating_sub(1) as u16;
    sheet
        .autofilter(0, 0, row_number, last_col)
        .map_err(failed)?;
    // Zipping is work for a blocking thread, not for the server's workers.
    tokio::task::spawn_blocking(move || {
        use std::io::{Seek, SeekFrom};
        let mut file =
            tempfile::tempfile().map_err(|err| ServiceError::Corrupt(err.to_string()))?;
        workbook.save_to_writer(&mut file).map_err(failed)?;
        file.seek(SeekFrom::Start(0))
            .map_err(|err| ServiceError::Corrupt(err.to_string()))?;
        Ok(file)
    })
    .await
    .map_err(|err| ServiceError::Corrupt(err.to_string()))?
}

/// The columns of the results export.
const RESULT_HEADER: [&str; 10] = [
    "Preisstufe",
    "Preis",
    "Art",
    "Betrag (EUR)",
    "Nr.",
    "Kennzahl",
    "Titel",
    "Öffentlich genannt",
    "Name",
    "E-Mail",
];

fn kind_de(kind: PrizeKind) -> &'static str {
    match kind {
        PrizeKind::Cash => "Geld",
        PrizeKind::Voucher => "Einkaufsgutschein",
        PrizeKind::Grant => "Zuschuss",
        PrizeKind::Event => "Veranstaltung",
    }
}

fn result_row(line: &ResultLine) -> Vec<Cell<'_>> {
    vec![
        Cell::text(crate::documents::certificate::tier_de(line.tier).to_owned()),
        Cell::text(line.prize.clone()),
        Cell::text(kind_de(line.kind).to_owned()),
        Cell::Cents(line.amount.cents()),
        Cell::Number(line.entry_id),
        Cell::text(line.kennzahl.clone()),
        Cell::text(line.title.clone()),
        Cell::text(line.credit.clone().unwrap_or_default()),
        Cell::text(line.contact_name.clone()),
        Cell::text(line.email.clone()),
    ]
}

/// The results (every awarded prize with its entry and entrant) as CSV for
/// German spreadsheet programs, like the entries' export.
pub fn results_csv(lines: &[ResultLine]) -> Result<Vec<u8>, ServiceError> {
    table_csv(&RESULT_HEADER, lines.iter().map(result_row))
}

/// The results as an Excel workbook.
pub fn results_xlsx(lines: &[ResultLine]) -> Result<Vec<u8>, ServiceError> {
    table_xlsx("Ergebnisse", &RESULT_HEADER, lines.iter().map(result_row))
}

/// The columns of the treasury's payout export.
const PAYOUT_HEADER: [&str; 14] = [
    "Nr.",
    "Kennzahl",
    "Titel",
    "Betrag (EUR)",
    "Benötigt",
    "Vollständig",
    "Kontoinhaber*in",
    "IBAN",
    "Straße",
    "PLZ",
    "Ort",
    "Name",
    "E-Mail",
    "Zuletzt geändert",
];

fn payout_row(record: &PayoutRecord) -> Vec<Cell<'_>> {
    let needs = record.line.needs;
    let needed = match (needs.bank, needs.address) {
        (true, true) => "Konto und Anschrift",
        (true, false) => "Konto",
        (false, true) => "Anschrift",
        (false, false) => "nichts",
    };
    let d = &record.details;
    vec![
        Cell::Number(record.line.entry_id),
        Cell::text(record.line.kennzahl.clone()),
        Cell::text(record.line.title.clone()),
        Cell::Cents(record.line.amount.cents()),
        Cell::text(needed.to_owned()),
        Cell::text(if record.line.complete() { "ja" } else { "nein" }.to_owned()),
        Cell::text(d.holder.clone()),
        Cell::text(crate::domain::payout::grouped(&d.iban)),
        Cell::text(d.street.clone()),
        Cell::text(d.postcode.clone()),
        Cell::text(d.city.clone()),
        Cell::text(record.contact_name.clone()),
        Cell::text(record.email.clone()),
        match record.line.updated_at {
            Some(at) => Cell::Moment(at),
            None => Cell::text(""),
        },
    ]
}

/// The payout details for the city's treasury as CSV (administrators only).
pub fn payouts_csv(records: &[PayoutRecord]) -> Result<Vec<u8>, ServiceError> {
    table_csv(&PAYOUT_HEADER, records.iter().map(payout_row))
}

/// The payout details as an Excel workbook.
pub fn payouts_xlsx(records: &[PayoutRecord]) -> Result<Vec<u8>, ServiceError> {
    table_xlsx("Auszahlung", &PAYOUT_HEADER, records.iter().map(payout_row))
}

/// A small table (a competition's winners) as CSV for German spreadsheet
/// programs: UTF-8 with BOM, semicolons, formulas neutralised.
fn table_csv<'a>(
    header: &[&str],
    rows: impl Iterator<Item = Vec<Cell<'a>>>,
) -> Result<Vec<u8>, ServiceError> {
    let io = |err: csv::Error| ServiceError::Corrupt(err.to_string());
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        writer.write_record(header).map_err(io)?;
        for row in rows {
            write_row(&mut writer, &row).map_err(io)?;
        }
        writer
            .flush()
            .map_err(|err| ServiceError::Corrupt(err.to_string()))?;
    }
    Ok(out)
}

/// A small table as an Excel workbook: amounts as numbers in euro, a bold,
/// frozen header row and a filter on every column.
fn table_xlsx<'a>(
    name: &str,
    header: &[&str],
    rows: impl Iterator<Item = Vec<Cell<'a>>>,
) -> Result<Vec<u8>, ServiceError> {
    use rust_xlsxwriter::{Format, Workbook};
    let failed = |err: rust_xlsxwriter::XlsxError| ServiceError::Corrupt(err.to_string());
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(name).map_err(failed)?;
    let bold = Format::new().set_bold();
    let euro = Format::new().set_num_format("#,##0.00 \"€\"");
    for (col, title) in header.iter().enumerate() {
        sheet.set_column_width(col as u16, 20).map_err(failed)?;
        sheet
            .write_string_with_format(0, col as u16, *title, &bold)
            .map_err(failed)?;
    }
    let mut last = 0;
    for (i, cells) in rows.enumerate() {
        let row = i as u32 + 1;
        last = row;
        for (col, cell) in cells.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(text) => sheet.write_string(row, col, text.as_ref()).map(drop),
                Cell::Number(n) => sheet.write_number(row, col, *n as f64).map(drop),
                Cell::Cents(c) => sheet
                    .write_number_with_format(row, col, *c as f64 / 100.0, &euro)
                    .map(drop),
                Cell::Moment(at) => sheet
                    .write_string(row, col, crate::domain::time::format_de(*at))
                    .map(drop),
            }
            .map_err(failed)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    sheet
        .autofilter(0, 0, last, header.len() as u16 - 1)
        .map_err(failed)?;
    workbook.save_to_buffer().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::{fitting, inert};

    #[test]
    fn a_cell_holds_at_most_32767_characters() {
        assert_eq!(fitting("kurz"), "kurz");
        let long = "ä".repeat(40_000);
        assert_eq!(fitting(&long).chars().count(), 32_767);
        let exactly = "ü".repeat(32_767);
        assert_eq!(fitting(&exactly), exactly);
    }

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
