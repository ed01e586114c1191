//! Where an email stands on its way out.

/// The delivery state of one email in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Claimed by a worker that is sending it.
    Sending,
    /// Accepted by the mail server (or written as a file).
    Sent,
    /// Given up on; an administrator may retry it.
    Failed,
}

impl EmailStatus {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Sending, Self::Sent, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
}

named_values!(EmailStatus, "email status");

/// How a sent email left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveredVia {
    /// Handed to the mail server, which answered "OK".
    Smtp,
    /// Written as an `.eml` file: no mail server is configured.
    File,
}

impl DeliveredVia {
    pub const ALL: [Self; 2] = [Self::Smtp, Self::File];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Smtp => "smtp",
            Self::File => "file",
        }
    }
}

named_values!(DeliveredVia, "delivery");

#[cfg(test)]
mod tests {
    use super::EmailStatus;

    #[test]
    fn states_round_trip_and_unknown_ones_are_refused() {
        for status in EmailStatus::ALL {
            assert_eq!(status.as_str().parse::<EmailStatus>(), Ok(status));
        }
        let err = "lost".parse::<EmailStatus>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown email status `lost`; use one of: pending, sending, sent, failed"
        );
    }
}
