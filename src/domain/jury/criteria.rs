//! What the jury scores: criteria per competition, as data, each with a weight
//! and a scale. By default the programme's goals plus feasibility and the benefit
//! for the city, each 0–10 with weight 1. They are fixed once the first score is
//! saved, so every sheet of a competition is scored on the same criteria.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::entry_form::Localized;

/// One criterion as staff define it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionSpec {
    /// Lower-case letters, digits and `_`: its name in forms and the API.
    pub key: String,
    pub label: Localized,
    /// 1 to 100; a sheet's score is the weighted mean of its criteria.
    pub weight: u32,
    pub scale_min: i32,
    pub scale_max: i32,
}

/// The default scale.
pub const SCALE: (i32, i32) = (0, 10);

/// A key from a label: lower case, umlauts spelled out, anything else `_`.
pub fn key_of(label: &str) -> String {
    let mut key = String::new();
    for c in label.trim().to_lowercase().chars() {
        match c {
            'ä' => key.push_str("ae"),
            'ö' => key.push_str("oe"),
            'ü' => key.push_str("ue"),
            'ß' => key.push_str("ss"),
            'a'..='z' | '0'..='9' => key.push(c),
            _ if !key.ends_with('_') && !key.is_empty() => key.push('_'),
            _ => {}
        }
    }
    let key = key.trim_end_matches('_');
    key.chars()
        .take(40)
        .collect::<String>()
        .trim_end_matches('_')
        .to_owned()
}

/// The programme's goals, then feasibility and the benefit for the city.
pub fn defaults(goals: &[String]) -> Vec<CriterionSpec> {
    let (scale_min, scale_max) = SCALE;
    let spec = |de: &str, en: &str| CriterionSpec {
        key: key_of(de),
        label: Localized::new(de, en),
        weight: 1,
        scale_min,
        scale_max,
    };
    let mut all: Vec<CriterionSpec> = goals.iter().map(|goal| spec(goal, goal)).collect();
    all.push(spec("Machbarkeit", "Feasibility"));
    all.push(spec("Nutzen für die Stadt", "Benefit for the city"));
    let mut seen = Vec::new();
    all.retain(|c| {
        !c.key.is_empty() && !seen.contains(&c.key) && {
            seen.push(c.key.clone());
            true
        }
    });
    all
}

/// What is wrong with a set of criteria, naming the criterion.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CriteriaError {
    #[error("name at least one criterion (and at most 20)")]
    Count,
    #[error("criterion {0}: give it a name")]
    Unnamed(usize),
    #[error("criterion {0}: its key may hold only a–z, 0–9 and _")]
    BadKey(usize),
    #[error("criterion {0}: the key `{1}` is used twice")]
    Duplicate(usize, String),
    #[error("criterion {0}: the weight must be a whole number from 1 to 100")]
    Weight(usize),
    #[error("criterion {0}: the lowest score must be below the highest (at most 0–100)")]
    Scale(usize),
    #[error("the criteria are fixed: scoring has started")]
    Fixed,
}

/// Checks a set of criteria (positions are 1-based in errors).
pub fn check(criteria: &[CriterionSpec], scoring_started: bool) -> Result<(), CriteriaError> {
    if scoring_started {
        return Err(CriteriaError::Fixed);
    }
    if criteria.is_empty() || criteria.len() > 20 {
        return Err(CriteriaError::Count);
    }
    let mut keys: Vec<&str> = Vec::new();
    for (i, c) in criteria.iter().enumerate() {
        let n = i + 1;
        if c.label.de.trim().is_empty() {
            return Err(CriteriaError::Unnamed(n));
        }
        let key_ok = !c.key.is_empty()
            && c.key.len() <= 40
            && c.key
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !key_ok {
            return Err(CriteriaError::BadKey(n));
        }
        if keys.contains(&c.key.as_str()) {
            return Err(CriteriaError::Duplicate(n, c.key.clone()));
        }
        keys.push(&c.key);
        if !(1..=100).contains(&c.weight) {
            return Err(CriteriaError::Weight(n));
        }
        if c.scale_min >= c.scale_max || c.scale_min < 0 || c.scale_max > 100 {
            return Err(CriteriaError::Scale(n));
        }
    }
    Ok(())
}

/// One criterion's answer on a sheet: a score (None while a draft leaves it
/// open) and a comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marked {
    pub score: Option<i32>,
    pub comment: String,
}

/// A complete sheet's points: Σ weight × score over the criteria; None while a
/// criterion has no score. Its score is the points over the sum of the weights.
pub fn points(specs: &[CriterionSpec], marks: &BTreeMap<String, Marked>) -> Option<i64> {
    specs.iter().try_fold(0i64, |sum, spec| {
        let score = marks.get(&spec.key)?.score?;
        Some(sum + i64::from(spec.weight) * i64::from(score))
    })
}

/// What is wrong with a sheet, naming the criterion by key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkError {
    #[error("`{0}` is not a criterion of this competition")]
    Unknown(String),
    #[error("{key}: the score must be from {min} to {max}")]
    OutOfScale { key: String, min: i32, max: i32 },
    #[error("{0}: give a score before submitting the sheet")]
    Missing(String),
    #[error("{0}: the comment is longer than 2,000 characters")]
    LongComment(String),
}

/// Checks a sheet against the criteria; `submit` also demands every score.
pub fn check_sheet(
    criteria: &[CriterionSpec],
    marks: &BTreeMap<String, Marked>,
    submit: bool,
) -> Result<(), MarkError> {
    if let Some(unknown) = marks
        .keys()
        .find(|k| !criteria.iter().any(|c| &c.key == *k))
    {
        return Err(MarkError::Unknown(unknown.clone()));
    }
    for c in criteria {
        let mark = marks.get(&c.key);
        match mark.and_then(|m| m.score) {
            Some(score) if score < c.scale_min || score > c.scale_max => {
                return Err(MarkError::OutOfScale {
                    key: c.key.clone(),
                    min: c.scale_min,
                    max: c.scale_max,
                });
            }
            None if submit => return Err(MarkError::Missing(c.key.clone())),
            _ => {}
        }
        if mark.is_some_and(|m| m.comment.chars().count() > 2000) {
            return Err(MarkError::LongComment(c.key.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goals() -> Vec<String> {
        [
            "Attraktive Arbeits-, Wohn- und Lebenskonzepte",
            "Multimodale Mobilität",
            "Nachhaltigkeit",
            "Lebenslanges Lernen & Innovation",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn the_default_criteria_are_the_goals_feasibility_and_benefit_on_0_to_10() {
        let criteria = defaults(&goals());
        // Keys are cut at 40 characters.
        let keys: Vec<&str> = criteria.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "attraktive_arbeits_wohn_und_lebenskonzep",
                "multimodale_mobilitaet",
                "nachhaltigkeit",
                "lebenslanges_lernen_innovation",
                "machbarkeit",
                "nutzen_fuer_die_stadt"
            ]
        );
        assert!(
            criteria
                .iter()
                .all(|c| c.weight == 1 && c.scale_min == 0 && c.scale_max == 10)
        );
        assert_eq!(check(&criteria, false), Ok(()));
        assert_eq!(check(&criteria, true), Err(CriteriaError::Fixed));
    }

    #[test]
    fn bad_criteria_name_what_to_fix() {
        let mut criteria = defaults(&goals());
        criteria[1].key = criteria[0].key.clone();
        assert!(matches!(
            check(&criteria, false),
            Err(CriteriaError::Duplicate(2, _))
        ));
        let mut criteria = defaults(&goals());
        criteria[2].weight = 0;
        assert_eq!(check(&criteria, false), Err(CriteriaError::Weight(3)));
        criteria[2].weight = 1;
        criteria[0].scale_max = 0;
        assert_eq!(check(&criteria, false), Err(CriteriaError::Scale(1)));
        assert_eq!(check(&[], false), Err(CriteriaError::Count));
    }

    #[test]
    fn a_draft_may_leave_scores_open_a_submitted_sheet_may_not() {
        let criteria = defaults(&goals());
        let mut marks: BTreeMap<String, Marked> = BTreeMap::new();
        marks.insert(
            "machbarkeit".into(),
            Marked {
                score: Some(7),
                comment: "gut".into(),
            },
        );
        assert_eq!(check_sheet(&criteria, &marks, false), Ok(()));
        assert!(matches!(
            check_sheet(&criteria, &marks, true),
            Err(MarkError::Missing(_))
        ));
        marks.insert(
            "machbarkeit".into(),
            Marked {
                score: Some(11),
                comment: String::new(),
            },
        );
        assert!(matches!(
            check_sheet(&criteria, &marks, false),
            Err(MarkError::OutOfScale { .. })
        ));
        marks.clear();
        marks.insert("schoenheit".into(), Marked::default());
        assert!(matches!(
            check_sheet(&criteria, &marks, false),
            Err(MarkError::Unknown(_))
        ));
    }
}
