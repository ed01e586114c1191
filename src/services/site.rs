//! What the public site says about who runs it: the operator for the Impressum,
//! the data protection officer and retention for the privacy notice, the contact
//! for barriers, the brand (name and logo) and an optional sign-language video.
//! It comes from the `[site]` table of the programme file, read at every start (the
//! city edits it there); anything missing is shown as a marked placeholder.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Marks a value the city still has to fill in.
pub const PLACEHOLDER: &str = "[Platzhalter: noch einzutragen]";

fn placeholder() -> String {
    PLACEHOLDER.to_owned()
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteInfo {
    /// The brand in the header (a wordmark when there is no logo).
    #[serde(default = "default_name")]
    pub name: String,
    /// An image file (PNG, SVG, JPEG or WebP) shown in the header; relative paths
    /// are read from the programme file's folder.
    #[serde(default)]
    pub logo: String,
    /// A link to the city's explanation of the site in German Sign Language.
    #[serde(default)]
    pub sign_language_video_url: String,
    #[serde(default)]
    pub operator: Operator,
    #[serde(default)]
    pub privacy: Privacy,
    #[serde(default)]
    pub accessibility: Accessibility,
}

fn default_name() -> String {
    "Ideenwettbewerb".to_owned()
}

/// Who runs the site (§ 5 DDG).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    #[serde(default = "placeholder")]
    pub name: String,
    #[serde(default = "placeholder_lines")]
    pub address: Vec<String>,
    #[serde(default = "placeholder")]
    pub represented_by: String,
    #[serde(default = "placeholder")]
    pub email: String,
    #[serde(default = "placeholder")]
    pub phone: String,
    /// Responsible for the content (§ 18 MStV).
    #[serde(default = "placeholder")]
    pub content_responsible: String,
}

fn placeholder_lines() -> Vec<String> {
    vec![placeholder()]
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    #[serde(default = "placeholder")]
    pub officer_name: String,
    #[serde(default = "placeholder")]
    pub officer_email: String,
    #[serde(default = "placeholder_lines")]
    pub officer_address: Vec<String>,
    /// The supervisory authority people may complain to.
    #[serde(default = "placeholder")]
    pub supervisory_authority: String,
    /// How long entries and accounts are kept after the programme ends.
    #[serde(default = "placeholder")]
    pub retention: String,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Accessibility {
    /// Where barriers are reported.
    #[serde(default = "placeholder")]
    pub contact_email: String,
    /// When the statement was last reviewed (e.g. `2026-12-01`).
    #[serde(default = "placeholder")]
    pub reviewed_on: String,
    /// The arbitration body (Schlichtungsstelle) of the state.
    #[serde(default = "placeholder")]
    pub enforcement_body: String,
}

impl Default for Operator {
    fn default() -> Self {
        toml::from_str("").expect("all fields have defaults")
    }
}

impl Default for Privacy {
    fn default() -> Self {
        toml::from_str("").expect("all fields have defaults")
    }
}

impl Default for Accessibility {
    fn default() -> Self {
        toml::from_str("").expect("all fields have defaults")
    }
}

impl Default for SiteInfo {
    fn default() -> Self {
        toml::from_str("").expect("all fields have defaults")
    }
}

/// The `[site]` table of a programme file, alone.
#[derive(Deserialize)]
struct WithSite {
    #[serde(default)]
    site: Option<toml::Value>,
}

impl SiteInfo {
    /// Where the city signs, from the last line of the operator's address
    /// ("07545 Gera" gives "Gera").
    pub fn place(&self) -> Option<String> {
        let line = self.operator.address.last()?;
        let place = line
            .trim()
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim();
        (!place.is_empty()).then(|| place.to_owned())
    }

    /// The site information of the programme file at `path` (placeholders when it
    /// has none), or what is wrong with it.
    pub fn load(path: Option<&Path>) -> Result<Self, String> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text =
            std::fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?;
        let file: WithSite =
            toml::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))?;
        let mut site: SiteInfo = match file.site {
            Some(value) => value
                .try_into()
                .map_err(|err| format!("{} [site]: {err}", path.display()))?,
            None => Self::default(),
        };
        if !site.logo.is_empty() && Path::new(&site.logo).is_relative() {
            let folder = path.parent().unwrap_or(Path::new("."));
            site.logo = folder.join(&site.logo).display().to_string();
        }
        Ok(site)
    }

    /// The logo file, if one is configured.
    pub fn logo_path(&self) -> Option<PathBuf> {
        (!self.logo.trim().is_empty()).then(|| PathBuf::from(&self.logo))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_values_are_marked_placeholders() {
        let site = SiteInfo::default();
        assert_eq!(site.operator.name, PLACEHOLDER);
        assert_eq!(site.privacy.officer_address, vec![PLACEHOLDER.to_owned()]);
        assert_eq!(site.name, "Ideenwettbewerb");
        assert!(site.logo_path().is_none());
    }

    #[test]
    fn the_shipped_gera_file_has_a_site_table() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("config/programmes/gera-smartcity.toml");
        let site = SiteInfo::load(Some(&path)).expect("valid [site]");
        assert_eq!(site.name, "SMARTCity Gera");
        assert!(site.operator.name.contains("Stadt Gera"));
    }
}
