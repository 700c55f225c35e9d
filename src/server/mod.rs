//! HTTP: the api-adresse contract over the [`Geocoder`]. Handlers only translate HTTP (parse
//! parameters, call the geocoder off the async runtime, write JSON); the logic is elsewhere.

mod batch;
pub mod corrections;
mod error;
mod health;
mod limits;
mod listener;
pub mod metrics;
pub mod openapi;
mod openapi_corrections;
mod params;
mod response;
mod search_pool;
pub mod web;

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRef, RawQuery, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::{Any, CorsLayer};
use tower_http::timeout::TimeoutLayer;

use crate::Geocoder;

use error::json_response;
pub use error::ApiError;
pub use limits::Limits;
use params::RawParams;
use response::Echo;

/// Longest time a search or reverse request may take before the server gives up on it (batch
/// uploads are exempt: they last as long as the file).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Default largest batch upload: 4 GiB.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 4 << 30;

/// What an operator may tune.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest accepted batch upload, in bytes (413 above).
    pub max_upload_bytes: u64,
    /// Load shedding, rate limits, slow-client and shutdown deadlines.
    pub limits: Limits,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            limits: Limits::default(),
        }
    }
}

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub geocoder: Geocoder,
    pub config: std::sync::Arc<ServerConfig>,
}

impl FromRef<AppState> for Geocoder {
    fn from_ref(state: &AppState) -> Geocoder {
        state.geocoder.clone()
    }
}

/// The application with the default configuration, ready to serve or to test in-process.
pub fn app(geocoder: Geocoder) -> Router {
    app_with(geocoder, ServerConfig::default())
}

pub fn app_with(geocoder: Geocoder, config: ServerConfig) -> Router {
    app_with_routes(geocoder, config, Router::new())
}

/// The API's router with `extra` routes (the corrections) served beside it, behind the same
/// limits, metrics, request log and CORS.
pub fn app_with_routes(geocoder: Geocoder, config: ServerConfig, extra: Router) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(Any);
    let body_limit = usize::try_from(config.max_upload_bytes).unwrap_or(usize::MAX);
    let limits = config.limits.clone();
    let state = AppState {
        geocoder,
        config: std::sync::Arc::new(config),
    };
    let lookups = Router::new()
        .route("/search", get(search))
        .route("/search/", get(search))
        .route("/reverse", get(reverse))
        .route("/reverse/", get(reverse))
        .route("/health", get(health::health))
        .route("/health/", get(health::health))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ));
    let batches = Router::new()
        .route("/search/csv", post(batch::search_csv))
        .route("/search/csv/", post(batch::search_csv))
        .route("/reverse/csv", post(batch::reverse_csv))
        .route("/reverse/csv/", post(batch::reverse_csv))
        .layer(DefaultBodyLimit::max(body_limit));
    let app = lookups
        .merge(batches)
        .merge(
            web::routes()
                .merge(openapi::routes())
                .merge(metrics::routes()),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .merge(extra);
    // Metrics outside the limits, so that shed and rate-limited requests are counted too.
    limits::apply(app, &limits)
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(cors)
}

/// Serves until Ctrl-C or SIGTERM, letting requests in flight finish (within the grace period).
pub async fn serve(
    geocoder: Geocoder,
    addr: SocketAddr,
    config: ServerConfig,
) -> std::io::Result<()> {
    let limits = config.limits.clone();
    serve_app(app_with(geocoder, config), addr, &limits).await
}

/// Serves `app` (with the client's address known to handlers, see `listener.rs`) until Ctrl-C
/// or SIGTERM, letting requests in flight finish within the grace period of `limits`.
pub async fn serve_app(app: Router, addr: SocketAddr, limits: &Limits) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    listener::run(listener, app, limits, shutdown_signal()).await
}

/// Serves on a bound listener until `shutdown` completes (see `listener.rs` for the draining).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    geocoder: Geocoder,
    config: ServerConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let limits = config.limits.clone();
    listener::run(listener, app_with(geocoder, config), &limits, shutdown).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

async fn search(
    State(geocoder): State<Geocoder>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = params::search_params(&RawParams::parse(query.as_deref()))?;
    let request = params.request;
    // One snapshot for the search and its results, whatever is published meanwhile.
    let snapshot = geocoder.snapshot();
    let hits = if params.too_short {
        Vec::new()
    } else {
        let (snapshot, request) = (snapshot.clone(), request.clone());
        search_pool::run(move || crate::search::search(&snapshot, &request))
            .await
            .ok_or_else(|| ApiError::Internal("the search failed".into()))?
            .map_err(|e| ApiError::Internal(e.to_string()))?
    };
    metrics::lookup_answered(metrics::Lookup::Search, !hits.is_empty());
    let echo = Echo {
        query: Some(&request.q),
        filters: &request.filters,
        center: request.near,
        limit: request.limit,
    };
    Ok(json_response(
        StatusCode::OK,
        &response::collection(&snapshot, &hits, echo),
    ))
}

async fn reverse(
    State(geocoder): State<Geocoder>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let request = params::reverse_params(&RawParams::parse(query.as_deref()))?;
    let snapshot = geocoder.snapshot();
    // A few microseconds: cheaper on this thread than any hand-off to another.
    let hits = crate::reverse::reverse(&snapshot, &request);
    metrics::lookup_answered(metrics::Lookup::Reverse, !hits.is_empty());
    let echo = Echo {
        query: None,
        filters: &request.filters,
        center: None,
        limit: request.limit,
    };
    Ok(json_response(
        StatusCode::OK,
        &response::collection(&snapshot, &hits, echo),
    ))
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!(
        "No resource at {}. See /search/, /reverse/, /search/csv/, /reverse/csv/, /health and /openapi.json.",
        uri.path()
    ))
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
