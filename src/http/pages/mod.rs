//! Public HTML pages, rendered with Tera (auto-escaped) in German or English.

mod competition;
mod home;
pub mod i18n;
mod view;

use poem::http::StatusCode;
use poem::web::Html;
use poem::{IntoResponse, Request, Response};
use tera::{Context, Tera};

pub use competition::competition_page;
pub use home::home_page;
use i18n::Lang;

/// The page templates, compiled into the binary so it runs from any folder.
pub struct Pages {
    tera: Tera,
}

impl Pages {
    pub fn load() -> Result<Self, tera::Error> {
        let mut tera = Tera::default();
        tera.add_raw_templates([
            (
                "base.html",
                include_str!("../../../templates/pages/base.html"),
            ),
            (
                "home.html",
                include_str!("../../../templates/pages/home.html"),
            ),
            (
                "competition.html",
                include_str!("../../../templates/pages/competition.html"),
            ),
            (
                "message.html",
                include_str!("../../../templates/pages/message.html"),
            ),
        ])?;
        Ok(Self { tera })
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
        context.insert("t", lang.texts());
        context.insert("other_lang", lang.other().code());
        context.insert(
            "other_lang_href",
            &format!("{path}?lang={}", lang.other().code()),
        );
        context.insert("lang_query", &format!("?lang={}", lang.code()));
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
        let (title, text) = if status == StatusCode::NOT_FOUND {
            ("not_found_title", "not_found_text")
        } else {
            ("error_title", "error_text")
        };
        let mut context = Context::new();
        context.insert("lang", lang.code());
        context.insert("t", lang.texts());
        context.insert("other_lang", lang.other().code());
        context.insert(
            "other_lang_href",
            &format!("/?lang={}", lang.other().code()),
        );
        context.insert("lang_query", &format!("?lang={}", lang.code()));
        context.insert("title", lang.text(title));
        context.insert("text", lang.text(text));
        let html = self
            .tera
            .render("message.html", &context)
            .unwrap_or_else(|err| {
                tracing::error!(error = ?err, "message page rendering failed");
                lang.text(title).to_owned()
            });
        (status, Html(html)).into_response()
    }
}

/// Pages answer errors with a page in the visitor's language, never JSON.
pub async fn page_error(pages: &Pages, req_lang: Lang, err: poem::Error) -> Response {
    let status = err.status();
    if status.is_server_error() {
        tracing::error!(error = %err, "page failed");
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

pub fn lang_of(req: &Request) -> Lang {
    Lang::of(req)
}
