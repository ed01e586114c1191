//! The Protokoll of a jury's sitting as a PDF ready to sign: who sat, the
//! pre-check report, conflicts of interest, the rounds with their votes, the
//! ranking with its scores and disagreement, the remarks, and lines for the
//! signatures. The same facts are the printable page (`jury_protokoll.html`).

use serde::Serialize;

use super::{DocumentError, Writer};

/// Everything the Protokoll says, ready to print (German).
#[derive(Debug, Clone, Serialize)]
pub struct Protokoll {
    pub competition: String,
    pub programme: String,
    pub state: String,
    pub made_at: String,
    pub members: Vec<Member>,
    pub precheck: Vec<(String, u64)>,
    pub conflicts: Vec<ConflictLine>,
    pub rounds: Vec<RoundLine>,
    pub basis: String,
    pub rule: String,
    pub alpha: String,
    pub criteria: Vec<String>,
    pub ranking: Vec<RankLine>,
    pub unranked: Vec<String>,
    pub jurors: Vec<JurorLine>,
    pub remarks: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub name: String,
    pub role: String,
    pub seat: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConflictLine {
    pub juror: String,
    pub kennzahl: String,
    pub status: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoundLine {
    pub number: u32,
    pub opened: String,
    pub closed: String,
    pub decisions: Vec<DecisionLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DecisionLine {
    pub kennzahl: String,
    pub outcome: String,
    pub how: String,
    pub remark: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankLine {
    pub place: usize,
    pub kennzahl: String,
    pub title: String,
    pub mean: String,
    pub median: String,
    pub normalised: String,
    pub spread: String,
    pub sheets: usize,
    pub raw_place: usize,
    pub normalised_place: usize,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct JurorLine {
    pub name: String,
    pub sheets: usize,
    pub mean: String,
    pub leniency: String,
}

/// The Protokoll as PDF bytes.
pub fn pdf(p: &Protokoll) -> Result<Vec<u8>, DocumentError> {
    let mut w = Writer::new(&format!("Protokoll des Preisgerichts: {}", p.competition))?;
    w.heading(
        1,
        &format!("Protokoll des Preisgerichts: {}", p.competition),
    );
    w.paragraph(&format!(
        "{} · Stand: {} · erstellt am {}",
        p.programme, p.state, p.made_at
    ));

    w.heading(2, "Mitglieder des Preisgerichts");
    w.row(
        true,
        &[0.5, 0.25, 0.25],
        &["Name".into(), "Funktion".into(), "Teilnahme".into()],
    );
    for m in &p.members {
        w.row(
            false,
            &[0.5, 0.25, 0.25],
            &[m.name.clone(), m.role.clone(), m.seat.clone()],
        );
    }

    w.heading(2, "Bericht der Vorprüfung");
    for (label, n) in &p.precheck {
        w.paragraph(&format!("{label}: {n}"));
    }

    w.heading(2, "Befangenheiten");
    if p.conflicts.is_empty() {
        w.paragraph("Keine Befangenheiten vermerkt.");
    } else {
        w.row(
            true,
            &[0.3, 0.15, 0.2, 0.35],
            &[
                "Jurymitglied".into(),
                "Kennzahl".into(),
                "Stand".into(),
                "Grund".into(),
            ],
        );
        for c in &p.conflicts {
            w.row(
                false,
                &[0.3, 0.15, 0.2, 0.35],
                &[
                    c.juror.clone(),
                    c.kennzahl.clone(),
                    c.status.clone(),
                    c.reason.clone(),
                ],
            );
        }
    }

    w.heading(2, "Rundgänge");
    if p.rounds.is_empty() {
        w.paragraph("Es wurden keine Rundgänge geführt.");
    }
    for r in &p.rounds {
        w.paragraph(&format!(
            "Rundgang {}: eröffnet {}, geschlossen {}",
            r.number, r.opened, r.closed
        ));
        if !r.decisions.is_empty() {
            w.row(
                true,
                &[0.15, 0.2, 0.4, 0.25],
                &[
                    "Kennzahl".into(),
                    "Ergebnis".into(),
                    "Entscheidung".into(),
                    "Bemerkung".into(),
                ],
            );
        }
        for d in &r.decisions {
            w.row(
                false,
                &[0.15, 0.2, 0.4, 0.25],
                &[
                    d.kennzahl.clone(),
                    d.outcome.clone(),
                    d.how.clone(),
                    d.remark.clone(),
                ],
            );
        }
    }

    w.heading(2, "Rangfolge");
    w.paragraph(&format!("Es zählt: {}. {}", p.basis, p.rule));
    w.paragraph(&format!("Kriterien: {}", p.criteria.join("; ")));
    w.paragraph(&format!(
        "Übereinstimmung im Preisgericht (Krippendorffs Alpha): {}",
        p.alpha
    ));
    let widths = [0.06, 0.1, 0.24, 0.08, 0.08, 0.08, 0.15, 0.06, 0.15];
    w.row(
        true,
        &widths,
        &[
            "Platz".into(),
            "Kennzahl".into(),
            "Titel".into(),
            "Mittel".into(),
            "Median".into(),
            "Normal.".into(),
            "Streuung".into(),
            "Bew.".into(),
            "Hinweis".into(),
        ],
    );
    for e in &p.ranking {
        w.row(
            false,
            &widths,
            &[
                e.place.to_string(),
                e.kennzahl.clone(),
                e.title.clone(),
                e.mean.clone(),
                e.median.clone(),
                e.normalised.clone(),
                e.spread.clone(),
                e.sheets.to_string(),
                e.note.clone(),
            ],
        );
    }
    if !p.unranked.is_empty() {
        w.paragraph(&format!("Ohne Bewertung: {}", p.unranked.join(", ")));
    }

    w.heading(2, "Jurymitglieder: Strenge und Milde");
    w.row(
        true,
        &[0.4, 0.2, 0.2, 0.2],
        &[
            "Name".into(),
            "Bewertungen".into(),
            "Mittel".into(),
            "Abweichung".into(),
        ],
    );
    for j in &p.jurors {
        w.row(
            false,
            &[0.4, 0.2, 0.2, 0.2],
            &[
                j.name.clone(),
                j.sheets.to_string(),
                j.mean.clone(),
                j.leniency.clone(),
            ],
        );
    }

    w.heading(2, "Bemerkungen");
    if p.remarks.is_empty() {
        w.paragraph("Keine.");
    }
    for remark in &p.remarks {
        w.paragraph(remark);
    }

    w.heading(2, "Unterschriften");
    for m in p.members.iter().filter(|m| m.seat == "zugesagt") {
        w.space(18.0);
        w.paragraph(&format!(
            "______________________________   {} ({})",
            m.name, m.role
        ));
    }
    w.finish()
}
