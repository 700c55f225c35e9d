//! Citizens' problem reports ("signalements"): anyone may report a missing, misplaced or
//! wrongly named address at a point, without a token; the commune lists them and closes them.
//! Reports never change what is served. Submissions are limited in size and, per client IP, in
//! rate by an in-process token bucket.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use serde::Deserialize;

/// Kinds of problems a citizen can report.
pub const KINDS: [&str; 3] = ["missing", "misplaced", "wrong_name"];

/// Longest accepted message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// Largest accepted request body, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub commune: String,
    pub kind: String,
    pub lon: f64,
    pub lat: f64,
    #[serde(default)]
    pub message: String,
}

impl NewReport {
    /// What is wrong with a submission, in words for the person who sent it.
    pub fn problem(&self, bbox: Option<[f64; 4]>) -> Option<String> {
        if !KINDS.contains(&self.kind.as_str()) {
            return Some(format!("\"kind\" must be one of {}.", KINDS.join(", ")));
        }
        if !(self.lon.is_finite() && self.lat.is_finite()) {
            return Some("\"lon\" and \"lat\" must be numbers.".into());
        }
        let Some(b) = bbox else {
            return Some(format!(
                "\"commune\" {:?} is not a known INSEE code.",
                self.commune
            ));
        };
        // Same tolerance as BAL validation: reference boxes are rounded to 0.001°.
        let m = 0.002;
        if self.lon < b[0] - m || self.lon > b[2] + m || self.lat < b[1] - m || self.lat > b[3] + m
        {
            return Some(format!(
                "The point {}, {} is not in commune {}.",
                self.lon, self.lat, self.commune
            ));
        }
        if self.message.chars().count() > MAX_MESSAGE_CHARS {
            return Some(format!(
                "\"message\" is limited to {MAX_MESSAGE_CHARS} characters."
            ));
        }
        None
    }
}

/// Rate limit of report submissions: each client IP may send `burst` reports at once, then one
/// every `60 / per_minute` seconds.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub per_minute: f64,
    pub burst: f64,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_minute: 6.0,
            burst: 10.0,
        }
    }
}

impl RateLimit {
    /// `ADRESSE_REPORTS_PER_MINUTE` and `ADRESSE_REPORTS_BURST`, else the defaults.
    pub fn from_env() -> RateLimit {
        let read = |name: &str, default: f64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v > 0.0)
                .unwrap_or(default)
        };
        let d = RateLimit::default();
        RateLimit {
            per_minute: read("ADRESSE_REPORTS_PER_MINUTE", d.per_minute),
            burst: read("ADRESSE_REPORTS_BURST", d.burst),
        }
    }
}

/// Token buckets by client IP.
pub struct Limiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<Option<IpAddr>, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Limiter {
        Limiter {
            limit,
            buckets: Mutex::default(),
        }
    }

    /// Takes one token for `client`; false when its bucket is empty.
    pub fn allow(&self, client: Option<IpAddr>) -> bool {
        self.allow_at(client, Instant::now())
    }

    fn allow_at(&self, client: Option<IpAddr>, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        // Forget clients whose bucket is full again, so the map stays small.
        if buckets.len() > 10_000 {
            let full_after = self.limit.burst / self.limit.per_minute * 60.0;
            buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs_f64() < full_after);
        }
        let (tokens, at) = buckets.entry(client).or_insert((self.limit.burst, now));
        let refill = now.duration_since(*at).as_secs_f64() * self.limit.per_minute / 60.0;
        *tokens = (*tokens + refill).min(self.limit.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_allows_a_burst_then_refills_per_client() {
        let limiter = Limiter::new(RateLimit {
            per_minute: 60.0,
            burst: 3.0,
        });
        let a = Some("10.0.0.1".parse().unwrap());
        let b = Some("10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.allow_at(a, t0)));
        assert!(!limiter.allow_at(a, t0));
        assert!(limiter.allow_at(b, t0));
        // One token per second at 60 a minute.
        assert!(limiter.allow_at(a, t0 + Duration::from_millis(1100)));
        assert!(!limiter.allow_at(a, t0 + Duration::from_millis(1200)));
    }
}
