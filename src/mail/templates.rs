//! The notification catalogue's templates, in `templates/emails/<name>/`.
//!
//! Every template is rendered with a sample of exactly the variables it is given,
//! at startup and in tests: a template that uses an unknown variable fails there,
//! never in someone's inbox.

use serde_json::{Value, json};
use tera::{Context, Tera};

/// Subject, plain text and HTML of one email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

macro_rules! catalogue {
    ($($name:ident),+ $(,)?) => {
        /// Every email template, by name.
        pub const TEMPLATE_NAMES: &[&str] = &[$(stringify!($name)),+];

        fn raw_templates() -> Vec<(String, &'static str)> {
            let mut all = vec![
                ("_layout.html".to_owned(), include_str!("../../templates/emails/_layout.html")),
                ("_layout.txt".to_owned(), include_str!("../../templates/emails/_layout.txt")),
            ];
            $(
                for (part, text) in [
                    ("subject.de.txt", include_str!(concat!("../../templates/emails/", stringify!($name), "/subject.de.txt"))),
                    ("subject.en.txt", include_str!(concat!("../../templates/emails/", stringify!($name), "/subject.en.txt"))),
                    ("text.de.txt", include_str!(concat!("../../templates/emails/", stringify!($name), "/text.de.txt"))),
                    ("text.en.txt", include_str!(concat!("../../templates/emails/", stringify!($name), "/text.en.txt"))),
                    ("html.de.html", include_str!(concat!("../../templates/emails/", stringify!($name), "/html.de.html"))),
                    ("html.en.html", include_str!(concat!("../../templates/emails/", stringify!($name), "/html.en.html"))),
                ] {
                    all.push((format!("{}/{part}", stringify!($name)), text));
                }
            )+
            all
        }
    };
}

catalogue!(
    sign_in_link,
    staff_invitation,
    subscription_confirm,
    competition_scheduled,
    competition_opened,
    deadline_extended,
    deadline_reminder,
    submission_received,
    submission_withdrawn,
    coauthor_invitation,
    entry_excluded,
    competition_closed,
    jury_invitation,
    jury_reminder,
    scores_complete,
    results_winner,
    results_entrant,
    results_jury,
    announcement,
    vote_confirm,
);

pub const LOCALES: [&str; 2] = ["de", "en"];

/// What every email's layout needs besides the template's own variables.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    pub locale: &'a str,
    pub sender_name: &'a str,
    pub site_url: &'a str,
    pub unsubscribe_url: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
#[error("email template {name} ({locale}): {source}")]
pub struct TemplateError {
    pub name: String,
    pub locale: String,
    #[source]
    pub source: tera::Error,
}

pub struct EmailTemplates {
    tera: Tera,
}

impl EmailTemplates {
    /// Loads every template and renders each with its sample variables.
    pub fn load() -> Result<Self, TemplateError> {
        Self::from_raw(raw_templates())
    }

    fn from_raw(raw: Vec<(String, &'static str)>) -> Result<Self, TemplateError> {
        let mut tera = Tera::default();
        tera.add_raw_templates(raw)
            .map_err(|source| TemplateError {
                name: "(loading)".to_owned(),
                locale: String::new(),
                source,
            })?;
        let templates = Self { tera };
        for name in TEMPLATE_NAMES {
            for locale in LOCALES {
                let envelope = Envelope {
                    locale,
                    sender_name: "Stadt Gera",
                    site_url: "https://ideen.example",
                    unsubscribe_url: Some("https://ideen.example/abmelden?token=t"),
                };
                templates.render(name, &sample_context(name), &envelope)?;
            }
        }
        Ok(templates)
    }

    pub fn render(
        &self,
        name: &str,
        variables: &Value,
        envelope: &Envelope<'_>,
    ) -> Result<RenderedEmail, TemplateError> {
        let locale = if LOCALES.contains(&envelope.locale) {
            envelope.locale
        } else {
            "de"
        };
        let error = |source| TemplateError {
            name: name.to_owned(),
            locale: locale.to_owned(),
            source,
        };
        let mut context = Context::from_value(variables.clone()).map_err(error)?;
        context.insert("locale", locale);
        context.insert("sender_name", envelope.sender_name);
        context.insert("site_url", envelope.site_url);
        context.insert("unsubscribe_url", &envelope.unsubscribe_url);
        let (footer, unsubscribe_label) = match locale {
            "en" => (
                "You receive this email because of an idea competition you take part in or follow.",
                "Unsubscribe from these emails",
            ),
            _ => (
                "Sie erhalten diese E-Mail, weil Sie an einem Ideenwettbewerb teilnehmen oder ihn verfolgen.",
                "Diese E-Mails abbestellen",
            ),
        };
        context.insert("footer", footer);
        context.insert("unsubscribe_label", unsubscribe_label);
        let subject = self
            .tera
            .render(&format!("{name}/subject.{locale}.txt"), &context)
            .map_err(error)?;
        // A subject is one line, whatever a variable contained.
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        context.insert("subject", &subject);
        let text = self
            .tera
            .render(&format!("{name}/text.{locale}.txt"), &context)
            .map_err(error)?;
        let html = self
            .tera
            .render(&format!("{name}/html.{locale}.html"), &context)
            .map_err(error)?;
        Ok(RenderedEmail {
            subject,
            text,
            html,
        })
    }
}

/// Example values for exactly the variables a template is given.
pub fn sample_context(name: &str) -> Value {
    let competition = json!({
        "headline": "Smarte Projekte für Gera",
        "name": "Smarte Projekte für Gera · Alle, die Gera lieben",
        "target_group": "Alle, die Gera lieben",
        "programme_name": "SMARTCity Gera",
        "opens": "20.07.2020, 00:00 Uhr",
        "closes": "20.11.2020, 23:59 Uhr",
        "url": "https://ideen.example/wettbewerbe/wir-lieben-gera",
    });
    let entry = |extra: Value| {
        let mut base = json!({ "competition": competition.clone() });
        for (key, value) in extra.as_object().into_iter().flatten() {
            base[key] = value.clone();
        }
        base
    };
    match name {
        "sign_in_link" => json!({
            "site_name": "Ideenwettbewerbe",
            "sign_in_url": "https://ideen.example/anmelden/link?token=t",
            "expires_minutes": 15,
        }),
        "staff_invitation" => json!({
            "display_name": "Dr. Erika Muster",
            "role": "juror",
            "sign_in_url": "https://ideen.example/anmelden",
        }),
        "subscription_confirm" => json!({
            "scope_name": "SMARTCity Gera",
            "confirm_url": "https://ideen.example/benachrichtigung/bestaetigen?token=t",
        }),
        "vote_confirm" => json!({
            "competition_name": "Publikumspreis: Smarte Projekte für Gera",
            "choices": [
                { "kennzahl": "482913", "title": "Sitzbänke mit Solarladern", "points": 60 },
                { "kennzahl": "105577", "title": "Grüne Dächer für Bushaltestellen", "points": 40 },
            ],
            "show_points": true,
            "closes": "30.11.2020, 23:59 Uhr",
            "confirm_url": "https://ideen.example/abstimmung/bestaetigen?token=t",
        }),
        "deadline_extended" => entry(json!({ "previous_closes": "20.11.2020, 23:59 Uhr" })),
        "deadline_reminder" => entry(json!({
            "entry_title": "Sitzbänke mit Solarladern",
            "entry_url": "https://ideen.example/meine-ideen/1",
        })),
        "submission_received" => entry(json!({
            "entry_title": "Sitzbänke mit Solarladern",
            "receipt_number": "GERA-2020-000123",
            "entry_url": "https://ideen.example/meine-ideen/1",
            "entry_summary": "Bänke, an denen man Fahrräder und Telefone lädt.",
            "entry_description": "Auf dem Markt und am Hofwiesenpark.",
            "entry_goals": ["Nachhaltigkeit", "Multimodale Mobilität"],
            "entry_details": [{ "label": "Postleitzahl", "value": "07545" }],
            "entry_attachments": ["Skizze.pdf"],
        })),
        "coauthor_invitation" => entry(json!({
            "inviter_name": "Frau Lehmann",
            "invitee_name": "Herr Schulze",
            "entry_title": "Sitzbänke mit Solarladern",
            "accept_url": "https://ideen.example/einladung?token=t",
            "expires_days": 14,
        })),
        "submission_withdrawn" => entry(json!({
            "entry_title": "Sitzbänke mit Solarladern",
            "receipt_number": "GERA-2020-000123",
            "entry_url": "https://ideen.example/meine-ideen/1",
        })),
        "entry_excluded" => entry(json!({
            "entry_title": "Sitzbänke mit Solarladern",
            "receipt_number": "GERA-2020-000123",
            "reason": "nach Einsendeschluss eingegangen",
            "remark": "Der Poststempel trägt den 2. Dezember.",
        })),
        "jury_invitation" => entry(json!({
            "juror_name": "Dr. Erika Muster",
            "jury_url": "https://ideen.example/jury/5",
            "jury_deadline": "15.01.2021, 23:59 Uhr",
        })),
        "jury_reminder" => entry(json!({
            "juror_name": "Dr. Erika Muster",
            "jury_url": "https://ideen.example/jury/5",
            "jury_deadline": "15.01.2021, 23:59 Uhr",
            "open_scores": 7,
        })),
        "scores_complete" => {
            entry(json!({ "admin_url": "https://ideen.example/admin/wettbewerbe/5" }))
        }
        "results_winner" => entry(json!({
            "entry_title": "Sitzbänke mit Solarladern",
            "prize": "1. Preis, 3.000 €",
            "results_url": "https://ideen.example/ergebnisse/5",
            "certificate_url": "https://ideen.example/konto/ideen/7/urkunde.pdf",
            "payout_url": "https://ideen.example/konto/ideen/7/auszahlung",
        })),
        "results_entrant" => entry(json!({
            "entry_title": "Sitzbänke mit Solarladern",
            "results_url": "https://ideen.example/ergebnisse/5",
            "feedback": ["Sehr anschaulich begründet.", "Die Kosten wären zu prüfen."],
        })),
        "results_jury" => entry(json!({
            "juror_name": "Dr. Erika Muster",
            "results_url": "https://ideen.example/ergebnisse/5",
            "winners": 4,
        })),
        "announcement" => entry(json!({ "results_url": "https://ideen.example/ergebnisse/5" })),
        _ => entry(json!({})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_in_both_languages() {
        let templates = EmailTemplates::load().expect("templates load");
        assert_eq!(TEMPLATE_NAMES.len(), 20);
        for name in TEMPLATE_NAMES {
            let envelope = Envelope {
                locale: "en",
                sender_name: "City",
                site_url: "https://x",
                unsubscribe_url: None,
            };
            let email = templates
                .render(name, &sample_context(name), &envelope)
                .unwrap();
            assert!(!email.subject.is_empty() && !email.subject.contains('\n'));
            assert!(email.html.contains("<html lang=\"en\">"));
        }
    }

    #[test]
    fn a_template_with_an_unknown_variable_fails_at_load() {
        let mut raw = raw_templates();
        for (name, text) in raw.iter_mut() {
            if name == "competition_opened/text.en.txt" {
                *text = "{% extends \"_layout.txt\" %}{% block body %}{{ competition.prize }}{% endblock body %}";
            }
        }
        let err = EmailTemplates::from_raw(raw)
            .err()
            .expect("unknown variable refused");
        assert_eq!(
            (err.name.as_str(), err.locale.as_str()),
            ("competition_opened", "en")
        );
    }

    #[test]
    fn user_text_is_escaped_in_html_but_not_in_text() {
        let templates = EmailTemplates::load().unwrap();
        let mut variables = sample_context("competition_opened");
        variables["competition"]["name"] = json!("<script>x</script> & Co");
        let envelope = Envelope {
            locale: "de",
            sender_name: "Stadt",
            site_url: "https://x",
            unsubscribe_url: None,
        };
        let email = templates
            .render("competition_opened", &variables, &envelope)
            .unwrap();
        assert!(
            email
                .html
                .contains("&lt;script&gt;x&lt;&#x2F;script&gt; &amp; Co")
        );
        assert!(!email.html.contains("<script>"));
        assert!(email.text.contains("<script>x</script> & Co"));
    }
}
