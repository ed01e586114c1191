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
    pub aim: String,
    pub description: String,
    pub eligibility_note: String,
    pub opens: Option<String>,
    pub closes: Option<String>,
    pub opens_iso: Option<String>,
    pub closes_iso: Option<String>,
    pub state: &'static str,
    pub state_label: &'static str,
    pub prize: String,
    pub accepting_entries: bool,
}

pub fn money(lang: Lang, money: Money) -> String {
    match lang {
        Lang::De => money.format_de(),
        Lang::En => money.format_en(),
    }
}

fn when(lang: Lang, at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(|at| match lang {
        Lang::De => time::format_de(at),
        Lang::En => time::format_en(at),
    })
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
            aim: model.aim.clone(),
            description: model.description.clone(),
            eligibility_note: model.eligibility_note.clone(),
            opens: when(lang, model.opens_at),
            closes: when(lang, model.closes_at),
            opens_iso: model.opens_at.map(|at| at.to_rfc3339()),
            closes_iso: model.closes_at.map(|at| at.to_rfc3339()),
            state: state.as_str(),
            state_label: lang.text(&format!("state_{}", state.as_str())),
            prize: money(lang, model.prize_money()?),
            accepting_entries: state == CompetitionState::Open && window_of(model).contains(now),
        })
    }
}
