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
}
