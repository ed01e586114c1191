//! What the templates see of a competition: display strings in the page language.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::i18n::Lang;
use crate::domain::{CompetitionState, Money, time};
use crate::entities::competition;
use crate::entities::stored::Unreadable;
use crate::services::competitions::window_of;

#[derive(Serialize)]
pub struct CompetitionView {
    pub slug: String,
    pub target_group: String,
    pub headline: String,
    /// The headline with the target group, for naming it outside its own page.
    pub full_name: String,
    pub aim: String,
    pub description: String,
    pub eligibility_note: String,
    pub opens: Option<String>,
    /// When it was opened again after closing, if it was: its window starts then.
    pub reopened: Option<String>,
    pub reopened_iso: Option<String>,
    pub closes: Option<String>,
    pub opens_iso: Option<String>,
    pub closes_iso: Option<String>,
    pub state: &'static str,
    pub state_label: &'static str,
    pub prize: String,
    pub accepting_entries: bool,
    /// The results are announced (the page links to them).
    pub results: bool,
}

pub fn money(lang: Lang, money: Money) -> String {
    match lang {
        Lang::De => money.format_de(),
        Lang::En => money.format_en(),
    }
}

/// A moment in Gera's time, as the language writes it.
pub fn moment(lang: Lang, at: DateTime<Utc>) -> String {
    match lang {
        Lang::De => time::format_de(at),
        Lang::En => time::format_en(at),
    }
}

fn when(lang: Lang, at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(|at| moment(lang, at))
}

impl CompetitionView {
    pub fn new(
        model: &competition::Model,
        lang: Lang,
        now: DateTime<Utc>,
    ) -> Result<Self, Unreadable> {
        let state = model.state;
        Ok(Self {
            slug: model.slug.clone(),
            target_group: model.target_group.clone(),
            headline: model.headline.clone(),
            full_name: model.full_name(),
            aim: model.aim.clone(),
            description: model.description.clone(),
            eligibility_note: model.eligibility_note.clone(),
            opens: when(lang, model.opens_at),
            reopened: when(lang, model.reopened_at),
            reopened_iso: model.reopened_at.map(|at| at.to_rfc3339()),
            closes: when(lang, model.closes_at),
            opens_iso: model.opens_at.map(|at| at.to_rfc3339()),
            closes_iso: model.closes_at.map(|at| at.to_rfc3339()),
            state: state.as_str(),
            state_label: lang.text(&format!("state_{}", state.as_str())),
            prize: money(lang, model.prize_money()?),
            accepting_entries: state == CompetitionState::Open && window_of(model).contains(now),
            results: crate::services::announcements::public(state),
        })
    }
}

/// A phase's name in `lang`: the programme's own name, except that the usual
/// "Staffel N" is said in the page's language ("Round N"). The flag says whether
/// the name is still the programme's German.
pub fn phase_name(lang: Lang, phase: &crate::entities::phase::Model) -> (String, bool) {
    if phase.name.trim() == format!("Staffel {}", phase.number) {
        (
            lang.text_with("phase_numbered", &[("n", phase.number.into())]),
            false,
        )
    } else {
        (phase.name.clone(), true)
    }
}
