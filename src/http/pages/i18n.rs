//! Page language: German first, English second. The texts are Fluent messages in
//! `templates/i18n/<language>/*.ftl` (plurals and variables in the translators'
//! usual format); a further language is a folder of `.ftl` files and a variant here.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use poem::Request;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    De,
    En,
}

/// One language's messages: the bundle for messages with variables, and every
/// message formatted without them, for templates (`t.key`).
pub struct Catalogue {
    bundle: FluentBundle<FluentResource>,
    texts: BTreeMap<String, String>,
}

impl Catalogue {
    fn load(code: &str, files: &[(&str, &str)]) -> Self {
        let locale: unic_langid::LanguageIdentifier = code.parse().expect("a language code");
        let mut bundle = FluentBundle::new_concurrent(vec![locale]);
        // Plain text in HTML and email: no Unicode isolation marks around values.
        bundle.set_use_isolating(false);
        let mut ids: Vec<String> = Vec::new();
        for (name, text) in files {
            let resource =
                FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(_, errors)| {
                    panic!("templates/i18n/{code}/{name} is not valid Fluent: {errors:?}")
                });
            ids.extend(resource.entries().filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(message) => Some(message.id.name.to_owned()),
                _ => None,
            }));
            bundle
                .add_resource(resource)
                .unwrap_or_else(|errors| panic!("templates/i18n/{code}/{name}: {errors:?}"));
        }
        let mut catalogue = Self {
            bundle,
            texts: BTreeMap::new(),
        };
        for id in ids {
            let text = catalogue.format(&id, None);
            catalogue.texts.insert(id, text);
        }
        catalogue
    }

    /// The message `id` with `args`; empty for an unknown id.
    fn format(&self, id: &str, args: Option<&FluentArgs>) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            return String::new();
        };
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        if args.is_some() && !errors.is_empty() {
            tracing::warn!(
                message = id,
                ?errors,
                "a page text was formatted with errors"
            );
        }
        text.into_owned()
    }

    /// Every message formatted without variables.
    pub fn texts(&self) -> &BTreeMap<String, String> {
        &self.texts
    }
}

static DE: LazyLock<Catalogue> = LazyLock::new(|| {
    Catalogue::load(
        "de",
        &[(
            "pages.ftl",
            include_str!("../../../templates/i18n/de/pages.ftl"),
        )],
    )
});
static EN: LazyLock<Catalogue> = LazyLock::new(|| {
    Catalogue::load(
        "en",
        &[(
            "pages.ftl",
            include_str!("../../../templates/i18n/en/pages.ftl"),
        )],
    )
});

impl Lang {
    /// The one way a page finds its language: `chosen` (a form's `lang` field)
    /// wins, then `?lang=en|de`, then the browser's first supported language, else
    /// German.
    pub fn find(req: &Request, chosen: Option<&str>) -> Lang {
        match chosen {
            Some("en") => return Lang::En,
            Some("de") => return Lang::De,
            _ => {}
        }
        let query = req.uri().query().unwrap_or_default();
        for pair in query.split('&') {
            match pair {
                "lang=en" => return Lang::En,
                "lang=de" => return Lang::De,
                _ => {}
            }
        }
        let accept = req.header("accept-language").unwrap_or_default();
        Self::preferred(accept).unwrap_or(Lang::De)
    }

    /// The browser's most wanted language we have, by the quality values of its
    /// `Accept-Language` (`q=0` means "not this one").
    pub fn preferred(accept: &str) -> Option<Lang> {
        accept_language::parse_with_quality(accept)
            .into_iter()
            .filter(|(_, quality)| *quality > 0.0)
            .find_map(|(tag, _)| {
                let primary = tag.split('-').next().unwrap_or_default();
                match primary.to_ascii_lowercase().as_str() {
                    "de" => Some(Lang::De),
                    "en" => Some(Lang::En),
                    _ => None,
                }
            })
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::De => Lang::En,
            Lang::En => Lang::De,
        }
    }

    pub fn catalogue(self) -> &'static Catalogue {
        match self {
            Lang::De => &DE,
            Lang::En => &EN,
        }
    }

    /// Every message without variables, for templates.
    pub fn texts(self) -> &'static BTreeMap<String, String> {
        self.catalogue().texts()
    }

    pub fn text(self, key: &str) -> &'static str {
        self.texts().get(key).map_or("", String::as_str)
    }

    /// The message `key` with variables, e.g. `[("count", 3.into())]`.
    pub fn text_with(self, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(name.to_string(), value.clone());
        }
        self.catalogue().format(key, Some(&fluent_args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_language_follows_its_quality_values() {
        assert_eq!(Lang::preferred("en;q=0.1, de;q=0.9"), Some(Lang::De));
        assert_eq!(
            Lang::preferred("fr-FR, en-GB;q=0.8, de;q=0.7"),
            Some(Lang::En)
        );
        assert_eq!(Lang::preferred("de-AT"), Some(Lang::De));
        assert_eq!(Lang::preferred("en;q=0, de;q=0.2"), Some(Lang::De));
        assert_eq!(Lang::preferred("fr, tr"), None);
        assert_eq!(Lang::preferred(""), None);
    }

    #[test]
    fn both_catalogues_have_the_same_keys_and_no_empty_texts() {
        let de: Vec<_> = DE.texts().keys().collect();
        let en: Vec<_> = EN.texts().keys().collect();
        assert_eq!(de, en);
        assert!(
            DE.texts()
                .values()
                .chain(EN.texts().values())
                .all(|v| !v.trim().is_empty())
        );
    }

    #[test]
    fn messages_take_variables_and_plurals() {
        assert_eq!(
            Lang::De.text_with("phase_numbered", &[("n", 2.into())]),
            "Staffel 2"
        );
        assert_eq!(
            Lang::En.text_with("phase_numbered", &[("n", 2.into())]),
            "Round 2"
        );
        assert_eq!(
            Lang::De.text_with("staff_found_count", &[("count", 1.into())]),
            "1 Einreichung gefunden"
        );
        assert_eq!(
            Lang::De.text_with("staff_found_count", &[("count", 12.into())]),
            "12 Einreichungen gefunden"
        );
        assert_eq!(
            Lang::En.text_with("staff_found_count", &[("count", 1.into())]),
            "1 entry found"
        );
    }
}
