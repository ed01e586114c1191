//! An email address, parsed once where it enters the system.

use std::fmt;

use validator::ValidateEmail;

/// A syntactically valid email address: trimmed and lower-cased, at most 254
/// characters, and free of anything that could break a mail header.
///
/// The whole address is lower-cased, not only the domain: RFC 5321 lets the part
/// before the `@` be case-sensitive, but no mail provider treats it so, and
/// `Anna@…` and `anna@…` as two accounts would split one person's ideas.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

/// The text is not an email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("enter an email address like name@example.de")]
pub struct InvalidEmail;

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let email = raw.trim().to_lowercase();
        if email.len() > 254
            || email.contains(['\r', '\n', '<', '>', ',', ' '])
            || !email.validate_email()
        {
            return Err(InvalidEmail);
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        let email = EmailAddress::parse("  Oma.Erna@Example.DE \n").unwrap();
        assert_eq!(email.as_str(), "oma.erna@example.de");
        assert_eq!(email.domain(), "example.de");
    }

    #[test]
    fn what_is_no_address_is_refused() {
        for raw in [
            "",
            "no address",
            "anna@",
            "@example.de",
            "anna@example.de\r\nBcc: x@y.de",
            "Anna <anna@example.de>",
            "a@b.de,c@d.de",
            &format!("{}@example.de", "a".repeat(250)),
        ] {
            assert_eq!(EmailAddress::parse(raw), Err(InvalidEmail), "{raw:?}");
        }
    }
}
