//! Per-client rate limits (posting receipts, signing in): one token bucket per client, in memory.
//! The client is the one [`crate::proxy`] decided (an IPv6 client by its /64). The address is used
//! only to pick a bucket; it is never written to the database or logged, and a bucket is
//! forgotten once it has refilled.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::proxy::Client;
use crate::{api, Shared};

/// Buckets kept before full (idle) ones are dropped; bounds the memory a flood of addresses uses.
const PRUNE_AT: usize = 4096;

/// Token buckets keyed by client address: `rate` tokens a second, holding at most `burst`.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// `per_second` requests a second per address, in bursts of up to twice that; `None` for 0
    /// (no limit).
    pub fn per_second(per_second: u32) -> Option<Self> {
        (per_second > 0).then(|| Self::new(f64::from(per_second), 2.0 * f64::from(per_second)))
    }

    /// `rate` tokens a second (may be a fraction), holding at most `burst`.
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from `client`'s bucket at time `now`. When the bucket is empty, the error
    /// is how long until a token is back.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        // Every update is a few arithmetic steps, so a poisoned map is still consistent.
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= PRUNE_AT {
            buckets.retain(|_, bucket| self.refilled(*bucket, now) < self.burst);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let tokens = self.refilled(*bucket, now);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                updated: now,
            };
            Ok(())
        } else {
            *bucket = Bucket {
                tokens,
                updated: now,
            };
            Err(Duration::from_secs_f64((1.0 - tokens) / self.rate))
        }
    }

    /// How many addresses currently have a bucket.
    pub fn tracked(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        (bucket.tokens + elapsed * self.rate).min(self.burst)
    }
}

/// Middleware for `POST /api/consent`: a 429 JSON error with `Retry-After` (whole seconds, at
/// least 1) once the client's bucket is empty. Without connection info (in-process tests) every
/// request shares one bucket.
pub async fn enforce(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let Some(limiter) = &state.limiter else {
        return next.run(request).await;
    };
    match limiter.check(client_bucket(&request), Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let mut response = api::error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate limit: too many receipts from this address, retry later",
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_seconds(wait)),
            );
            response
        }
    }
}

/// The bucket of the request's client ([`crate::proxy::identify`] put it there).
pub fn client_bucket(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<Client>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), Client::bucket)
}

/// Seconds to put in `Retry-After` for a wait: whole seconds, at least 1.
pub fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn a_burst_of_twice_the_rate_passes_and_the_next_request_waits_for_one_token() {
        let limiter = RateLimiter::per_second(10).expect("a limit");
        let start = Instant::now();
        for _ in 0..20 {
            assert_eq!(limiter.check(CLIENT, start), Ok(()));
        }
        let wait = limiter
            .check(CLIENT, start)
            .expect_err("the bucket is empty");
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        assert_eq!(
            limiter.check(OTHER, start),
            Ok(()),
            "another client has its own bucket"
        );
        assert_eq!(
            limiter.check(CLIENT, start + Duration::from_millis(100)),
            Ok(())
        );
    }

    #[test]
    fn the_default_limit_allows_a_burst_of_sixty_receipts_per_client() {
        let limiter =
            RateLimiter::per_second(crate::cli::DEFAULT_RATE_LIMIT).expect("a default limit");
        let start = Instant::now();
        for _ in 0..60 {
            assert_eq!(limiter.check(CLIENT, start), Ok(()));
        }
        assert!(limiter.check(CLIENT, start).is_err());
    }

    #[test]
    fn a_rate_of_zero_turns_the_limit_off() {
        assert!(RateLimiter::per_second(0).is_none());
    }

    #[test]
    fn buckets_of_idle_clients_are_forgotten_when_many_addresses_are_tracked() {
        let limiter = RateLimiter::per_second(1).expect("a limit");
        let start = Instant::now();
        for n in 0..PRUNE_AT {
            let ip = IpAddr::V6(std::net::Ipv6Addr::from(n as u128));
            assert_eq!(limiter.check(ip, start), Ok(()));
        }
        assert_eq!(limiter.tracked(), PRUNE_AT);
        assert_eq!(
            limiter.check(CLIENT, start + Duration::from_secs(2)),
            Ok(())
        );
        assert_eq!(limiter.tracked(), 1);
    }
}
