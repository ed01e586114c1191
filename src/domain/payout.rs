//! What a winner tells the city so that the prize reaches them.
//!
//! - What is **needed** follows from the kinds of the entry's prizes
//!   ([`Needs::of`]): cash and grants are paid to a bank account (IBAN and
//!   account holder), vouchers are posted (a postal address), an event needs
//!   nothing (the city arranges it with the school or club).
//! - An **IBAN** is checked for its country's length and format and for its
//!   checksum (ISO 13616, mod 97) with the `iban_validate` crate; it is kept in
//!   its electronic form (no spaces, capitals) and shown to staff only masked
//!   ([`mask`]).
//! - The details are stored encrypted (see `services::secrets`); this module
//!   only decides what is complete and valid.

use serde::{Deserialize, Serialize};

use super::entry_form::{FieldProblem, Localized};
use super::prizes::PrizeKind;

/// What the winner must give for their prizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Needs {
    /// A bank account: cash or a grant is transferred.
    pub bank: bool,
    /// A postal address: a voucher is posted.
    pub address: bool,
}

impl Needs {
    pub fn of(kinds: impl IntoIterator<Item = PrizeKind>) -> Self {
        kinds.into_iter().fold(Self::default(), |needs, kind| Self {
            bank: needs.bank || matches!(kind, PrizeKind::Cash | PrizeKind::Grant),
            address: needs.address || kind == PrizeKind::Voucher,
        })
    }

    /// Nothing to ask (the prizes are events only).
    pub fn nothing(self) -> bool {
        !self.bank && !self.address
    }
}

/// What the winner typed, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Typed {
    pub holder: String,
    pub iban: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
}

/// Checked payout details, as stored (encrypted) and exported.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// The account holder.
    #[serde(default)]
    pub holder: String,
    /// The IBAN in electronic form (`DE89370400440532013000`).
    #[serde(default)]
    pub iban: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub city: String,
}

impl std::fmt::Debug for Details {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Details")
            .field("iban", &mask(&self.iban))
            .finish_non_exhaustive()
    }
}

impl Details {
    /// The details as a winner sees them in the form again.
    pub fn typed(&self) -> Typed {
        Typed {
            holder: self.holder.clone(),
            iban: grouped(&self.iban),
            street: self.street.clone(),
            postcode: self.postcode.clone(),
            city: self.city.clone(),
        }
    }

    pub fn has_address(&self) -> bool {
        !self.street.is_empty() && !self.city.is_empty()
    }

    /// Whether they are what `needs` asks for.
    pub fn complete_for(&self, needs: Needs) -> bool {
        (!needs.bank || !self.iban.is_empty()) && (!needs.address || self.has_address())
    }
}

/// Why an IBAN is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IbanError {
    /// Not the length or letters and digits its country's IBANs have.
    Format,
    /// The check digits do not match: a digit is wrong or two are swapped.
    Checksum,
}

/// An IBAN as people type it (spaces, small letters) in its electronic form,
/// or why it is none.
pub fn parse_iban(typed: &str) -> Result<String, IbanError> {
    use iban::{Iban, IbanLike, ParseBaseIbanError, ParseIbanError};
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase();
    match compact.parse::<Iban>() {
        Ok(iban) => Ok(iban.electronic_str().to_owned()),
        Err(ParseIbanError::InvalidBaseIban {
            source: ParseBaseIbanError::InvalidChecksum,
        }) => Err(IbanError::Checksum),
        Err(_) => Err(IbanError::Format),
    }
}

/// An IBAN shown to staff: country, check digits and the last four digits
/// (`DE89 **** 3000`), nothing when there is none.
pub fn mask(iban: &str) -> String {
    if iban.len() < 8 {
        return String::new();
    }
    format!("{} **** {}", &iban[..4], &iban[iban.len() - 4..])
}

/// An IBAN in groups of four, as printed on bank cards.
pub fn grouped(iban: &str) -> String {
    iban.as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

const MAX_LINE: usize = 200;

/// The details, checked against what the prizes need; what is not needed is
/// not kept. Every problem at once, per field.
pub fn check(typed: &Typed, needs: Needs) -> Result<Details, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, de: &str, en: &str| {
        problems.push(FieldProblem {
            field: field.to_owned(),
            message: Localized::new(de, en),
        })
    };
    let line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut details = Details::default();
    if needs.bank {
        details.holder = line(&typed.holder);
        if details.holder.is_empty() {
            problem(
                "holder",
                "Bitte geben Sie an, wem das Konto gehört.",
                "Say whose account it is.",
            );
        } else if details.holder.chars().count() > MAX_LINE {
            problem(
                "holder",
                "Der Name ist zu lang (höchstens 200 Zeichen).",
                "The name is too long (at most 200 characters).",
            );
        }
        match parse_iban(&typed.iban) {
            Ok(iban) => details.iban = iban,
            Err(_) if typed.iban.trim().is_empty() => problem(
                "iban",
                "Bitte geben Sie die IBAN des Kontos an.",
                "Enter the account's IBAN.",
            ),
            Err(IbanError::Format) => problem(
                "iban",
                "Das ist keine gültige IBAN: Länge oder Aufbau passen nicht zum Land (z. B. DE und 20 Ziffern).",
                "This is not a valid IBAN: its length or layout does not fit its country (e.g. DE and 20 digits).",
            ),
            Err(IbanError::Checksum) => problem(
                "iban",
                "Die Prüfziffer der IBAN stimmt nicht: Bitte prüfen Sie jede Ziffer und ob eine fehlt (eine deutsche IBAN hat 22 Stellen).",
                "The IBAN's check digits do not match: check every digit and whether one is missing (a German IBAN has 22 characters).",
            ),
        }
    }
    if needs.address {
        details.street = line(&typed.street);
        details.postcode = line(&typed.postcode);
        details.city = line(&typed.city);
        if details.street.is_empty() {
            problem(
                "street",
                "Bitte geben Sie Straße und Hausnummer an.",
                "Enter the street and house number.",
            );
        }
        if details.postcode.is_empty()
            || details.postcode.len() > 10
            || !details
                .postcode
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            problem(
                "postcode",
                "Bitte geben Sie die Postleitzahl an (z. B. 07545).",
                "Enter the postcode (e.g. 07545).",
            );
        }
        if details.city.is_empty() {
            problem("city", "Bitte geben Sie den Ort an.", "Enter the town.");
        }
        for (field, text) in [("street", &details.street), ("city", &details.city)] {
            if text.chars().count() > MAX_LINE {
                problem(
                    field,
                    "Zu lang (höchstens 200 Zeichen).",
                    "Too long (at most 200 characters).",
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(details)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_needed_follows_the_prizes() {
        use PrizeKind::*;
        assert_eq!(
            Needs::of([Cash]),
            Needs {
                bank: true,
                address: false
            }
        );
        assert_eq!(
            Needs::of([Grant, Voucher]),
            Needs {
                bank: true,
                address: true
            }
        );
        assert!(Needs::of([Event]).nothing());
        assert!(Needs::of([]).nothing());
    }

    #[test]
    fn real_ibans_pass_in_any_spelling() {
        for (typed, electronic) in [
            ("DE89370400440532013000", "DE89370400440532013000"),
            ("de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
            ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
            ("AT61 1904 3002 3457 3201", "AT611904300234573201"),
            (
                "FR14 2004 1010 0505 0001 3M02 606",
                "FR1420041010050500013M02606",
            ),
        ] {
            assert_eq!(parse_iban(typed).as_deref(), Ok(electronic), "{typed}");
        }
    }

    /// `country` and `bban` with the check digits that make them pass mod 97.
    fn with_check_digits(country: &str, bban: &str) -> String {
        let digits: String = format!("{bban}{country}00")
            .chars()
            .map(|c| c.to_digit(36).unwrap().to_string())
            .collect();
        let rest = digits
            .bytes()
            .fold(0u32, |acc, d| (acc * 10 + u32::from(d - b'0')) % 97);
        format!("{country}{:02}{bban}", 98 - rest)
    }

    #[test]
    fn broken_ibans_say_what_is_wrong() {
        assert_eq!(
            with_check_digits("DE", "370400440532013000"),
            "DE89370400440532013000"
        );
        // One digit changed, two digits swapped, one left out: the check
        // digits catch them all.
        for bad in [
            "DE89370400440532013001",
            "DE89370400440523013000",
            "DE8937040044053201300",
        ] {
            assert_eq!(parse_iban(bad), Err(IbanError::Checksum), "{bad}");
        }
        // Check digits that match, but not Germany's layout (18 digits), and
        // no country at all.
        for bad in [
            with_check_digits("DE", "37040044053201300"),
            with_check_digits("DE", "3704004405320130001"),
            with_check_digits("DE", "ABCD00440532013000"),
            with_check_digits("XX", "370400440532013000"),
            "1234".to_owned(),
            String::new(),
        ] {
            assert_eq!(parse_iban(&bad), Err(IbanError::Format), "{bad}");
        }
    }

    #[test]
    fn staff_see_only_a_masked_iban() {
        assert_eq!(mask("DE89370400440532013000"), "DE89 **** 3000");
        assert_eq!(mask(""), "");
        assert_eq!(
            grouped("DE89370400440532013000"),
            "DE89 3704 0044 0532 0130 00"
        );
        let details = Details {
            iban: "DE89370400440532013000".into(),
            holder: "Geheim".into(),
            ..Default::default()
        };
        let debug = format!("{details:?}");
        assert!(
            !debug.contains("0532") && !debug.contains("Geheim"),
            "{debug}"
        );
    }

    #[test]
    fn only_what_is_needed_is_asked_for_and_kept() {
        let typed = Typed {
            holder: "  Förderverein   der Schule ".into(),
            iban: "DE89 3704 0044 0532 0130 00".into(),
            street: "Markt 1".into(),
            postcode: "07545".into(),
            city: "Gera".into(),
        };
        let bank = check(&typed, Needs::of([PrizeKind::Cash])).unwrap();
        assert_eq!(bank.holder, "Förderverein der Schule");
        assert_eq!(bank.iban, "DE89370400440532013000");
        assert!(bank.street.is_empty(), "no address kept for cash");
        assert!(bank.complete_for(Needs::of([PrizeKind::Cash])));
        let post = check(&typed, Needs::of([PrizeKind::Voucher])).unwrap();
        assert!(post.iban.is_empty() && post.has_address());
        let nothing = check(&Typed::default(), Needs::of([PrizeKind::Event])).unwrap();
        assert_eq!(nothing, Details::default());
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let typed = Typed {
            iban: "DE89370400440532013001".into(),
            ..Default::default()
        };
        let needs = Needs::of([PrizeKind::Cash, PrizeKind::Voucher]);
        let problems = check(&typed, needs).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["holder", "iban", "street", "postcode", "city"]);
        assert!(problems[1].message.de.contains("Prüfziffer"));
    }
}
