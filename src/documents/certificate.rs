//! A winner's certificate (Urkunde) as a PDF to print: the programme and the
//! competition, the idea with its Kennzahl, whom the entry form lets the city
//! name in public (never children's names), the prizes, the day of the
//! announcement, and a line for the signature.

use super::{DocumentError, Writer};

/// Everything a certificate says (German).
#[derive(Debug, Clone)]
pub struct Certificate {
    pub programme: String,
    pub competition: String,
    pub title: String,
    pub kennzahl: String,
    /// The public credit (school and class, company …), if the form has one.
    pub credit: Option<String>,
    /// Each prize as it reads ("1. Preis: Klassenfahrt, 1.000,00 €").
    pub prizes: Vec<String>,
    /// The day of the announcement ("15.02.2021").
    pub day: String,
    /// Where it is signed ("Gera"), if the site's address says.
    pub place: Option<String>,
}

/// The certificate as a tagged PDF.
pub fn pdf(c: &Certificate) -> Result<Vec<u8>, DocumentError> {
    let mut w = Writer::new(&format!("Urkunde – {}", c.title))?;
    w.paragraph(&c.programme);
    w.space(24.0);
    w.heading(1, "Urkunde");
    w.space(12.0);
    w.paragraph(&format!(
        "Im Ideenwettbewerb „{}“ wird die Idee",
        c.competition
    ));
    w.space(8.0);
    w.heading(2, &format!("„{}“", c.title));
    w.paragraph(&format!("Kennzahl {}", c.kennzahl));
    if let Some(credit) = &c.credit {
        w.space(8.0);
        w.paragraph(&format!("eingereicht von {credit}"));
    }
    w.space(8.0);
    w.paragraph("ausgezeichnet mit:");
    for prize in &c.prizes {
        w.paragraph(prize);
    }
    w.space(24.0);
    w.paragraph("Herzlichen Glückwunsch und vielen Dank für Ihre Idee!");
    w.space(48.0);
    w.paragraph(&match &c.place {
        Some(place) => format!("{place}, den {}", c.day),
        None => format!("Am {}", c.day),
    });
    w.space(48.0);
    w.paragraph("______________________________");
    w.paragraph("Unterschrift");
    w.finish()
}

/// A prize tier as the certificate names it.
pub fn tier_de(tier: crate::domain::prizes::Tier) -> &'static str {
    use crate::domain::prizes::Tier;
    match tier {
        Tier::First => "1. Preis",
        Tier::Second => "2. Preis",
        Tier::Third => "3. Preis",
        Tier::Honourable => "Anerkennung",
        Tier::Special => "Sonderpreis",
    }
}
