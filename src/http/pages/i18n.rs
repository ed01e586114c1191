//! Page language: German first, English second. Texts live in `templates/i18n/`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use poem::Request;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    De,
    En,
}

type Catalogue = BTreeMap<String, String>;

fn parse(name: &str, text: &str) -> Catalogue {
    toml::from_str(text)
        .unwrap_or_else(|err| panic!("templates/i18n/{name}.toml is invalid: {err}"))
}

static DE: LazyLock<Catalogue> =
    LazyLock::new(|| parse("de", include_str!("../../../templates/i18n/de.toml")));
static EN: LazyLock<Catalogue> =
    LazyLock::new(|| parse("en", include_str!("../../../templates/i18n/en.toml")));

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

    pub fn texts(self) -> &'static Catalogue {
        match self {
            Lang::De => &DE,
            Lang::En => &EN,
        }
    }

    pub fn text(self, key: &str) -> &'static str {
        self.texts().get(key).map_or("", String::as_str)
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
        let de: Vec<_> = DE.keys().collect();
        let en: Vec<_> = EN.keys().collect();
        assert_eq!(de, en);
        assert!(DE.values().chain(EN.values()).all(|v| !v.trim().is_empty()));
    }
}
