//! Who someone is to the system. Permissions are checked on the server for every
//! operation; this is the one list of roles.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`; use admin, coordinator, juror or entrant")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

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
