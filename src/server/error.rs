//! The one HTTP error type: user errors become 4xx with a JSON `title` and `description`;
//! internal errors become a 500 that says nothing of the internals (they go to the log).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub enum ApiError {
    /// 400: a parameter is missing or invalid.
    BadRequest {
        title: &'static str,
        description: String,
    },
    /// 413: the query is too long.
    TooLong(String),
    /// 413: the uploaded file is larger than the server accepts.
    UploadTooLarge(String),
    NotFound(String),
    MethodNotAllowed,
    Internal(String),
}

impl ApiError {
    pub fn missing(name: &str) -> ApiError {
        ApiError::BadRequest {
            title: "Missing parameter",
            description: format!("The \"{name}\" parameter is required."),
        }
    }

    pub fn invalid(name: &str, why: impl std::fmt::Display) -> ApiError {
        ApiError::BadRequest {
            title: "Invalid parameter",
            description: format!("The \"{name}\" parameter is invalid. {why}"),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    title: &'a str,
    description: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, title, description) = match &self {
            ApiError::BadRequest { title, description } => {
                (StatusCode::BAD_REQUEST, *title, description.as_str())
            }
            ApiError::TooLong(description) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Query too long",
                description.as_str(),
            ),
            ApiError::UploadTooLarge(description) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "File too large",
                description.as_str(),
            ),
            ApiError::NotFound(description) => {
                (StatusCode::NOT_FOUND, "Not found", description.as_str())
            }
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Method not allowed",
                "This path does not accept this HTTP method.",
            ),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error",
                    "The server could not answer; the error was logged.",
                )
            }
        };
        json_response(status, &Body { title, description })
    }
}

/// A JSON body with the content type the public API uses.
pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    // Room for a search's five results at once, rather than doubling from 128 bytes.
    let mut bytes = Vec::with_capacity(4096);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => {
            let mut response = (status, bytes).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            response
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
