//! The facts of the Protokoll, gathered from the database: the same for the
//! printable page and the PDF stored when the result is locked.

use sea_orm::{ConnectionTrait, EntityTrait, StreamTrait};

use super::{conflicts_of, panel, precheck, ranking, rounds, settings};
use crate::documents::protokoll::{
    ConflictLine, DecisionLine, JurorLine, Member, Protokoll, RankLine, RoundLine,
};
use crate::domain::jury::conflicts::ConflictStatus;
use crate::domain::jury::panel::{PanelRole, Seat};
use crate::domain::jury::scoring::Basis;
use crate::domain::time;
use crate::entities::{entry, user};
use crate::services::{ServiceError, competitions, programmes};

fn role_de(role: PanelRole) -> &'static str {
    match role {
        PanelRole::Chair => "Vorsitz",
        PanelRole::Member => "Mitglied",
        PanelRole::Deputy => "Stellvertretung",
    }
}

fn seat_de(seat: Seat) -> &'static str {
    match seat {
        Seat::Invited => "eingeladen",
        Seat::Accepted => "zugesagt",
        Seat::Declined => "abgesagt",
    }
}

fn status_de(status: ConflictStatus) -> &'static str {
    match status {
        ConflictStatus::Declared => "selbst erklärt",
        ConflictStatus::Suspected => "möglich, nicht entschieden",
        ConflictStatus::Confirmed => "bestätigt",
        ConflictStatus::Dismissed => "verworfen",
    }
}

fn state_de(state: crate::domain::CompetitionState) -> &'static str {
    use crate::domain::CompetitionState as S;
    match state {
        S::Draft => "in Vorbereitung",
        S::Scheduled => "angekündigt",
        S::Open => "offen",
        S::Closed => "geschlossen",
        S::InReview => "in der Jurierung",
        S::Decided => "entschieden",
        S::Announced => "bekanntgegeben",
        S::Archived => "archiviert",
        S::Cancelled => "abgesagt",
    }
}

fn number(value: f64) -> String {
    format!("{value:.2}").replace('.', ",")
}

/// The tie-break rule of each basis, as the ranking and the Protokoll show it.
pub fn rule(basis: Basis) -> &'static str {
    match basis {
        Basis::Raw => {
            "Bei Gleichstand entscheidet der höhere Median, dann die größere Zahl der Bewertungen, dann die kleinere Kennzahl."
        }
        Basis::Normalised => {
            "Bei Gleichstand entscheidet der höhere Mittelwert, dann die größere Zahl der Bewertungen, dann die kleinere Kennzahl."
        }
    }
}

/// The Protokoll of competition `id` as it stands at `now`, with `remarks`.
pub async fn gather<C>(
    conn: &C,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
    remarks: Vec<String>,
) -> Result<Protokoll, ServiceError>
where
    C: ConnectionTrait + StreamTrait,
{
    let competition = competitions::find(conn, id).await?;
    let programme = programmes::find(conn, competition.programme_id).await?;
    let jury = settings(conn, id).await?;
    let members = panel::members(conn, id).await?;
    let report = precheck::report(conn, id).await?;
    let mut lines = vec![
        ("Eingereicht".to_owned(), report.submitted),
        ("Zugelassen".to_owned(), report.admitted),
    ];
    for (reason, n) in &report.excluded {
        lines.push((format!("Ausgeschlossen ({})", reason.label().de), *n));
    }
    lines.push(("Nicht geprüft".to_owned(), report.open));
    let ranking = ranking::ranking(conn, id).await?;
    let names: std::collections::HashMap<i64, String> = members
        .iter()
        .map(|m| (m.person.id, m.person.display_name.clone()))
        .collect();
    let kennzahl_of = |entries: &[entry::Model], id: i64| {
        entries
            .iter()
            .find(|e| e.id == id)
            .and_then(|e| e.kennzahl.clone())
            .unwrap_or_default()
    };
    let conflict_rows = conflicts_of(conn, id).await?;
    let mut entry_ids: Vec<i64> = conflict_rows.iter().map(|c| c.entry_id).collect();
    let record = rounds::all(conn, id).await?;
    for r in &record {
        entry_ids.extend(r.decisions.iter().map(|(d, _)| d.entry_id));
    }
    entry_ids.sort_unstable();
    entry_ids.dedup();
    let mut entries = Vec::new();
    for chunk in entry_ids.chunks(500) {
        use sea_orm::{ColumnTrait, QueryFilter};
        entries.extend(
            entry::Entity::find()
                .filter(entry::Column::Id.is_in(chunk.to_vec()))
                .all(conn)
                .await?,
        );
    }
    let mut juror_names = names.clone();
    for c in &conflict_rows {
        if !juror_names.contains_key(&c.juror_id)
            && let Some(u) = user::Entity::find_by_id(c.juror_id).one(conn).await?
        {
            juror_names.insert(u.id, u.display_name);
        }
    }
    let when = |at: chrono::DateTime<chrono::Utc>| time::format_de(at);
    Ok(Protokoll {
        competition: competition.full_name(),
        programme: programme.name.clone(),
        state: state_de(competition.state).to_owned(),
        made_at: when(now),
        members: members
            .iter()
            .map(|m| Member {
                name: m.person.display_name.clone(),
                role: role_de(m.seat.role).to_owned(),
                seat: seat_de(m.seat.seat()).to_owned(),
            })
            .collect(),
        precheck: lines,
        conflicts: conflict_rows
            .iter()
            .map(|c| ConflictLine {
                juror: juror_names.get(&c.juror_id).cloned().unwrap_or_default(),
                kennzahl: kennzahl_of(&entries, c.entry_id),
                status: status_de(c.status).to_owned(),
                reason: c
                    .decision_reason
                    .clone()
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| c.reason.clone()),
            })
            .collect(),
        rounds: record
            .iter()
            .map(|r| RoundLine {
                number: u32::try_from(r.round.number).unwrap_or(0),
                opened: when(r.round.opened_at),
                closed: r
                    .round
                    .closed_at
                    .map(when)
                    .unwrap_or_else(|| "noch offen".into()),
                decisions: r
                    .decisions
                    .iter()
                    .map(|(d, votes)| DecisionLine {
                        kennzahl: kennzahl_of(&entries, d.entry_id),
                        outcome: if d.outcome == "on" {
                            "weiter"
                        } else {
                            "ausgeschieden"
                        }
                        .to_owned(),
                        how: if d.method == "chair" {
                            "Entscheidung des Vorsitzes".to_owned()
                        } else {
                            let who: Vec<String> = votes
                                .iter()
                                .map(|v| {
                                    format!(
                                        "{}: {}",
                                        names.get(&v.juror_id).cloned().unwrap_or_default(),
                                        if v.in_favour { "dafür" } else { "dagegen" }
                                    )
                                })
                                .collect();
                            format!(
                                "Abstimmung {}:{} ({})",
                                d.votes_for,
                                d.votes_against,
                                who.join(", ")
                            )
                        },
                        remark: d.remark.clone(),
                    })
                    .collect(),
            })
            .collect(),
        basis: match jury.basis {
            Basis::Raw => "der gewichtete Mittelwert".to_owned(),
            Basis::Normalised => "der normalisierte Wert (z-Werte je Jurymitglied)".to_owned(),
        },
        rule: rule(jury.basis).to_owned(),
        alpha: ranking
            .alpha
            .map(number)
            .unwrap_or_else(|| "nicht bestimmbar".into()),
        criteria: ranking
            .criteria
            .iter()
            .map(|c| {
                format!(
                    "{} (Gewicht {}, {}–{})",
                    c.spec.label.de, c.spec.weight, c.spec.scale_min, c.spec.scale_max
                )
            })
            .collect(),
        ranking: ranking
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| RankLine {
                place: i + 1,
                kennzahl: e.kennzahl.clone(),
                title: e.title.clone(),
                mean: number(e.result.mean),
                median: number(e.result.median),
                normalised: number(e.result.normalised),
                spread: format!(
                    "σ {}, Spanne {}",
                    number(e.result.std_dev),
                    number(e.result.range)
                ),
                sheets: e.result.sheets,
                raw_place: e.raw_place,
                normalised_place: e.normalised_place,
                note: match (e.out_in_round, e.result.discuss) {
                    (Some(n), _) => format!("ausgeschieden in Rundgang {n}"),
                    (None, true) => "große Streuung".to_owned(),
                    (None, false) => String::new(),
                },
            })
            .collect(),
        unranked: ranking.unranked.iter().map(|(k, _)| k.clone()).collect(),
        jurors: ranking
            .jurors
            .iter()
            .map(|j| JurorLine {
                name: j.name.clone(),
                sheets: j.result.sheets,
                mean: number(j.result.mean),
                leniency: j.result.leniency.map(number).unwrap_or_else(|| "–".into()),
            })
            .collect(),
        remarks,
    })
}
