//! HTTP routes of municipality corrections: revisions (BAL upload or JSON edits), publication,
//! history, files, rollback, audit log, and citizens' reports. Every route but `POST
//! /signalements` needs `Authorization: Token …` scoped to the commune. Handlers translate
//! HTTP only; the logic is in [`crate::corrections`].

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Path, Query, State,
};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use tower_http::cors::{Any, CorsLayer};

use super::error::json_response;
use crate::corrections::edits::EditRequest;
use crate::corrections::reports::{Limiter, NewReport, RateLimit, MAX_BODY_BYTES};
use crate::corrections::store::{Actor, TokenRecord};
use crate::corrections::tokens::{self, AuthError};
use crate::corrections::validation::Report;
use crate::corrections::{Corrections, PublishError};

/// Largest BAL upload: a big city's BAL is a few megabytes.
const MAX_BAL_BYTES: usize = 64 << 20;

#[derive(Clone)]
struct CorrectionsState {
    service: Arc<Corrections>,
    limiter: Arc<Limiter>,
}

/// The routes, ready to merge into the application.
pub fn routes(service: Arc<Corrections>, rate_limit: RateLimit) -> Router {
    let state = CorrectionsState {
        service,
        limiter: Arc::new(Limiter::new(rate_limit)),
    };
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods(Any)
        .allow_headers(Any);
    let reports = Router::new()
        .route("/signalements", post(create_report))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    Router::new()
        .route(
            "/communes/{code}/revisions",
            post(create_revision).get(history),
        )
        .route("/communes/{code}/rollback", post(rollback))
        .route("/communes/{code}/audit", get(audit))
        .route("/communes/{code}/signalements", get(list_reports))
        .route("/revisions/{id}", get(revision))
        .route("/revisions/{id}/file", get(revision_file))
        .route("/revisions/{id}/publish", post(publish))
        .route("/signalements/{id}/process", post(process_report))
        .layer(DefaultBodyLimit::max(MAX_BAL_BYTES))
        .merge(reports)
        .with_state(state)
        .layer(cors)
}

/// An error of these routes: a status and the JSON `title`/`description` of the API, plus the
/// validation report when there is one.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    title: &'static str,
    description: String,
    validation: Option<Report>,
}

#[derive(Serialize)]
struct ProblemBody<'a> {
    title: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    validation: Option<&'a Report>,
}

impl Problem {
    fn new(status: StatusCode, title: &'static str, description: impl Into<String>) -> Problem {
        Problem {
            status,
            title,
            description: description.into(),
            validation: None,
        }
    }

    fn bad_request(description: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "Bad request", description)
    }

    fn not_found(description: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "Not found", description)
    }
}

impl From<crate::Error> for Problem {
    fn from(e: crate::Error) -> Problem {
        match e {
            crate::Error::Input(description) => Problem::bad_request(description),
            other => {
                tracing::error!(detail = %other, "corrections: internal error");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error",
                    "The server could not answer; the error was logged.",
                )
            }
        }
    }
}

impl From<AuthError> for Problem {
    fn from(e: AuthError) -> Problem {
        match e {
            AuthError::Unauthenticated(d) => {
                Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", d)
            }
            AuthError::Forbidden(d) => Problem::new(StatusCode::FORBIDDEN, "Forbidden", d),
        }
    }
}

impl From<PublishError> for Problem {
    fn from(e: PublishError) -> Problem {
        match e {
            PublishError::NotFound(d) => Problem::not_found(d),
            PublishError::Conflict(d, report) => Problem {
                validation: report,
                ..Problem::new(StatusCode::CONFLICT, "Conflict", d)
            },
            PublishError::Other(e) => e.into(),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        json_response(
            self.status,
            &ProblemBody {
                title: self.title,
                description: &self.description,
                validation: self.validation.as_ref(),
            },
        )
    }
}

/// The client's IP address, when the server knows it (not in in-process tests).
struct ClientAddr(Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Runs store work off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Problem::from(crate::Error::Internal(format!("task failed: {e}"))))?
}

fn commune_code(code: &str) -> Result<String, Problem> {
    if code.len() == 5 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(code.to_uppercase())
    } else {
        Err(Problem::bad_request(format!(
            "{code:?} is not an INSEE commune code (5 characters, such as 05061)."
        )))
    }
}

fn revision_id(id: &str) -> Result<i64, Problem> {
    id.parse()
        .map_err(|_| Problem::bad_request(format!("{id:?} is not a revision id (a number).")))
}

/// The token of the request, checked, as the audit log's actor.
fn authenticate(
    service: &Corrections,
    headers: &HeaderMap,
    client: Option<IpAddr>,
) -> Result<(TokenRecord, Actor), Problem> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token = tokens::from_header(value)?;
    let record = tokens::authenticate(service.store(), token)??;
    let actor = Actor {
        label: record.label.clone(),
        client: client.map(|c| c.to_string()),
    };
    Ok((record, actor))
}

fn authorize(
    service: &Corrections,
    headers: &HeaderMap,
    client: Option<IpAddr>,
    commune: &str,
) -> Result<Actor, Problem> {
    let (record, actor) = authenticate(service, headers, client)?;
    tokens::check_scope(&record, commune)?;
    Ok(actor)
}

/// A body, or the reason it could not be read (too large: 413) in the API's JSON shape.
fn body_of(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Problem> {
    body.map_err(|e| {
        let status = e.status();
        let title = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "Request too large"
        } else {
            "Bad request"
        };
        Problem::new(status, title, e.body_text())
    })
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(body)
        .map_err(|e| Problem::bad_request(format!("The JSON body is invalid: {e}.")))
}

async fn create_revision(
    State(state): State<CorrectionsState>,
    Path(code): Path<String>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, Problem> {
    let commune = commune_code(&code)?;
    let service = state.service.clone();
    let actor = {
        let (service, headers, commune) = (service.clone(), headers.clone(), commune.clone());
        blocking(move || authorize(&service, &headers, client, &commune)).await?
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    enum Input {
        Bal(Vec<u8>),
        Edits(EditRequest),
    }
    let input = if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| Problem::bad_request(format!("The multipart body is invalid: {e}.")))?;
        let mut data = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| Problem::bad_request(format!("The multipart body is invalid: {e}.")))?
        {
            if field.name() == Some("data") {
                let bytes = field.bytes().await.map_err(|e| {
                    Problem::bad_request(format!("The \"data\" file could not be read: {e}."))
                })?;
                data = Some(bytes.to_vec());
            }
        }
        Input::Bal(data.ok_or_else(|| {
            Problem::bad_request("Send the BAL file as the multipart field \"data\".")
        })?)
    } else {
        let body = axum::body::to_bytes(request.into_body(), MAX_BAL_BYTES)
            .await
            .map_err(|e| {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "File too large",
                    e.to_string(),
                )
            })?;
        if content_type.starts_with("application/json") {
            Input::Edits(parse_json(&body)?)
        } else if content_type.starts_with("text/csv") {
            Input::Bal(body.to_vec())
        } else {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
                "Send a BAL file as multipart/form-data (field \"data\") or text/csv, or JSON edits as application/json {\"edits\": [...]}.",
            ));
        }
    };
    let view = blocking(move || {
        Ok(match input {
            Input::Bal(bytes) => service.create_from_bal(&commune, &bytes, &actor)?,
            Input::Edits(request) => service.create_from_edits(&commune, &request.edits, &actor)?,
        })
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &view))
}

async fn history(
    State(state): State<CorrectionsState>,
    Path(code): Path<String>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let commune = commune_code(&code)?;
    let service = state.service;
    let list = blocking(move || {
        authorize(&service, &headers, client, &commune)?;
        Ok(service.history(&commune)?)
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "revisions": list }),
    ))
}

/// Loads a revision's commune and checks the token may see it.
fn revision_commune(
    service: &Corrections,
    headers: &HeaderMap,
    client: Option<IpAddr>,
    id: i64,
) -> Result<(String, Actor), Problem> {
    let (record, actor) = authenticate(service, headers, client)?;
    let Some(commune) = service.commune_of(id)? else {
        return Err(Problem::not_found(format!("There is no revision {id}.")));
    };
    tokens::check_scope(&record, &commune)?;
    Ok((commune, actor))
}

async fn revision(
    State(state): State<CorrectionsState>,
    Path(id): Path<String>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let id = revision_id(&id)?;
    let service = state.service;
    let view = blocking(move || {
        revision_commune(&service, &headers, client, id)?;
        service
            .view(id)?
            .ok_or_else(|| Problem::not_found(format!("There is no revision {id}.")))
    })
    .await?;
    Ok(json_response(StatusCode::OK, &view))
}

async fn revision_file(
    State(state): State<CorrectionsState>,
    Path(id): Path<String>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let id = revision_id(&id)?;
    let service = state.service;
    let (commune, content) = blocking(move || {
        let (commune, _) = revision_commune(&service, &headers, client, id)?;
        let content = service
            .file(id)?
            .ok_or_else(|| Problem::not_found(format!("There is no revision {id}.")))?;
        Ok((commune, content))
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bal-{commune}-revision-{id}.csv\""),
            ),
        ],
        Bytes::from(content),
    )
        .into_response())
}

async fn publish(
    State(state): State<CorrectionsState>,
    Path(id): Path<String>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let id = revision_id(&id)?;
    let service = state.service;
    let view = blocking(move || {
        let (_, actor) = revision_commune(&service, &headers, client, id)?;
        Ok(service.publish(id, &actor)?)
    })
    .await?;
    super::metrics::corrections_published(1);
    Ok(json_response(StatusCode::OK, &view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RollbackRequest {
    revision: i64,
}

async fn rollback(
    State(state): State<CorrectionsState>,
    Path(code): Path<String>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let commune = commune_code(&code)?;
    let request: RollbackRequest = parse_json(&body_of(body)?)?;
    let service = state.service;
    let view = blocking(move || {
        let actor = authorize(&service, &headers, client, &commune)?;
        Ok(service.rollback(&commune, request.revision, &actor)?)
    })
    .await?;
    // A rollback publishes a new revision too.
    super::metrics::corrections_published(1);
    Ok(json_response(StatusCode::OK, &view))
}

async fn audit(
    State(state): State<CorrectionsState>,
    Path(code): Path<String>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let commune = commune_code(&code)?;
    let service = state.service;
    let log = blocking(move || {
        authorize(&service, &headers, client, &commune)?;
        Ok(service.store().audit_log(&commune)?)
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "audit": log }),
    ))
}

async fn create_report(
    State(state): State<CorrectionsState>,
    ClientAddr(client): ClientAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let body = body_of(body)?;
    if !state.limiter.allow(client) {
        return Err(Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            "Too many reports from this address; try again in a minute.",
        ));
    }
    let mut report: NewReport = parse_json(&body)?;
    report.commune = commune_code(&report.commune)?;
    if let Some(problem) = report.problem(state.service.bbox(&report.commune)) {
        return Err(Problem::bad_request(problem));
    }
    let service = state.service;
    let id = blocking(move || {
        Ok(service.store().insert_report(
            &report.commune,
            &report.kind,
            report.lon,
            report.lat,
            report.message.trim(),
        )?)
    })
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &serde_json::json!({ "id": id, "status": "open" }),
    ))
}

#[derive(Deserialize)]
struct ReportFilter {
    status: Option<String>,
}

async fn list_reports(
    State(state): State<CorrectionsState>,
    Path(code): Path<String>,
    Query(filter): Query<ReportFilter>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let commune = commune_code(&code)?;
    let service = state.service;
    let list = blocking(move || {
        authorize(&service, &headers, client, &commune)?;
        Ok(service
            .store()
            .reports(&commune, filter.status.as_deref())?)
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "signalements": list }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProcessRequest {
    status: String,
    #[serde(default)]
    reason: Option<String>,
}

async fn process_report(
    State(state): State<CorrectionsState>,
    Path(id): Path<String>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let id = revision_id(&id)?;
    let request: ProcessRequest = parse_json(&body_of(body)?)?;
    if !["processed", "rejected"].contains(&request.status.as_str()) {
        return Err(Problem::bad_request(
            "\"status\" must be \"processed\" or \"rejected\".",
        ));
    }
    let reason = request
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(String::from);
    if request.status == "rejected" && reason.is_none() {
        return Err(Problem::bad_request(
            "A rejected report needs a \"reason\".",
        ));
    }
    let service = state.service;
    let report = blocking(move || {
        let (record, actor) = authenticate(&service, &headers, client)?;
        let report = service
            .store()
            .report(id)?
            .ok_or_else(|| Problem::not_found(format!("There is no report {id}.")))?;
        tokens::check_scope(&record, &report.commune)?;
        if !service
            .store()
            .close_report(id, &request.status, reason.as_deref(), &actor)?
        {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "Conflict",
                format!("Report {id} is already {}.", report.status),
            ));
        }
        Ok(service.store().report(id)?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &report))
}

/// The whole application with corrections: opens the corrections database of `index_root`,
/// serves every commune's current published revision at once (so a restart or a re-ingest
/// replays them), and adds the correction routes to the api-adresse ones.
pub fn app_with_corrections(
    index_root: &std::path::Path,
    geocoder: crate::Geocoder,
    config: super::ServerConfig,
) -> crate::Result<Router> {
    let service = Arc::new(Corrections::open(index_root, Arc::new(geocoder.clone()))?);
    let started = std::time::Instant::now();
    let communes = service.apply()?;
    tracing::info!(
        communes,
        ms = started.elapsed().as_millis() as u64,
        "corrections replayed"
    );
    let corrections = routes(service, RateLimit::from_env());
    Ok(super::app_with_routes(geocoder, config, corrections))
}
