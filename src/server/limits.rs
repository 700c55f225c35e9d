//! Overload protection: what the server refuses rather than queues.
//!
//! - **Load shedding**: at most `max_in_flight` searches/reverses and `max_batch_jobs` batch
//!   uploads run at once; one more gets an immediate 503 with `Retry-After` instead of waiting
//!   in an unbounded queue (a queue only turns overload into timeouts for everyone).
//! - **Per-client rate limit**: a token bucket per client IP (`rate_limit` requests per second,
//!   bursts of `rate_burst`); over it, 429 with `Retry-After`. Loopback clients are exempt by
//!   default (tests, a reverse proxy on the same host, local batch scripts).
//! - **Slow clients**: request headers must arrive within `header_timeout_secs` (enforced by the
//!   connection layer, `listener.rs`) and an upload may not fall silent for more than
//!   `body_timeout_secs` between two chunks (a slow but moving upload is fine).
//!
//! `/health` is exempt from all three so that a load balancer sees an overloaded server as
//! alive. The numbers are `serve` flags (and `ADRESSE_*` variables), see [`Limits`].

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use bytes::Bytes;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Serialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;

use super::error::json_response;

/// The operator's knobs (flags of `adresse serve`, each with an `ADRESSE_*` variable).
#[derive(Debug, Clone, clap::Args)]
pub struct Limits {
    /// Searches and reverses running at once; one more is answered 503 at once.
    #[arg(long, env = "ADRESSE_MAX_IN_FLIGHT", default_value_t = 256)]
    pub max_in_flight: usize,
    /// Batch uploads (/search/csv, /reverse/csv) running at once; one more is answered 503.
    #[arg(long, env = "ADRESSE_MAX_BATCH_JOBS", default_value_t = 4)]
    pub max_batch_jobs: usize,
    /// Requests per second allowed to one client IP (0: no rate limit); over it, 429.
    #[arg(long, env = "ADRESSE_RATE_LIMIT", default_value_t = 50)]
    pub rate_limit: u32,
    /// Requests one client IP may send in a burst above the steady rate.
    #[arg(long, env = "ADRESSE_RATE_BURST", default_value_t = 100)]
    pub rate_burst: u32,
    /// Rate-limit loopback clients too (by default they are exempt).
    #[arg(long, env = "ADRESSE_RATE_LIMIT_LOOPBACK")]
    pub rate_limit_loopback: bool,
    /// Open connections at most; further clients wait in the kernel's accept queue.
    #[arg(long, env = "ADRESSE_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Seconds a client has to send its request headers before the connection is closed.
    #[arg(long, env = "ADRESSE_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Seconds an upload may stall between two chunks of its body before it is abandoned.
    #[arg(long, env = "ADRESSE_BODY_TIMEOUT_SECS", default_value_t = 30)]
    pub body_timeout_secs: u64,
    /// On SIGTERM/Ctrl-C, seconds given to requests in flight before connections are closed.
    #[arg(long, env = "ADRESSE_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_in_flight: 256,
            max_batch_jobs: 4,
            rate_limit: 50,
            rate_burst: 100,
            rate_limit_loopback: false,
            max_connections: 4096,
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            shutdown_grace_secs: 30,
        }
    }
}

impl Limits {
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs.max(1))
    }

    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_secs.max(1))
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

/// Wraps the application in the limits: rate limit, load shedding, body stall timeout.
pub fn apply(router: Router, limits: &Limits) -> Router {
    let guard = Guard::new(limits);
    router.layer(axum::middleware::from_fn_with_state(guard, enforce))
}

/// The shared state of the limits: one semaphore per class of request, one token bucket per IP.
#[derive(Clone)]
struct Guard {
    lookups: Arc<Semaphore>,
    batches: Arc<Semaphore>,
    rate: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    rate_loopback: bool,
    body_timeout: Duration,
    /// Checks since the limiter last forgot idle clients.
    checks: Arc<AtomicU64>,
}

/// How often (in checks) the rate limiter forgets clients whose bucket is full again, so that
/// its memory follows the clients of the last seconds, not every address ever seen.
const FORGET_EVERY: u64 = 4096;

impl Guard {
    fn new(limits: &Limits) -> Guard {
        let rate = NonZeroU32::new(limits.rate_limit).map(|per_second| {
            let burst =
                NonZeroU32::new(limits.rate_burst.max(limits.rate_limit)).unwrap_or(per_second);
            Arc::new(RateLimiter::keyed(
                Quota::per_second(per_second).allow_burst(burst),
            ))
        });
        Guard {
            lookups: Arc::new(Semaphore::new(limits.max_in_flight.max(1))),
            batches: Arc::new(Semaphore::new(limits.max_batch_jobs.max(1))),
            rate,
            rate_loopback: limits.rate_limit_loopback,
            body_timeout: limits.body_timeout(),
            checks: Arc::new(AtomicU64::new(0)),
        }
    }

    /// `Err(wait)` when `client` has used up its bucket.
    fn check_rate(&self, client: IpAddr) -> Result<(), Duration> {
        let Some(limiter) = &self.rate else {
            return Ok(());
        };
        if client.is_loopback() && !self.rate_loopback {
            return Ok(());
        }
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            limiter.retain_recent();
        }
        limiter
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[derive(PartialEq)]
enum Class {
    Exempt,
    Lookup,
    Batch,
}

fn classify(path: &str) -> Class {
    let path = path.trim_end_matches('/');
    if path == "/health" {
        Class::Exempt
    } else if path.ends_with("/csv") {
        Class::Batch
    } else {
        Class::Lookup
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    title: &'a str,
    description: String,
}

async fn enforce(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let request = Request::from_parts(
        parts,
        Body::new(IdleTimeoutBody {
            inner: body,
            timeout: guard.body_timeout,
            sleep: None,
        }),
    );
    let class = classify(request.uri().path());
    if class == Class::Exempt {
        return next.run(request).await;
    }
    // Requests that came through `listener.rs` carry the peer address; in-process calls (tests)
    // carry none and are treated as local.
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(client) = client {
        if let Err(wait) = guard.check_rate(client) {
            let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
            return refusal(
                StatusCode::TOO_MANY_REQUESTS,
                seconds,
                "Too many requests",
                format!("This client sent more requests than the server allows per second; retry in {seconds} s."),
            );
        }
    }
    let semaphore = if class == Class::Batch {
        &guard.batches
    } else {
        &guard.lookups
    };
    let Ok(permit) = semaphore.clone().try_acquire_owned() else {
        let what = if class == Class::Batch {
            "batch files"
        } else {
            "requests"
        };
        return refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            1,
            "Server busy",
            format!("The server is already answering as many {what} as it can; retry in 1 s."),
        );
    };
    let response = next.run(request).await;
    // A batch answer streams after the handler has returned: the permit is released only when
    // the body is finished (or dropped by a client that went away).
    let (parts, body) = response.into_parts();
    Response::from_parts(
        parts,
        Body::new(PermitBody {
            inner: body,
            _permit: permit,
        }),
    )
}

fn refusal(status: StatusCode, retry_after: u64, title: &str, description: String) -> Response {
    let mut response = json_response(status, &ErrorBody { title, description });
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// A response body that holds a load-shedding permit until it is done.
struct PermitBody {
    inner: Body,
    _permit: OwnedSemaphorePermit,
}

impl HttpBody for PermitBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// A request body that fails when the client sends nothing for `timeout` while the server
/// waits for it.
///
/// The body is polled before the timer: a server that stopped reading for a while (its batch
/// job behind, the channel full) must not blame the client for the pause. When the body is
/// still empty after such a pause, the client did send nothing since the timer started: the
/// kernel would have kept its bytes.
struct IdleTimeoutBody {
    inner: Body,
    timeout: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl HttpBody for IdleTimeoutBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, axum::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            self.sleep = None;
            return Poll::Ready(frame);
        }
        let timeout = self.timeout;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the client sent nothing for {} s", timeout.as_secs()),
            ))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert!(classify("/health") == Class::Exempt);
        assert!(classify("/health/") == Class::Exempt);
        assert!(classify("/search/csv/") == Class::Batch);
        assert!(classify("/reverse/csv") == Class::Batch);
        assert!(classify("/search/") == Class::Lookup);
        assert!(classify("/anything") == Class::Lookup);
    }

    #[test]
    fn rate_limit_exempts_loopback_unless_asked() {
        let limits = Limits {
            rate_limit: 1,
            rate_burst: 1,
            ..Limits::default()
        };
        let guard = Guard::new(&limits);
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let remote: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..10 {
            assert!(guard.check_rate(local).is_ok());
        }
        assert!(guard.check_rate(remote).is_ok());
        let wait = guard.check_rate(remote).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1));
        let strict = Guard::new(&Limits {
            rate_limit_loopback: true,
            ..limits
        });
        assert!(strict.check_rate(local).is_ok());
        assert!(strict.check_rate(local).is_err());
    }

    #[test]
    fn zero_rate_means_no_limit() {
        let guard = Guard::new(&Limits {
            rate_limit: 0,
            ..Limits::default()
        });
        let remote: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..1000 {
            assert!(guard.check_rate(remote).is_ok());
        }
    }
}
