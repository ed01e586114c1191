//! Abuse limits per client address, in memory per instance, on the application's
//! clock (so tests can move time). Limits per email address, which must hold across
//! instances, are counted in the database by the services instead.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use ipnet::IpNet;
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

/// The client's address: the connection's peer, or, when the peer is one of
/// the `trusted` reverse proxies, the address that the proxies name in
/// `X-Forwarded-For` (see [`forwarded_client`]).
pub fn client_ip(req: &Request, trusted: &[IpNet]) -> IpAddr {
    let peer = req
        .remote_addr()
        .as_socket_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |addr| addr.ip());
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    forwarded_client(peer, &forwarded, trusted)
}

/// Who sent a request that reached us from `peer` with these
/// `X-Forwarded-For` values (in the order received): walking from the
/// nearest hop outwards, the first address that is not a trusted proxy.
/// Only trusted proxies are believed: a peer that is not one is the client,
/// whatever it wrote, and an unreadable hop ends the walk at the last
/// address believed (so a client cannot hide behind garbage).
pub fn forwarded_client(peer: IpAddr, forwarded: &[&str], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer;
    if !is_trusted(&client) {
        return client;
    }
    let hops = forwarded.iter().flat_map(|value| value.split(',')).rev();
    for hop in hops {
        let hop = hop.trim();
        let Some(ip) = hop
            .parse::<IpAddr>()
            .ok()
            .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
        else {
            return client;
        };
        client = ip;
        if !is_trusted(&client) {
            return client;
        }
    }
    client
}

/// The client's address as a keyed tag, for counting ballots per client
/// without keeping the address.
pub fn client_tag(secrets: &crate::services::secrets::SecretBox, client: IpAddr) -> String {
    secrets.tag("vote-client", client.to_string().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trusted_proxies_name_the_client() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let nets =
            |list: &[&str]| -> Vec<IpNet> { list.iter().map(|n| n.parse().unwrap()).collect() };
        let proxy = ip("10.0.0.5");
        let trusted = nets(&["10.0.0.0/8", "::1/128"]);
        // No proxy trusted: the peer, whatever the header says.
        assert_eq!(forwarded_client(proxy, &["203.0.113.7"], &[]), proxy);
        // An untrusted peer cannot claim another address.
        let stranger = ip("198.51.100.1");
        assert_eq!(
            forwarded_client(stranger, &["203.0.113.7"], &trusted),
            stranger
        );
        // Through the proxy: the address it names.
        assert_eq!(
            forwarded_client(proxy, &["203.0.113.7"], &trusted),
            ip("203.0.113.7")
        );
        // A client's own forged hops stay to the left of the one the proxy adds.
        assert_eq!(
            forwarded_client(proxy, &["1.2.3.4, 203.0.113.7"], &trusted),
            ip("203.0.113.7")
        );
        // Several trusted hops, over several headers, with ports and spaces.
        assert_eq!(
            forwarded_client(
                proxy,
                &["203.0.113.7:5100", " 10.1.1.1 ,10.2.2.2"],
                &trusted
            ),
            ip("203.0.113.7")
        );
        assert_eq!(
            forwarded_client(ip("::1"), &["[2001:db8::7]:443"], &trusted),
            ip("2001:db8::7")
        );
        // Garbage ends the walk at the last address believed.
        assert_eq!(
            forwarded_client(proxy, &["203.0.113.7, unknown, 10.2.2.2"], &trusted),
            ip("10.2.2.2")
        );
        // Only proxies: the farthest one.
        assert_eq!(
            forwarded_client(proxy, &["10.9.9.9"], &trusted),
            ip("10.9.9.9")
        );
        assert_eq!(forwarded_client(proxy, &[], &trusted), proxy);
    }

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
