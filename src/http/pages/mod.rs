//! Public HTML pages, rendered with Tera (auto-escaped) in German or English.

mod account;
mod admin_emails;
mod certificates;
mod competition;
mod entries;
pub mod extract;
mod feeds;
pub mod flash;
mod home;
pub mod i18n;
mod jury;
pub mod layout;
mod legal;
mod overall;
mod payouts;
pub mod session;
mod staff;
mod subscriptions;
mod view;
mod vote;

use poem::http::StatusCode;
use poem::web::Html;
use poem::{IntoResponse, Response};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tera::{Context, Tera};

use i18n::Lang;

/// Every page, each module adding its own.
pub fn routes() -> poem::Route {
    let modules = [
        home::routes,
        legal::routes,
        competition::routes,
        subscriptions::routes,
        account::routes,
        entries::routes,
        staff::routes,
        jury::routes,
        admin_emails::routes,
        feeds::routes,
        certificates::routes,
        payouts::routes,
        vote::routes,
        overall::routes,
    ];
    modules
        .into_iter()
        .fold(poem::Route::new(), |route, add| add(route))
}

macro_rules! page_templates {
    ($($name:literal),+ $(,)?) => {
        [$(($name, include_str!(concat!("../../../templates/pages/", $name)))),+]
    };
}

/// `{{ tr(key="…", lang=lang, count=3) }}`: a page text with variables (plurals,
/// numbers), for what `t.key` cannot say.
fn translate(args: &std::collections::HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let key = args
        .get("key")
        .and_then(tera::Value::as_str)
        .ok_or_else(|| tera::Error::msg("tr() needs key=\"…\""))?;
    let lang = match args.get("lang").and_then(tera::Value::as_str) {
        Some("en") => Lang::En,
        _ => Lang::De,
    };
    let values: Vec<(&str, fluent_bundle::FluentValue<'_>)> = args
        .iter()
        .filter(|(name, _)| name.as_str() != "key" && name.as_str() != "lang")
        .map(|(name, value)| {
            let value = match value {
                tera::Value::Number(n) => n.as_f64().map_or_else(
                    || fluent_bundle::FluentValue::from(n.to_string()),
                    fluent_bundle::FluentValue::from,
                ),
                tera::Value::String(text) => fluent_bundle::FluentValue::from(text.as_str()),
                other => fluent_bundle::FluentValue::from(other.to_string()),
            };
            (name.as_str(), value)
        })
        .collect();
    Ok(tera::Value::String(lang.text_with(key, &values)))
}

/// `{{ value | xml | safe }}`: text escaped for XML (the feed), where the
/// HTML escaping would also write `/` as `&#x2F;` into every address.
fn xml_text(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = match value {
        tera::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow at all.
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    Ok(tera::Value::String(out))
}

/// The page templates, compiled into the binary so it runs from any folder.
pub struct Pages {
    tera: Tera,
    brand: Brand,
    /// The texts each template reads, see [`texts_used`].
    texts_used: HashMap<&'static str, Vec<&'static str>>,
}

/// Which texts each template reads as `t.key`, with those of the templates
/// it extends, includes and imports: a page's context then carries a few
/// dozen texts instead of serialising the whole catalogue on every request.
/// (Templates read texts only by name; a text they miss fails the render,
/// which every page's tests would show.)
fn texts_used(
    sources: &[(&'static str, &'static str)],
) -> HashMap<&'static str, Vec<&'static str>> {
    fn ident(text: &str) -> &str {
        let end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len());
        &text[..end]
    }
    fn own(source: &'static str) -> (BTreeSet<&'static str>, Vec<&'static str>) {
        let mut keys = BTreeSet::new();
        for (at, _) in source.match_indices("t.") {
            let before = source[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let key = ident(&source[at + 2..]);
            if !key.is_empty() {
                keys.insert(key);
            }
        }
        let mut refs = Vec::new();
        for word in ["extends", "include", "import"] {
            for (at, _) in source.match_indices(word) {
                let rest = source[at + word.len()..].trim_start();
                if let Some(quoted) = rest.strip_prefix('"')
                    && let Some(end) = quoted.find('"')
                {
                    refs.push(&quoted[..end]);
                }
            }
        }
        (keys, refs)
    }
    let own: HashMap<&'static str, _> = sources
        .iter()
        .map(|(name, source)| (*name, own(source)))
        .collect();
    own.keys()
        .map(|&name| {
            let (mut keys, mut seen, mut todo) = (BTreeSet::new(), BTreeSet::new(), vec![name]);
            while let Some(next) = todo.pop() {
                if !seen.insert(next) {
                    continue;
                }
                if let Some((its_keys, refs)) = own.get(next) {
                    keys.extend(its_keys.iter().copied());
                    todo.extend(refs.iter().copied());
                }
            }
            (name, keys.into_iter().collect())
        })
        .collect()
}

/// The header's brand: the programme's name, and whether a logo is configured.
#[derive(Debug, Clone)]
pub struct Brand {
    pub name: String,
    pub logo: bool,
}

impl Brand {
    pub fn of(site: &crate::services::site::SiteInfo) -> Self {
        Self {
            name: site.name.clone(),
            logo: site.logo_path().is_some(),
        }
    }
}

impl Pages {
    pub fn load(brand: Brand) -> Result<Self, tera::Error> {
        let mut tera = Tera::default();
        let sources = page_templates!(
            "base.html",
            "imprint.html",
            "privacy.html",
            "accessibility.html",
            "easy_read.html",
            "_entry_fields.html",
            "home.html",
            "competition.html",
            "message.html",
            "action.html",
            "confirm.html",
            "notify_form.html",
            "sign_in.html",
            "other_browser.html",
            "account.html",
            "admin_emails.html",
            "admin_email.html",
            "code.html",
            "two_factor.html",
            "entry_form.html",
            "my_entries.html",
            "invitation.html",
            "staff_dashboard.html",
            "staff_entries.html",
            "staff_entry.html",
            "staff_on_behalf.html",
            "staff_step.html",
            "staff_history.html",
            "staff_people.html",
            "staff_person.html",
            "staff_invite.html",
            "staff_competition_form.html",
            "staff_programme.html",
            "staff_extend.html",
            "staff_receipt.html",
            "jury_panels.html",
            "jury_queue.html",
            "jury_sheet.html",
            "staff_precheck.html",
            "staff_jury.html",
            "jury_sitting.html",
            "jury_protokoll.html",
            "staff_prizes.html",
            "staff_budget.html",
            "results.html",
            "staff_announcement.html",
            "payout_form.html",
            "vote.html",
            "staff_overall.html",
            "overall.html",
            "staff_vote.html",
            "feed.xml",
        );
        let texts_used = texts_used(&sources);
        tera.add_raw_templates(sources)?;
        tera.register_function("tr", translate);
        tera.register_filter("xml", xml_text);
        Ok(Self {
            tera,
            brand,
            texts_used,
        })
    }

    /// Renders `template` with the language's texts as `t`.
    pub fn render_html(
        &self,
        template: &str,
        lang: Lang,
        path: &str,
        mut context: Context,
    ) -> Result<String, tera::Error> {
        context.insert("lang", lang.code());
        let texts = lang.texts();
        match self.texts_used.get(template) {
            Some(keys) => {
                let used: BTreeMap<&str, &str> = keys
                    .iter()
                    .filter_map(|key| texts.get_key_value(*key))
                    .map(|(key, text)| (key.as_str(), text.as_str()))
                    .collect();
                context.insert("t", &used);
            }
            None => context.insert("t", texts),
        }
        if let Some(flash) = flash::take() {
            context.insert("flash", &flash.text(lang));
        }
        context.insert("staff_menu", &layout::staff_menu());
        context.insert("brand_name", &self.brand.name);
        context.insert("brand_logo", &self.brand.logo);
        context.insert("admin_menu", &layout::admin_menu());
        context.insert("jury_menu", &layout::jury_menu());
        context.insert("other_lang", lang.other().code());
        context.insert(
            "other_lang_href",
            &format!("{path}?lang={}", lang.other().code()),
        );
        context.insert("lang_query", &format!("?lang={}", lang.code()));
        // Programme data (names, headlines, goals) is German: on pages in another
        // language its elements say so, for screen readers (WCAG 3.1.2).
        context.insert(
            "dl",
            if lang == Lang::De {
                ""
            } else {
                r#" lang="de""#
            },
        );
        self.tera.render(template, &context)
    }

    /// The page, or an error page in the same language if rendering failed.
    pub fn respond(
        &self,
        lang: Lang,
        rendered: Result<impl Into<String>, tera::Error>,
    ) -> Response {
        match rendered {
            Ok(html) => Html(html.into()).into_response(),
            Err(err) => {
                tracing::error!(error = ?err, "page rendering failed");
                self.message(lang, StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    /// A page that only says something: not found, or an error on our side.
    pub fn message(&self, lang: Lang, status: StatusCode) -> Response {
        if status == StatusCode::NOT_FOUND {
            self.notice(lang, status, "not_found_title", "not_found_text")
        } else {
            self.notice(lang, status, "error_title", "error_text")
        }
    }

    /// A page with a title and a sentence, both from the language's texts.
    pub fn notice(&self, lang: Lang, status: StatusCode, title: &str, text: &str) -> Response {
        let mut context = Context::new();
        context.insert("title", lang.text(title));
        context.insert("text", lang.text(text));
        let html = self
            .render_html("message.html", lang, "/", context)
            .unwrap_or_else(|err| {
                tracing::error!(error = ?err, "message page rendering failed");
                lang.text(title).to_owned()
            });
        (status, Html(html)).into_response()
    }

    /// A page with one button that posts `token` to `action`.
    pub fn action(&self, lang: Lang, keys: [&str; 3], action: &str, token: &str) -> Response {
        let mut context = Context::new();
        context.insert("title", lang.text(keys[0]));
        context.insert("text", lang.text(keys[1]));
        context.insert("button", lang.text(keys[2]));
        context.insert("action", action);
        context.insert("token", token);
        self.respond(lang, self.render_html("action.html", lang, action, context))
    }
}

/// Pages answer errors with a page in the visitor's language, never JSON.
pub async fn page_error(pages: &Pages, req_lang: Lang, err: poem::Error) -> Response {
    // A page a handler chose to answer with (see `session::answer_with`).
    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    if status.is_server_error() {
        tracing::error!(error = %err, "page failed");
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return pages.notice(req_lang, status, "too_large_title", "too_large_text");
    }
    let status = if status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED {
        StatusCode::NOT_FOUND
    } else if status.is_client_error() {
        status
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    pages.message(req_lang, status)
}

#[cfg(test)]
mod tests {
    use super::texts_used;

    #[test]
    fn a_template_reads_its_own_texts_and_those_of_what_it_extends_and_includes() {
        let sources = [
            (
                "base.html",
                r#"<title>{{ t.site }}</title>{% block main %}{% endblock %}"#,
            ),
            ("form.html", r#"{{ t.form_send }}{{ flash.t.not_a_text }}"#),
            (
                "page.html",
                r#"{% extends "base.html" %}{% block main %}{{ t.page_title | upper }}{% include "form.html" %}{% if t.page_hint %}{% endif %}{% endblock %}"#,
            ),
        ];
        let used = texts_used(&sources);
        assert_eq!(
            used["page.html"],
            ["form_send", "page_hint", "page_title", "site"]
        );
        assert_eq!(used["base.html"], ["site"]);
        assert_eq!(used["form.html"], ["form_send"]);
    }
}
