//! From jurors' score sheets to a ranking that can be explained.
//!
//! - A **sheet** is one juror's scores for one entry, one per criterion on the
//!   competition's scale; its **score** is the weighted mean of those scores.
//! - Per **entry**: the mean and the median of its sheets' scores, the standard
//!   deviation (population) and the range as the panel's disagreement, and the
//!   **normalised** score: the mean of the sheets' z-scores, where each juror's
//!   scores are centred on that juror's mean and divided by that juror's standard
//!   deviation (a juror who gave one score, or the same score everywhere, has
//!   z = 0 throughout). This takes out harsh and lenient jurors.
//! - Per **juror**: the leniency, the mean of (their score − the mean of the
//!   other jurors' scores for the same entry) over the entries they share.
//! - For the **panel**: Krippendorff's alpha for interval data, which handles
//!   missing sheets (a conflicted juror scores nothing):
//!   `α = 1 − (n − 1) · Σᵤ [Σᵢ≠ⱼ (vᵤᵢ − vᵤⱼ)² / (mᵤ − 1)] / Σᵢ≠ⱼ (vᵢ − vⱼ)²`,
//!   over the entries (units `u`) with at least two scores (`mᵤ` of them), `n` being
//!   all those scores together. 1 is perfect agreement, 0 agreement by chance.
//! - The **ranking** orders by the chosen basis (raw mean or normalised), then
//!   breaks ties, in this order: by the raw mean, the higher median, then more
//!   sheets, then the smaller Kennzahl; by the normalised score, the higher raw
//!   mean, then more sheets, then the smaller Kennzahl. (The normalised rule
//!   avoids the median, which a juror who gives everything the same would move;
//!   a mean it leaves in order.) The rule is part of the result so the page can
//!   show it.
//!
//! Entries without any sheet are not ranked (no zeros are made up).

use std::collections::BTreeMap;

/// A criterion with its weight (at least 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub key: String,
    pub weight: u32,
}

/// One juror's submitted scores for one entry, by criterion key.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub juror: i64,
    pub entry: i64,
    pub scores: BTreeMap<String, f64>,
}

/// Why a sheet cannot be counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("criterion `{0}` has no score")]
    Missing(String),
    #[error("`{0}` is not a criterion of this competition")]
    Unknown(String),
    #[error("the criteria's weights add up to nothing")]
    NoWeight,
}

/// The sheet's weighted mean over all criteria (every criterion must be scored).
pub fn sheet_score(criteria: &[Criterion], sheet: &Sheet) -> Result<f64, SheetError> {
    if let Some(unknown) = sheet
        .scores
        .keys()
        .find(|key| !criteria.iter().any(|c| &c.key == *key))
    {
        return Err(SheetError::Unknown(unknown.clone()));
    }
    let mut total = 0.0;
    let mut weights = 0.0;
    for criterion in criteria {
        let score = sheet
            .scores
            .get(&criterion.key)
            .ok_or_else(|| SheetError::Missing(criterion.key.clone()))?;
        total += f64::from(criterion.weight) * score;
        weights += f64::from(criterion.weight);
    }
    if weights == 0.0 {
        return Err(SheetError::NoWeight);
    }
    Ok(total / weights)
}

/// One scored sheet: who, which entry, the weighted score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub juror: i64,
    pub entry: i64,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EntryResult {
    pub entry: i64,
    pub sheets: usize,
    pub mean: f64,
    pub median: f64,
    pub std_dev: f64,
    pub range: f64,
    pub normalised: f64,
    /// The panel disagrees enough to discuss it (see [`Aggregate::flag_above`]).
    pub discuss: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JurorResult {
    pub juror: i64,
    pub sheets: usize,
    pub mean: f64,
    /// Mean offset from the other jurors on shared entries; None if none shared.
    pub leniency: Option<f64>,
}

/// What ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Raw,
    Normalised,
}

/// The whole picture of a panel's scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub entries: Vec<EntryResult>,
    pub jurors: Vec<JurorResult>,
    /// Krippendorff's alpha (interval); None without two entries' worth of pairs
    /// or without any variation at all.
    pub alpha: Option<f64>,
    /// Entries whose standard deviation is above this are flagged.
    pub flag_above: f64,
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn std_dev(values: &[f64]) -> f64 {
    let m = mean(values);
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / values.len() as f64).sqrt()
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

/// Krippendorff's alpha for interval data over units of values (see the module).
pub fn krippendorff_alpha(units: &[Vec<f64>]) -> Option<f64> {
    let pairable: Vec<&Vec<f64>> = units.iter().filter(|u| u.len() >= 2).collect();
    let values: Vec<f64> = pairable.iter().flat_map(|u| u.iter().copied()).collect();
    let n = values.len() as f64;
    if pairable.len() < 2 {
        return None;
    }
    // Σᵢ≠ⱼ (vᵢ − vⱼ)² = 2 · m · Σᵢ (vᵢ − v̄)²: linear in the number of values
    // (the pairs of a national programme's 700,000 sheets would be 5 · 10¹¹).
    let squared = |u: &[f64]| -> f64 {
        let centre = mean(u);
        2.0 * u.len() as f64 * u.iter().map(|v| (v - centre).powi(2)).sum::<f64>()
    };
    let observed: f64 = pairable
        .iter()
        .map(|u| squared(u) / (u.len() as f64 - 1.0))
        .sum();
    let expected = squared(&values);
    if expected == 0.0 {
        return None;
    }
    Some(1.0 - (n - 1.0) * observed / expected)
}

/// Aggregates the scored sheets; `flag_above` is the standard deviation above
/// which an entry is flagged for discussion (e.g. 2.0 on a 0–10 scale).
pub fn aggregate(scored: &[Scored], flag_above: f64) -> Aggregate {
    let mut by_entry: BTreeMap<i64, Vec<&Scored>> = BTreeMap::new();
    let mut by_juror: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for s in scored {
        by_entry.entry(s.entry).or_default().push(s);
        by_juror.entry(s.juror).or_default().push(s.score);
    }
    // Each juror's centre and spread, for the z-scores.
    let spread: BTreeMap<i64, (f64, f64)> = by_juror
        .iter()
        .map(|(juror, scores)| (*juror, (mean(scores), std_dev(scores))))
        .collect();
    let z = |s: &Scored| {
        let (m, sd) = spread[&s.juror];
        if sd > 0.0 { (s.score - m) / sd } else { 0.0 }
    };
    // Each entry's scores, kept as the units of the panel's agreement below.
    let mut units: Vec<Vec<f64>> = Vec::with_capacity(by_entry.len());
    let entries = by_entry
        .iter()
        .map(|(entry, sheets)| {
            let values: Vec<f64> = sheets.iter().map(|s| s.score).collect();
            let (low, high) = values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(*v), h.max(*v))
                });
            let sd = std_dev(&values);
            let result = EntryResult {
                entry: *entry,
                sheets: values.len(),
                mean: mean(&values),
                median: median(&values),
                std_dev: sd,
                range: high - low,
                normalised: sheets.iter().map(|s| z(s)).sum::<f64>() / values.len() as f64,
                discuss: sd > flag_above,
            };
            units.push(values);
            result
        })
        .collect();
    // Each juror's offsets from the mean of the others on the same entry, in
    // one pass over the entries (the others' mean is the entry's sum without
    // the juror's own score).
    let mut offsets: BTreeMap<i64, (f64, usize)> = BTreeMap::new();
    for sheets in by_entry.values() {
        if sheets.len() < 2 {
            continue;
        }
        let total: f64 = sheets.iter().map(|s| s.score).sum();
        let others = (sheets.len() - 1) as f64;
        for s in sheets {
            let offset = offsets.entry(s.juror).or_default();
            offset.0 += s.score - (total - s.score) / others;
            offset.1 += 1;
        }
    }
    let jurors = by_juror
        .iter()
        .map(|(juror, scores)| JurorResult {
            juror: *juror,
            sheets: scores.len(),
            mean: mean(scores),
            leniency: offsets
                .get(juror)
                .filter(|(_, n)| *n > 0)
                .map(|(sum, n)| sum / *n as f64),
        })
        .collect();
    Aggregate {
        entries,
        jurors,
        alpha: krippendorff_alpha(&units),
        flag_above,
    }
}

/// The sheets that count: none of a juror on an entry a conflict keeps them
/// from (`kept_away` holds (juror, entry) pairs). Such an entry simply has one
/// sheet fewer; nothing is filled in for it.
pub fn without_conflicts(
    scored: Vec<Scored>,
    kept_away: &std::collections::HashSet<(i64, i64)>,
) -> Vec<Scored> {
    scored
        .into_iter()
        .filter(|s| !kept_away.contains(&(s.juror, s.entry)))
        .collect()
}

/// Entries in ranking order by `basis`; `kennzahl` names each entry for the last
/// tie-break (see the module), so no two
/// entries ever share a place and the same scores always give the same order.
pub fn rank<K: Ord>(
    aggregate: &Aggregate,
    basis: Basis,
    kennzahl: impl Fn(i64) -> K,
) -> Vec<&EntryResult> {
    let key = |e: &EntryResult| match basis {
        Basis::Raw => e.mean,
        Basis::Normalised => e.normalised,
    };
    // Each Kennzahl is looked up once, not at every comparison.
    let mut ranked: Vec<(&EntryResult, K)> = aggregate
        .entries
        .iter()
        .map(|e| (e, kennzahl(e.entry)))
        .collect();
    ranked.sort_by(|(a, ka), (b, kb)| {
        let second = match basis {
            Basis::Raw => b.median.total_cmp(&a.median),
            Basis::Normalised => b.mean.total_cmp(&a.mean),
        };
        key(b)
            .total_cmp(&key(a))
            .then(second)
            .then(b.sheets.cmp(&a.sheets))
            .then_with(|| ka.cmp(kb))
    });
    ranked.into_iter().map(|(e, _)| e).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A full matrix of scores: `jurors` × `entries`, each 0–10.
    fn matrix() -> impl Strategy<Value = Vec<Vec<f64>>> {
        (2usize..6, 2usize..12).prop_flat_map(|(jurors, entries)| {
            proptest::collection::vec(
                proptest::collection::vec((0u8..=20).prop_map(|v| f64::from(v) / 2.0), entries),
                jurors,
            )
        })
    }

    fn sheets_of(m: &[Vec<f64>]) -> Vec<Scored> {
        m.iter()
            .enumerate()
            .flat_map(|(j, row)| {
                row.iter().enumerate().map(move |(e, score)| Scored {
                    juror: j as i64 + 1,
                    entry: e as i64 + 1,
                    score: *score,
                })
            })
            .collect()
    }

    fn kennzahl(entry: i64) -> String {
        format!("{:06}", 100_000 + entry)
    }

    fn order(aggregate: &Aggregate, basis: Basis) -> Vec<i64> {
        rank(aggregate, basis, kennzahl)
            .iter()
            .map(|e| e.entry)
            .collect()
    }

    proptest! {
        #[test]
        fn normalising_ignores_how_a_juror_uses_the_scale(
            m in matrix(), juror in 0usize..6, a in 0.2f64..5.0, b in -5.0f64..5.0
        ) {
            let juror = juror % m.len();
            let before = aggregate(&sheets_of(&m), 2.0);
            let mut rescaled = m.clone();
            for v in &mut rescaled[juror] {
                *v = a * *v + b;
            }
            let after = aggregate(&sheets_of(&rescaled), 2.0);
            for (x, y) in before.entries.iter().zip(&after.entries) {
                prop_assert!((x.normalised - y.normalised).abs() < 1e-9,
                    "entry {}: {} vs {}", x.entry, x.normalised, y.normalised);
            }
        }

        #[test]
        fn conflicted_sheets_never_count(m in matrix(), skip in proptest::collection::vec((0usize..6, 0usize..12), 1..6)) {
            let all = sheets_of(&m);
            let kept_away: std::collections::HashSet<(i64, i64)> = skip
                .iter()
                .map(|(j, e)| ((j % m.len()) as i64 + 1, (e % m[0].len()) as i64 + 1))
                .collect();
            let counted = without_conflicts(all.clone(), &kept_away);
            prop_assert!(counted.iter().all(|s| !kept_away.contains(&(s.juror, s.entry))));
            let by_hand: Vec<Scored> = all
                .into_iter()
                .filter(|s| !kept_away.contains(&(s.juror, s.entry)))
                .collect();
            prop_assert_eq!(aggregate(&counted, 2.0), aggregate(&by_hand, 2.0));
            // An entry with a conflicted sheet has one sheet fewer, not a zero.
            let result = aggregate(&counted, 2.0);
            for e in &result.entries {
                let away = kept_away.iter().filter(|(_, entry)| *entry == e.entry).count();
                prop_assert_eq!(e.sheets, m.len() - away);
            }
        }

        #[test]
        fn the_order_does_not_depend_on_the_order_of_the_input(m in matrix(), seed in any::<u64>()) {
            let sheets = sheets_of(&m);
            let mut shuffled = sheets.clone();
            // A deterministic shuffle from the seed.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            for basis in [Basis::Raw, Basis::Normalised] {
                prop_assert_eq!(
                    order(&aggregate(&sheets, 2.0), basis),
                    order(&aggregate(&shuffled, 2.0), basis)
                );
            }
        }

        #[test]
        fn a_juror_who_gives_everything_the_same_changes_no_normalised_order(m in matrix(), constant in 0u8..=10) {
            let before = order(&aggregate(&sheets_of(&m), 2.0), Basis::Normalised);
            let mut with = m.clone();
            with.push(vec![f64::from(constant); m[0].len()]);
            let after = order(&aggregate(&sheets_of(&with), 2.0), Basis::Normalised);
            prop_assert_eq!(before, after);
        }

        #[test]
        fn alpha_in_linear_time_equals_the_sum_over_pairs(
            units in proptest::collection::vec(proptest::collection::vec(0u8..=10, 1..6), 2..12),
        ) {
            let units: Vec<Vec<f64>> = units
                .iter()
                .map(|u| u.iter().map(|&v| f64::from(v)).collect())
                .collect();
            let pairs = |u: &[f64]| -> f64 {
                let mut sum = 0.0;
                for (i, a) in u.iter().enumerate() {
                    for (j, b) in u.iter().enumerate() {
                        if i != j {
                            sum += (a - b).powi(2);
                        }
                    }
                }
                sum
            };
            let pairable: Vec<&Vec<f64>> = units.iter().filter(|u| u.len() >= 2).collect();
            let values: Vec<f64> = pairable.iter().flat_map(|u| u.iter().copied()).collect();
            let observed: f64 = pairable.iter().map(|u| pairs(u) / (u.len() as f64 - 1.0)).sum();
            let expected = pairs(&values);
            let by_pairs = (pairable.len() >= 2 && expected > 0.0)
                .then(|| 1.0 - (values.len() as f64 - 1.0) * observed / expected);
            match (krippendorff_alpha(&units), by_pairs) {
                (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-9, "{} vs {}", a, b),
                (a, b) => prop_assert_eq!(a, b),
            }
        }
    }

    fn scored(juror: i64, entry: i64, score: f64) -> Scored {
        Scored {
            juror,
            entry,
            score,
        }
    }

    #[test]
    fn a_sheet_is_the_weighted_mean_of_all_its_criteria() {
        let criteria = vec![
            Criterion {
                key: "nachhaltigkeit".into(),
                weight: 2,
            },
            Criterion {
                key: "machbarkeit".into(),
                weight: 1,
            },
        ];
        let sheet = |pairs: &[(&str, f64)]| Sheet {
            juror: 1,
            entry: 1,
            scores: pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        };
        let full = sheet(&[("nachhaltigkeit", 9.0), ("machbarkeit", 3.0)]);
        assert_eq!(sheet_score(&criteria, &full), Ok(7.0));
        assert_eq!(
            sheet_score(&criteria, &sheet(&[("nachhaltigkeit", 9.0)])),
            Err(SheetError::Missing("machbarkeit".into()))
        );
        assert_eq!(
            sheet_score(
                &criteria,
                &sheet(&[("nachhaltigkeit", 9.0), ("machbarkeit", 3.0), ("x", 1.0)])
            ),
            Err(SheetError::Unknown("x".into()))
        );
    }

    #[test]
    fn krippendorffs_alpha_matches_a_hand_computed_case_and_handles_gaps() {
        let units = vec![
            vec![1.0, 1.0],
            vec![2.0, 3.0],
            vec![3.0, 3.0],
            vec![4.0, 5.0],
            vec![5.0, 5.0],
            vec![2.0], // a juror was conflicted: one score, not pairable
        ];
        let alpha = krippendorff_alpha(&units).unwrap();
        assert!((alpha - 0.916_666_666_7).abs() < 1e-9, "{alpha}");
        let perfect = vec![vec![1.0, 1.0, 1.0], vec![7.0, 7.0], vec![4.0, 4.0]];
        assert_eq!(krippendorff_alpha(&perfect), Some(1.0));
        assert_eq!(krippendorff_alpha(&[vec![3.0, 3.0], vec![3.0, 3.0]]), None);
        assert_eq!(krippendorff_alpha(&[vec![3.0, 5.0]]), None);
    }

    #[test]
    fn a_harsh_juror_is_seen_and_normalised_away() {
        // Juror 3 scores everything 4 lower than jurors 1 and 2, and misses entry 3.
        let sheets = vec![
            scored(1, 1, 8.0),
            scored(2, 1, 8.0),
            scored(3, 1, 4.0),
            scored(1, 2, 6.0),
            scored(2, 2, 6.0),
            scored(3, 2, 2.0),
            scored(1, 3, 7.0),
            scored(2, 3, 7.0),
        ];
        let result = aggregate(&sheets, 1.5);
        let harsh = result.jurors.iter().find(|j| j.juror == 3).unwrap();
        assert_eq!(harsh.leniency, Some(-4.0));
        let entry = |id| result.entries.iter().find(|e| e.entry == id).unwrap();
        assert_eq!(
            entry(3).sheets,
            2,
            "no zero is made up for the missing sheet"
        );
        assert!(
            entry(1).discuss,
            "8, 8, 4 disagree: sd {}",
            entry(1).std_dev
        );
        assert!(!entry(3).discuss);
        assert_eq!(entry(1).median, 8.0);
        assert_eq!(entry(1).range, 4.0);
        // Normalised, juror 3's low scale no longer pulls entries 1 and 2 below 3.
        assert!(entry(1).mean < entry(3).mean);
        assert!(entry(1).normalised > entry(3).normalised);
        let raw: Vec<i64> = rank(&result, Basis::Raw, |id| format!("{id:06}"))
            .iter()
            .map(|e| e.entry)
            .collect();
        assert_eq!(raw, vec![3, 1, 2]);
        let normalised: Vec<i64> = rank(&result, Basis::Normalised, |id| format!("{id:06}"))
            .iter()
            .map(|e| e.entry)
            .collect();
        assert_eq!(normalised, vec![1, 3, 2]);
    }

    #[test]
    fn ties_are_broken_by_median_then_sheets_then_kennzahl() {
        let sheets = vec![
            // Entries 1 and 2: mean 6 each; 2 has the higher median.
            scored(1, 1, 3.0),
            scored(2, 1, 7.0),
            scored(3, 1, 8.0),
            scored(1, 2, 2.0),
            scored(2, 2, 8.0),
            scored(3, 2, 8.0),
            // Entries 3 and 4: mean and median 5, one sheet more for 4.
            scored(1, 3, 5.0),
            scored(1, 4, 5.0),
            scored(2, 4, 5.0),
            // Entries 5 and 6: the same in everything; the Kennzahl decides.
            scored(1, 5, 1.0),
            scored(1, 6, 1.0),
        ];
        let result = aggregate(&sheets, 10.0);
        let kennzahl = |id: i64| {
            if id == 5 {
                "900000".into()
            } else {
                format!("{id:06}")
            }
        };
        let order: Vec<i64> = rank(&result, Basis::Raw, kennzahl)
            .iter()
            .map(|e| e.entry)
            .collect();
        assert_eq!(order, vec![2, 1, 4, 3, 6, 5]);
    }
}
