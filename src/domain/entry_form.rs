//! The entry form of a competition, as data: the fields its target group fills in
//! (school and grade band, company, club, ...), the eligibility rules checked on
//! them, and whether entries are made by an adult for children.
//!
//! Drafts may be incomplete; [`EntryForm::check`] with [`Completeness::Submit`]
//! also demands required fields, eligibility and guardian consent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A text in German and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub de: String,
    pub en: String,
}

impl Localized {
    pub fn new(de: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            de: de.into(),
            en: en.into(),
        }
    }

    /// The text in `lang` (`de` or `en`); German for anything else.
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.de }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    LongText,
    /// One of `choices`.
    Choice,
    /// A whole number.
    Number,
    /// A statement to confirm (a checkbox): the answer is `yes` or empty.
    Confirm,
}

/// One question of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Lower-case letters and `_`: the name in forms, the API and exports.
    pub key: String,
    pub label: Localized,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Localized>,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    /// Shown to the jury with the entry (e.g. the grade band classes compete in).
    /// Everything else identifies the entrant and is kept with the author.
    #[serde(default)]
    pub jury: bool,
    /// May be shown publicly with a result (e.g. school and class). Never the
    /// children's names.
    #[serde(default)]
    pub public: bool,
}

/// An eligibility rule on one field, with the message that tells what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRule {
    pub field: String,
    /// The answer must be one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    pub message: Localized,
}

/// The form of one competition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EntryForm {
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
    #[serde(default)]
    pub rules: Vec<EligibilityRule>,
    /// Entries by or for children: an adult submits and confirms the guardians'
    /// consent to publication; children's names are never public.
    #[serde(default)]
    pub for_minors: bool,
}

/// How complete an entry must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Draft,
    Submit,
}

/// What is wrong with one answer, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field's key, or `guardian_consent`.
    pub field: String,
    pub message: Localized,
}

/// The answers, split by who may see them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answers {
    /// What the jury sees with the entry.
    pub jury: BTreeMap<String, String>,
    /// What identifies the entrant; kept with the author.
    pub identity: BTreeMap<String, String>,
}

pub const MAX_TEXT: usize = 200;
pub const MAX_LONG_TEXT: usize = 2000;
pub const GUARDIAN_CONSENT: &str = "guardian_consent";

impl EntryForm {
    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Whether the definition itself makes sense (checked when a programme is loaded).
    pub fn validate_definition(&self) -> Result<(), String> {
        let mut seen = Vec::new();
        for field in &self.fields {
            let key_ok = !field.key.is_empty()
                && field.key.len() <= 40
                && field
                    .key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_');
            if !key_ok {
                return Err(format!(
                    "field key `{}` must be 1 to 40 lower-case letters or `_`",
                    field.key
                ));
            }
            if seen.contains(&&field.key) || field.key == GUARDIAN_CONSENT {
                return Err(format!(
                    "field key `{}` is used twice or reserved",
                    field.key
                ));
            }
            seen.push(&field.key);
            if (field.kind == FieldKind::Choice) == field.choices.is_empty() {
                return Err(format!(
                    "field `{}`: choices belong to (and are needed by) choice fields only",
                    field.key
                ));
            }
            if field.public && field.jury {
                return Err(format!(
                    "field `{}` cannot be both public and for the jury",
                    field.key
                ));
            }
        }
        for rule in &self.rules {
            let Some(field) = self.field(&rule.field) else {
                return Err(format!("a rule names the unknown field `{}`", rule.field));
            };
            if rule.one_of.is_empty() && rule.min.is_none() && rule.max.is_none() {
                return Err(format!("the rule on `{}` checks nothing", rule.field));
            }
            if (rule.min.is_some() || rule.max.is_some()) && field.kind != FieldKind::Number {
                return Err(format!(
                    "the rule on `{}` compares numbers, but the field is not a number",
                    rule.field
                ));
            }
        }
        Ok(())
    }

    /// Checks the answers (and, for children's entries, the guardian consent) and
    /// returns them cleaned and split. Every problem is reported, not only the first.
    pub fn check(
        &self,
        answers: &BTreeMap<String, String>,
        guardian_consent: bool,
        completeness: Completeness,
    ) -> Result<Answers, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut cleaned = Answers::default();
        for key in answers.keys() {
            if self.field(key).is_none() {
                let known: Vec<&str> = self.fields.iter().map(|f| f.key.as_str()).collect();
                problems.push(FieldProblem {
                    field: key.clone(),
                    message: Localized::new(
                        format!(
                            "Dieses Feld gibt es hier nicht. Erwartet werden: {}.",
                            known.join(", ")
                        ),
                        format!(
                            "This competition has no such field. Its fields are: {}.",
                            known.join(", ")
                        ),
                    ),
                });
            }
        }
        let submitting = completeness == Completeness::Submit;
        for field in &self.fields {
            let value = answers.get(&field.key).map(|v| v.trim()).unwrap_or("");
            let value = if field.kind == FieldKind::Confirm && !value.is_empty() {
                "yes"
            } else if field.kind == FieldKind::Choice {
                // A range typed with a hyphen ("5-7") is the choice written with a
                // dash ("5–7").
                let dashed = value.replace('-', "–");
                field
                    .choices
                    .iter()
                    .find(|c| c.as_str() == value || **c == dashed)
                    .map_or(value, String::as_str)
            } else {
                value
            };
            let problem = |de: String, en: String| FieldProblem {
                field: field.key.clone(),
                message: Localized::new(de, en),
            };
            let (de, en) = (&field.label.de, &field.label.en);
            if value.is_empty() {
                if field.required && submitting {
                    problems.push(if field.kind == FieldKind::Confirm {
                        problem(
                            format!("Bitte bestätigen Sie: „{de}“."),
                            format!("Please confirm: “{en}”."),
                        )
                    } else {
                        if field.kind == FieldKind::Choice {
                            problem(
                                format!("Bitte wählen Sie „{de}“."),
                                format!("Please choose “{en}”."),
                            )
                        } else {
                            problem(
                                format!("Bitte füllen Sie „{de}“ aus."),
                                format!("Please fill in “{en}”."),
                            )
                        }
                    });
                }
                continue;
            }
            let limit = if field.kind == FieldKind::LongText {
                MAX_LONG_TEXT
            } else {
                MAX_TEXT
            };
            if value.chars().count() > limit {
                problems.push(problem(
                    format!("„{de}“ darf höchstens {limit} Zeichen lang sein."),
                    format!("“{en}” may have at most {limit} characters."),
                ));
                continue;
            }
            if field.kind == FieldKind::Choice && !field.choices.iter().any(|c| c == value) {
                let choices = field.choices.join(", ");
                problems.push(problem(
                    format!("Wählen Sie bei „{de}“ eine der Möglichkeiten: {choices}."),
                    format!("Choose one of these for “{en}”: {choices}."),
                ));
                continue;
            }
            if field.kind == FieldKind::Number && value.parse::<i64>().is_err() {
                problems.push(problem(
                    format!("„{de}“ muss eine ganze Zahl sein."),
                    format!("“{en}” must be a whole number."),
                ));
                continue;
            }
            if submitting {
                for rule in self.rules.iter().filter(|r| r.field == field.key) {
                    if !rule.allows(value) {
                        problems.push(FieldProblem {
                            field: field.key.clone(),
                            message: rule.message.clone(),
                        });
                    }
                }
            }
            let target = if field.jury {
                &mut cleaned.jury
            } else {
                &mut cleaned.identity
            };
            target.insert(field.key.clone(), value.to_owned());
        }
        if self.for_minors && submitting && !guardian_consent {
            problems.push(FieldProblem {
                field: GUARDIAN_CONSENT.to_owned(),
                message: Localized::new(
                    "Bitte bestätigen Sie, dass Sie als erwachsene Person einreichen und die Einwilligung der Erziehungsberechtigten zur Veröffentlichung vorliegt.",
                    "Please confirm that you submit as an adult and that the guardians have consented to publication.",
                ),
            });
        }
        if problems.is_empty() {
            Ok(cleaned)
        } else {
            Err(problems)
        }
    }

    /// How an entry may be credited in public (a results page, a press release):
    /// only fields marked public, in form order; for children's entries never
    /// anything else, so their names cannot appear. `None`: nothing public; the
    /// caller decides (for adults, typically the contact name with their consent).
    pub fn public_credit(&self, identity: &BTreeMap<String, String>) -> Option<String> {
        let parts: Vec<&str> = self
            .fields
            .iter()
            .filter(|f| f.public)
            .filter_map(|f| identity.get(&f.key).map(String::as_str))
            .filter(|v| !v.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

impl EligibilityRule {
    fn allows(&self, value: &str) -> bool {
        if !self.one_of.is_empty() && !self.one_of.iter().any(|v| v == value) {
            return false;
        }
        if self.min.is_some() || self.max.is_some() {
            let Ok(number) = value.parse::<i64>() else {
                return false;
            };
            if self.min.is_some_and(|min| number < min) || self.max.is_some_and(|max| number > max)
            {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn school_class() -> EntryForm {
        let text = |key: &str, de: &str, required: bool, public: bool| FieldSpec {
            key: key.into(),
            label: Localized::new(de, de),
            help: None,
            kind: FieldKind::Text,
            required,
            choices: vec![],
            jury: false,
            public,
        };
        EntryForm {
            fields: vec![
                text("school", "Schule", true, true),
                text("class_name", "Klasse", true, true),
                FieldSpec {
                    key: "grade_band".into(),
                    label: Localized::new("Klassenstufe", "Grade band"),
                    help: None,
                    kind: FieldKind::Choice,
                    required: true,
                    choices: vec!["5-7".into(), "8-10".into(), "11-12".into()],
                    jury: true,
                    public: false,
                },
                text("postcode", "Postleitzahl der Schule", true, false),
                text("teacher", "Lehrkraft", true, false),
                FieldSpec {
                    kind: FieldKind::LongText,
                    ..text("pupils", "Namen der Kinder", false, false)
                },
            ],
            rules: vec![EligibilityRule {
                field: "postcode".into(),
                one_of: vec!["07545".into(), "07546".into()],
                min: None,
                max: None,
                message: Localized::new("Nur Schulen in Gera.", "Only schools in Gera."),
            }],
            for_minors: true,
        }
    }

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const COMPLETE: [(&str, &str); 6] = [
        ("school", "Goethe-Gymnasium"),
        ("class_name", "7b"),
        ("grade_band", "5-7"),
        ("postcode", "07545"),
        ("teacher", "Frau Lehmann"),
        ("pupils", "Anna, Ben, Cem"),
    ];

    #[test]
    fn the_gera_style_definition_is_sound() {
        assert_eq!(school_class().validate_definition(), Ok(()));
        let mut broken = school_class();
        broken.rules[0].field = "nope".into();
        assert!(broken.validate_definition().unwrap_err().contains("nope"));
        let mut broken = school_class();
        broken.fields[2].choices.clear();
        assert!(broken.validate_definition().is_err());
    }

    #[test]
    fn a_complete_eligible_entry_is_split_into_jury_and_identity() {
        let checked = school_class()
            .check(&answers(&COMPLETE), true, Completeness::Submit)
            .unwrap();
        assert_eq!(checked.jury, answers(&[("grade_band", "5-7")]));
        assert_eq!(checked.identity.len(), 5);
        assert!(!checked.identity.contains_key("grade_band"));
    }

    #[test]
    fn drafts_may_be_incomplete_but_not_wrong() {
        let form = school_class();
        assert!(
            form.check(&answers(&[("school", "X")]), false, Completeness::Draft)
                .is_ok()
        );
        let wrong = form
            .check(
                &answers(&[("grade_band", "13"), ("hobby", "x")]),
                false,
                Completeness::Draft,
            )
            .unwrap_err();
        let fields: Vec<&str> = wrong.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["hobby", "grade_band"]);
        assert!(wrong[1].message.de.contains("5-7, 8-10, 11-12"));
    }

    #[test]
    fn submitting_checks_required_fields_eligibility_and_consent() {
        let form = school_class();
        let mut outside = answers(&COMPLETE);
        outside.insert("postcode".into(), "04109".into());
        outside.remove("teacher");
        let problems = form
            .check(&outside, false, Completeness::Submit)
            .unwrap_err();
        let messages: Vec<&str> = problems.iter().map(|p| p.message.de.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Nur Schulen in Gera.",
                "Bitte füllen Sie „Lehrkraft“ aus.",
                problems[2].message.de.as_str()
            ]
        );
        assert_eq!(problems[2].field, GUARDIAN_CONSENT);
    }

    #[test]
    fn number_rules_bound_the_answer() {
        let rule = EligibilityRule {
            field: "age".into(),
            one_of: vec![],
            min: Some(60),
            max: None,
            message: Localized::default(),
        };
        assert!(rule.allows("60"));
        assert!(!rule.allows("59"));
        assert!(!rule.allows("sixty"));
    }

    #[test]
    fn childrens_names_are_never_in_the_public_credit() {
        let form = school_class();
        let checked = form
            .check(&answers(&COMPLETE), true, Completeness::Submit)
            .unwrap();
        let credit = form.public_credit(&checked.identity).unwrap();
        assert_eq!(credit, "Goethe-Gymnasium, 7b");
        for name in ["Anna", "Ben", "Cem", "Lehmann"] {
            assert!(!credit.contains(name));
        }
    }
}
