//! Abuse limits per client address, in memory per instance, on the application's
//! clock (so tests can move time). Limits per email address, which must hold across
//! instances, are counted in the database by the services instead.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use poem::Request;

/// A named limit: at most `limit` requests per `window` per client address.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub limit: u32,
    pub window_seconds: i64,
}

/// Asking for sign-in links.
pub const SIGN_IN: Limit = Limit {
    name: "sign-in",
    limit: 10,
    window_seconds: 3600,
};
/// Password attempts.
pub const PASSWORD: Limit = Limit {
    name: "password",
    limit: 10,
    window_seconds: 900,
};
/// Public forms and public writes (subscriptions).
pub const PUBLIC_FORM: Limit = Limit {
    name: "public-form",
    limit: 30,
    window_seconds: 600,
};

/// Ballots in public votes, per client address: generous, since a school
/// class votes through one shared connection (which staff see as a signal),
/// yet a script cannot send confirmation links to thousands of addresses.
pub const BALLOTS: Limit = Limit {
    name: "ballots",
    limit: 120,
    window_seconds: 600,
};

/// Per (limit, client): when the current window began and how many requests it saw.
type Windows = HashMap<(&'static str, IpAddr), (DateTime<Utc>, u32)>;

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<Windows>,
}

impl RateLimiter {
    /// Counts a request; `Err(seconds)` tells how long to wait when over the limit.
    pub fn check(&self, limit: Limit, client: IpAddr, now: DateTime<Utc>) -> Result<(), i64> {
        let window = Duration::seconds(limit.window_seconds);
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() > 50_000 {
            windows.retain(|_, (start, _)| *start + window > now);
        }
        let entry = windows.entry((limit.name, client)).or_insert((now, 0));
        if entry.0 + window <= now {
            *entry = (now, 0);
        }
        if entry.1 >= limit.limit {
            return Err((entry.0 + window - now).num_seconds().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// The client's address (the peer of the connection).
pub fn client_ip(req: &Request) -> IpAddr {
    req.remote_addr()
        .as_socket_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |addr| addr.ip())
}

/// The client's address as a keyed tag, for counting ballots per client
/// without keeping the address.
pub fn client_tag(secrets: &crate::services::secrets::SecretBox, req: &Request) -> String {
    secrets.tag("vote-client", client_ip(req).to_string().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_client_and_window() {
        let limiter = RateLimiter::default();
        let limit = Limit {
            name: "t",
            limit: 2,
            window_seconds: 60,
        };
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let now = Utc::now();
        assert!(limiter.check(limit, a, now).is_ok());
        assert!(limiter.check(limit, a, now).is_ok());
        assert_eq!(
            limiter.check(limit, a, now + Duration::seconds(15)),
            Err(45)
        );
        assert!(
            limiter.check(limit, b, now).is_ok(),
            "another client has its own count"
        );
        assert!(
            limiter.check(limit, a, now + Duration::seconds(60)).is_ok(),
            "a new window"
        );
    }
}
