//! Money as integer euro cents; never floats.

use std::fmt;

/// An amount of euro cents, never negative, never absurd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// The largest amount we accept: 100 million euro, far above any prize budget.
pub const MAX_CENTS: i64 = 10_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("an amount cannot be negative (got {0} cents)")]
    Negative(i64),
    #[error("an amount above 100,000,000 EUR is not plausible (got {0} cents)")]
    TooLarge(i64),
    #[error("`{0}` is not an amount in euros, e.g. 6.750 or 6750,50")]
    Malformed(String),
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_cents(cents: i64) -> Result<Self, MoneyError> {
        if cents < 0 {
            Err(MoneyError::Negative(cents))
        } else if cents > MAX_CENTS {
            Err(MoneyError::TooLarge(cents))
        } else {
            Ok(Money(cents))
        }
    }

    pub fn from_euros(euros: i64) -> Result<Self, MoneyError> {
        Self::from_cents(euros.saturating_mul(100))
    }

    /// An amount as people type it into a form, German first: `6.750`,
    /// `6750`, `6.750,50 €`, `6750,5`; also `6750.50`. A point followed by exactly
    /// three digits separates thousands; a comma (or another point) the cents.
    pub fn parse_euros(text: &str) -> Result<Self, MoneyError> {
        let malformed = || MoneyError::Malformed(text.trim().to_owned());
        let cleaned: String = text
            .trim()
            .trim_end_matches('€')
            .trim_end_matches("EUR")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if cleaned.starts_with('-') {
            return Err(MoneyError::Negative(0));
        }
        let (whole, fraction) = match cleaned.rsplit_once(',') {
            Some((whole, fraction)) => (whole.replace('.', ""), fraction.to_owned()),
            None => match cleaned.rsplit_once('.') {
                Some((whole, last)) if last.len() == 3 => {
                    (format!("{}{last}", whole.replace('.', "")), String::new())
                }
                Some((whole, fraction)) => (whole.to_owned(), fraction.to_owned()),
                None => (cleaned.clone(), String::new()),
            },
        };
        if whole.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || fraction.len() > 2
            || !fraction.chars().all(|c| c.is_ascii_digit())
        {
            return Err(malformed());
        }
        let euros: i64 = whole.parse().map_err(|_| malformed())?;
        let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| malformed())?;
        Self::from_cents(euros.checked_mul(100).ok_or_else(malformed)? + cents)
    }

    /// The amount as the form shows it again: `6750` or `6750,50`.
    pub fn form_value(self) -> String {
        if self.0 % 100 == 0 {
            (self.0 / 100).to_string()
        } else {
            format!("{},{:02}", self.0 / 100, self.0 % 100)
        }
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// Sum that stays an amount; `None` when it would exceed [`MAX_CENTS`].
    pub fn checked_add(self, other: Money) -> Option<Money> {
        Money::from_cents(self.0.checked_add(other.0)?).ok()
    }

    /// German notation: `6.750 €`, `12,50 €`.
    pub fn format_de(self) -> String {
        self.format('.', ',', |amount| format!("{amount} €"))
    }

    /// English notation: `€6,750`, `€12.50`.
    pub fn format_en(self) -> String {
        self.format(',', '.', |amount| format!("€{amount}"))
    }

    fn format(self, group: char, decimal: char, wrap: impl Fn(String) -> String) -> String {
        let euros = (self.0 / 100).to_string();
        let mut grouped = String::new();
        for (i, digit) in euros.chars().enumerate() {
            if i > 0 && (euros.len() - i).is_multiple_of(3) {
                grouped.push(group);
            }
            grouped.push(digit);
        }
        let cents = self.0 % 100;
        if cents != 0 {
            grouped.push(decimal);
            grouped.push_str(&format!("{cents:02}"));
        }
        wrap(grouped)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} EUR", self.format_en().trim_start_matches('€'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_plausible_amounts() {
        assert_eq!(Money::from_cents(-1), Err(MoneyError::Negative(-1)));
        assert_eq!(
            Money::from_cents(MAX_CENTS + 1),
            Err(MoneyError::TooLarge(MAX_CENTS + 1))
        );
        assert_eq!(Money::from_euros(6_750).map(Money::cents), Ok(675_000));
        assert!(Money::from_euros(i64::MAX).is_err());
    }

    #[test]
    fn formats_in_german_and_english() {
        let cases = [
            (0, "0 €", "€0"),
            (25_000, "250 €", "€250"),
            (675_000, "6.750 €", "€6,750"),
            (8_100_000, "81.000 €", "€81,000"),
            (1_250, "12,50 €", "€12.50"),
            (123_456_789, "1.234.567,89 €", "€1,234,567.89"),
        ];
        for (cents, de, en) in cases {
            let money = Money::from_cents(cents).unwrap();
            assert_eq!(
                (money.format_de().as_str(), money.format_en().as_str()),
                (de, en)
            );
        }
    }

    #[test]
    fn adding_never_leaves_the_plausible_range() {
        let max = Money::from_cents(MAX_CENTS).unwrap();
        assert_eq!(max.checked_add(Money::from_cents(1).unwrap()), None);
        assert_eq!(Money::ZERO.checked_add(max), Some(max));
    }

    #[test]
    fn amounts_are_read_as_people_type_them() {
        let cents = |text: &str| Money::parse_euros(text).map(Money::cents);
        assert_eq!(cents("6750"), Ok(675_000));
        assert_eq!(cents("6.750"), Ok(675_000));
        assert_eq!(cents("80.000 €"), Ok(8_000_000));
        assert_eq!(cents("1.250.000"), Ok(125_000_000));
        assert_eq!(cents("6.750,50"), Ok(675_050));
        assert_eq!(cents("6750,5"), Ok(675_050));
        assert_eq!(cents("6750.50"), Ok(675_050));
        assert_eq!(cents(" 500 EUR"), Ok(50_000));
        for bad in ["", "abc", "6,7,5", "1,234", "-5", "6.75.0,1x"] {
            assert!(Money::parse_euros(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Money::from_cents(675_050).unwrap().form_value(), "6750,50");
        assert_eq!(Money::from_cents(675_000).unwrap().form_value(), "6750");
    }
}
