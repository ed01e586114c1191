//! iCalendar (RFC 5545) output for the programme's calendar: text values
//! escaped, lines folded at 75 octets without splitting a character, CRLF
//! line ends.

use chrono::{DateTime, Utc};

/// An iCalendar document being written, property by property.
pub struct Calendar {
    out: String,
}

/// One event of the calendar.
pub struct Event<'a> {
    pub uid: &'a str,
    pub stamp: DateTime<Utc>,
    pub starts: DateTime<Utc>,
    /// None: the event is a moment (it ends when it starts).
    pub ends: Option<DateTime<Utc>>,
    pub summary: &'a str,
    pub description: &'a str,
    pub url: &'a str,
    pub cancelled: bool,
}

impl Calendar {
    /// A published calendar named `name`.
    pub fn new(name: &str) -> Self {
        let mut calendar = Self { out: String::new() };
        calendar.line("BEGIN", "VCALENDAR");
        calendar.line("VERSION", "2.0");
        calendar.line("PRODID", "-//Ideenwettbewerb//Termine//DE");
        calendar.line("CALSCALE", "GREGORIAN");
        calendar.line("METHOD", "PUBLISH");
        calendar.text("X-WR-CALNAME", name);
        calendar.line("X-WR-TIMEZONE", "Europe/Berlin");
        calendar
    }

    pub fn event(&mut self, event: &Event<'_>) {
        self.line("BEGIN", "VEVENT");
        self.text("UID", event.uid);
        self.line("DTSTAMP", &stamp(event.stamp));
        self.line("DTSTART", &stamp(event.starts));
        if let Some(ends) = event.ends {
            self.line("DTEND", &stamp(ends));
        }
        self.text("SUMMARY", event.summary);
        self.text("DESCRIPTION", event.description);
        self.line("URL", event.url);
        self.line("TRANSP", "TRANSPARENT");
        if event.cancelled {
            self.line("STATUS", "CANCELLED");
        }
        self.line("END", "VEVENT");
    }

    pub fn finish(mut self) -> String {
        self.line("END", "VCALENDAR");
        self.out
    }

    /// A property whose value is text (escaped).
    fn text(&mut self, name: &str, value: &str) {
        self.line(name, &escape(value));
    }

    /// A property as given, folded.
    fn line(&mut self, name: &str, value: &str) {
        fold(&format!("{name}:{value}"), &mut self.out);
    }
}

/// A moment in UTC, as iCalendar writes it (`20201001T100000Z`).
fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value: backslash, semicolon and comma escaped, line breaks as `\n`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded into pieces of at most 75 octets (continuations
/// begin with a space, which counts), each ended by CRLF.
fn fold(line: &str, out: &mut String) {
    let mut used = 0;
    for c in line.chars() {
        let width = c.len_utf8();
        if used + width > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += width;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("Ideen; für Gera, bitte\\danke\r\nZeile 2\nZeile 3"),
            "Ideen\\; für Gera\\, bitte\\\\danke\\nZeile 2\\nZeile 3"
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        let summary =
            "Einsendeschluss: Schulklassen – smarte Projekte für Gera ".repeat(4) + "äöüß€";
        fold(&format!("SUMMARY:{summary}"), &mut out);
        assert!(out.ends_with("\r\n"));
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.len() > 1);
        for (i, line) in lines.iter().enumerate() {
            assert!(line.len() <= 75, "{line:?} has {} octets", line.len());
            assert_eq!(i > 0, line.starts_with(' '), "{line:?}");
        }
        let unfolded: String = lines
            .iter()
            .enumerate()
            .map(|(i, l)| if i == 0 { *l } else { &l[1..] })
            .collect();
        assert_eq!(unfolded, format!("SUMMARY:{summary}"));
    }

    #[test]
    fn a_calendar_has_its_frame_and_events() {
        let at = Utc.with_ymd_and_hms(2020, 10, 1, 8, 0, 0).unwrap();
        let mut calendar = Calendar::new("Termine");
        calendar.event(&Event {
            uid: "competition-1-deadline@example.org",
            stamp: at,
            starts: at,
            ends: None,
            summary: "Einsendeschluss",
            description: "Bis dahin, bitte.",
            url: "https://example.org/wettbewerbe/x",
            cancelled: true,
        });
        let text = calendar.finish();
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(text.contains("DTSTART:20201001T080000Z\r\n"));
        assert!(text.contains("STATUS:CANCELLED\r\n"));
        assert!(!text.contains("DTEND"));
        assert!(!text.replace("\r\n", "").contains('\n'));
    }
}
