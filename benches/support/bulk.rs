//! Many entries and accounts at once, for the scale benchmark and the tests of
//! paging, search and exports: inserted in batches through the entities (so the
//! database's triggers index them for search as they would any entry), with texts
//! of realistic length. Not a use case: nothing is audited or emailed.

use chrono::{DateTime, Utc};
use ideenwettbewerb::domain::entries::{EntrySource, EntryStatus};
use ideenwettbewerb::domain::roles::Role;
use ideenwettbewerb::entities::{entry, entry_author, user};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement,
    TransactionTrait,
};

const ROWS_PER_INSERT: usize = 400;

const WORDS: [&str; 12] = [
    "Solarbänke",
    "Stadtgarten",
    "Radweg",
    "Trinkbrunnen",
    "Bücherschrank",
    "Spielplatz",
    "Nachbarschaft",
    "Ladepunkte",
    "Blühwiese",
    "Sensoren",
    "Leihräder",
    "Treffpunkt",
];

/// Who wrote entry `n`, as seeded.
pub fn author_email(account: usize) -> String {
    format!("person{account}@example.de")
}

/// Districts named in the titles: entry `n` names district `n % DISTRICTS`.
pub const DISTRICTS: usize = 500;

/// The word for district `k` (`Bezirk137`): a search with a few hits per
/// thousand entries.
pub fn district(k: usize) -> String {
    format!("Bezirk{k}")
}

/// Seeds `accounts` entrants, then `entries` submitted entries spread over
/// `competitions` (the first gets `first_share` of them), each by one of the
/// accounts in turn. Returns the ids of the first and the last entry.
pub async fn seed(
    db: &DatabaseConnection,
    competitions: &[i64],
    first_share: f64,
    entries: usize,
    accounts: usize,
    at: DateTime<Utc>,
) -> (i64, i64) {
    let txn = db.begin().await.unwrap();
    let mut users: Vec<i64> = Vec::with_capacity(accounts);
    for chunk in (0..accounts).collect::<Vec<_>>().chunks(ROWS_PER_INSERT) {
        let rows = chunk.iter().map(|&k| user::ActiveModel {
            email: Set(author_email(k)),
            display_name: Set(format!("Person {k}")),
            role: Set(Role::Entrant),
            created_at: Set(at),
            locale: Set("de".into()),
            ..Default::default()
        });
        users.extend(
            user::Entity::insert_many(rows)
                .exec_with_returning_keys(&txn)
                .await
                .unwrap(),
        );
    }
    let description = "Entlang der Weißen Elster sollen Bänke mit Solarmodulen entstehen, \
        an denen man Fahrräder und Telefone laden kann; ein kleiner Bildschirm zeigt \
        Abfahrten von Bus und Straßenbahn. "
        .repeat(8);
    let in_first = ((entries as f64) * first_share) as usize;
    let competition_of = |n: usize| {
        if n < in_first || competitions.len() == 1 {
            competitions[0]
        } else {
            competitions[1 + (n % (competitions.len() - 1))]
        }
    };
    let mut range = (i64::MAX, 0);
    for chunk in (0..entries).collect::<Vec<_>>().chunks(ROWS_PER_INSERT) {
        let rows = chunk.iter().map(|&n| entry::ActiveModel {
            competition_id: Set(competition_of(n)),
            status: Set(EntryStatus::Submitted),
            title: Set(format!(
                "{} für Gera, {}",
                WORDS[n % WORDS.len()],
                district(n % DISTRICTS)
            )),
            summary: Set(format!(
                "Eine Idee für {} in der Nachbarschaft, Nummer {n}.",
                WORDS[(n / 7) % WORDS.len()]
            )),
            description: Set(description.clone()),
            goals: Set(r#"["Nachhaltigkeit"]"#.into()),
            kennzahl: Set(Some(format!("{:06}", n % 1_000_000))),
            receipt_number: Set(Some(format!("GE-BULK-{n:07}"))),
            version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
            submitted_at: Set(Some(at)),
            withdrawn_at: Set(None),
            source: Set(if n % 10 == 3 {
                EntrySource::Paper
            } else {
                EntrySource::Online
            }),
            details: Set(r#"{"postcode":"07545"}"#.into()),
            guardian_consent_at: Set(None),
            reminded_at: Set(None),
            ..Default::default()
        });
        let ids = entry::Entity::insert_many(rows)
            .exec_with_returning_keys(&txn)
            .await
            .unwrap();
        for &id in &ids {
            range = (range.0.min(id), range.1.max(id));
        }
        let authors = chunk.iter().zip(ids).map(|(&n, id)| {
            let account = n % accounts;
            entry_author::ActiveModel {
                entry_id: Set(id),
                user_id: Set(users[account]),
                contact_name: Set(format!("Person {account}")),
                details: Set("{}".into()),
                contact_phone: Set(None),
                ..Default::default()
            }
        });
        entry_author::Entity::insert_many(authors)
            .exec(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    range
}

/// Competition `id` in review with every submitted entry admitted and scored by
/// every accepted member of its panel on its stored criteria, each sheet
/// submitted with its points: scores 0–10 that differ by entry and criterion,
/// from jurors of three tempers (harsh, middling, lenient). In SQL, for sizes
/// no use case would reach in a test's time.
#[allow(dead_code)]
pub async fn score_all(db: &DatabaseConnection, id: i64, at: DateTime<Utc>) {
    let backend = db.get_database_backend();
    let steps: [(&str, Vec<sea_orm::Value>); 7] = [
        (
            "UPDATE competitions SET state = 'in_review' WHERE id = $1",
            vec![id.into()],
        ),
        (
            "INSERT INTO prechecks (entry_id, competition_id, verdict, decided_at) \
             SELECT id, competition_id, 'admitted', $2 FROM entries \
             WHERE competition_id = $1 AND status = 'submitted' \
               AND id NOT IN (SELECT entry_id FROM prechecks)",
            vec![id.into(), at.into()],
        ),
        // Scoring has started, as the first saved sheet records it.
        (
            "INSERT INTO juries (competition_id, updated_at, scoring_started_at) \
             SELECT $1, $2, $2 WHERE NOT EXISTS (SELECT 1 FROM juries WHERE competition_id = $1)",
            vec![id.into(), at.into()],
        ),
        (
            "UPDATE juries SET scoring_started_at = $2 WHERE competition_id = $1",
            vec![id.into(), at.into()],
        ),
        (
            "INSERT INTO score_sheets \
               (competition_id, entry_id, juror_id, created_at, updated_at, submitted_at, version) \
             SELECT e.competition_id, e.id, p.user_id, $2, $2, $2, 1 \
             FROM entries e JOIN panel_members p ON p.competition_id = e.competition_id \
             WHERE e.competition_id = $1 AND e.status = 'submitted' AND p.accepted_at IS NOT NULL",
            vec![id.into(), at.into()],
        ),
        (
            "INSERT INTO scores (sheet_id, criterion_id, score, comment) \
             SELECT s.id, k.id, ((s.entry_id * 37 + k.id * 11 + s.juror_id * 5) % 9) \
                                 + (s.juror_id % 3) / 2, '' \
             FROM score_sheets s JOIN jury_criteria k ON k.competition_id = s.competition_id \
             WHERE s.competition_id = $1",
            vec![id.into()],
        ),
        (
            "UPDATE score_sheets SET points = \
               (SELECT SUM(k.weight * sc.score) FROM scores sc \
                JOIN jury_criteria k ON k.id = sc.criterion_id WHERE sc.sheet_id = score_sheets.id) \
             WHERE competition_id = $1",
            vec![id.into()],
        ),
    ];
    for (sql, values) in steps {
        db.execute_raw(statement(backend, sql, values))
            .await
            .unwrap();
    }
}

/// `sql` with `$1`, `$2`, … as the backend writes them (`?1`, `?2`, … on SQLite).
#[allow(dead_code)]
pub fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        sql.to_owned()
    } else {
        (1..=values.len()).rev().fold(sql.to_owned(), |s, n| {
            s.replace(&format!("${n}"), &format!("?{n}"))
        })
    };
    Statement::from_sql_and_values(backend, sql, values)
}
