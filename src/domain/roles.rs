//! Who someone is to the system. Permissions are checked on the server for every
//! operation; this is the one list of roles.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// City staff: everything.
    Admin,
    /// Staff who manage given competitions.
    Coordinator,
    /// Scores the competitions of their panel.
    Juror,
    /// Submits ideas; sees only their own entries and account.
    Entrant,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Coordinator, Role::Juror, Role::Entrant];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Juror => "juror",
            Role::Entrant => "entrant",
        }
    }

    /// Staff and jurors may be invited by administrators; entrants sign up themselves.
    pub fn is_invited(self) -> bool {
        !matches!(self, Role::Entrant)
    }
}

named_values!(Role, "role");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_ones_are_refused() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("superuser".parse::<Role>().is_err());
        assert!(!Role::Entrant.is_invited() && Role::Juror.is_invited());
    }
}
