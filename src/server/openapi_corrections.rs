//! The corrections routes (`server/corrections.rs`) in `/openapi.json`: communes publishing
//! their own addresses. Every route but `POST /signalements` needs `Authorization: Token …`
//! (a token of the commune, created with `adresse token create`). Bodies are described as JSON
//! objects; the README's "Municipality corrections" section gives their fields.

use utoipa::ToSchema;

use super::openapi::ErrorBody;

/// A JSON document of the corrections API: a revision (`id`, `status`, `validation` with
/// `errors` and `warnings`, each `{code, line, column, value, message}`), a history, an audit
/// log or a list of reports.
pub struct CorrectionsJson;

impl utoipa::PartialSchema for CorrectionsJson {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .description(Some(
                "A JSON document; its fields are listed in the README.",
            ))
            .into()
    }
}

impl ToSchema for CorrectionsJson {}

#[utoipa::path(
    post,
    path = "/communes/{code}/revisions",
    tag = "corrections",
    params(("code" = String, Path, description = "INSEE code of the commune.", example = "05061")),
    request_body(content = String, description = "A BAL 1.3/1.4 file (multipart field `data`, or a text/csv body), or JSON `{\"edits\": [...]}`.", content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The revision, validated: `pending` or `invalid`, with its report", body = CorrectionsJson, content_type = "application/json"),
        (status = 400, description = "Unreadable file or JSON", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing or unknown token", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "The commune is outside the token's scope", body = ErrorBody, content_type = "application/json"),
        (status = 415, description = "Neither a multipart upload, a CSV nor JSON", body = ErrorBody, content_type = "application/json"),
        (status = 413, description = "The file is too large", body = ErrorBody, content_type = "application/json"),
    )
)]
/// Submit a commune's addresses (a whole BAL file, or edits) as a new revision
#[allow(dead_code)]
pub fn create_revision() {}

#[utoipa::path(
    get,
    path = "/communes/{code}/revisions",
    tag = "corrections",
    params(("code" = String, Path, description = "INSEE code of the commune.")),
    responses(
        (status = 200, description = "The commune's revisions, newest first", body = CorrectionsJson, content_type = "application/json"),
        (status = 400, description = "Not an INSEE commune code", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing or unknown token", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "The commune is outside the token's scope", body = ErrorBody, content_type = "application/json"),
    )
)]
/// A commune's revision history
#[allow(dead_code)]
pub fn history() {}

#[utoipa::path(
    post,
    path = "/communes/{code}/rollback",
    tag = "corrections",
    params(("code" = String, Path, description = "INSEE code of the commune.")),
    request_body(content = CorrectionsJson, description = "`{\"revision\": ID}`: the revision to publish again.", content_type = "application/json"),
    responses(
        (status = 200, description = "The new current revision", body = CorrectionsJson, content_type = "application/json"),
        (status = 400, description = "Invalid body", body = ErrorBody, content_type = "application/json"),
        (status = 413, description = "The body is too large", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing or unknown token", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "The commune is outside the token's scope", body = ErrorBody, content_type = "application/json"),
        (status = 404, description = "No such revision of this commune", body = ErrorBody, content_type = "application/json"),
        (status = 409, description = "That revision does not pass validation today", body = ErrorBody, content_type = "application/json"),
    )
)]
/// Publish an earlier revision again, as a new one
#[allow(dead_code)]
pub fn rollback() {}

#[utoipa::path(
    get,
    path = "/communes/{code}/audit",
    tag = "corrections",
    params(("code" = String, Path, description = "INSEE code of the commune.")),
    responses(
        (status = 200, description = "Every write: who, when, what, from where", body = CorrectionsJson, content_type = "application/json"),
        (status = 400, description = "Not an INSEE commune code", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing or unknown token", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "The commune is outside the token's scope", body = ErrorBody, content_type = "application/json"),
    )
)]
/// The commune's audit log
#[allow(dead_code)]
pub fn audit() {}

#[utoipa::path(
    get,
    path = "/communes/{code}/signalements",
    tag = "corrections",
    params(
        ("code" = String, Path, description = "INSEE code of the commune."),
        ("status" = Option<String>, Query, description = "open, processed or rejected."),
    ),
    responses(
        (status = 200, description = "Citizens' reports on the commune", body = CorrectionsJson, content_type = "application/json"),
        (status = 400, description = "Invalid status", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing or unknown token", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "The commune is outside the token's scope", body = ErrorBody, content_type = "application/json"),
    )
)]
/// Reports citizens made on a commune
#[allow(dead_code)]
pub fn list_reports() {}

#[utoipa::path(
    get,
    path = "/revisions/{id}",
    tag = "corrections",
    params(("id" = i64, Path, description = "Revision id.")),
    responses(
        (status = 200, description = "The revision and its validation report", body = CorrectionsJson, content_type = "application/json"),
        (status = 400, description = "Invalid id", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing or unknown token", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "The revision's commune is outside the token's scope", body = ErrorBody, content_type = "application/json"),
        (status = 404, description = "No such revision", body = ErrorBody, content_type = "application/json"),
    )
)]
/// One revision
#[allow(dead_code)]
pub fn revision() {}

#[utoipa::path(
    get,
    path = "/revisions/{id}/file",
    tag = "corrections",
    params(("id" = i64, Path, description = "Revision id.")),
    responses(
        (status = 200, description = "The revision's content as a BAL file", body = String, content_type = "text/csv"),
        (status = 400, description = "Invalid id", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing or unknown token", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "The revision's commune is outside the token's scope", body = ErrorBody, content_type = "application/json"),
        (status = 404, description = "No such revision", body = ErrorBody, content_type = "application/json"),
    )
)]
/// Download a revision's content
#[allow(dead_code)]
pub fn revision_file() {}

#[utoipa::path(
    post,
    path = "/revisions/{id}/publish",
    tag = "corrections",
    params(("id" = i64, Path, description = "Revision id.")),
    responses(
        (status = 200, description = "Published: search, reverse and batch answer it now", body = CorrectionsJson, content_type = "application/json"),
        (status = 400, description = "Invalid id", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing or unknown token", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "The revision's commune is outside the token's scope", body = ErrorBody, content_type = "application/json"),
        (status = 404, description = "No such revision", body = ErrorBody, content_type = "application/json"),
        (status = 409, description = "The revision is invalid or already published", body = ErrorBody, content_type = "application/json"),
    )
)]
/// Publish a pending revision
#[allow(dead_code)]
pub fn publish() {}

#[utoipa::path(
    post,
    path = "/signalements",
    tag = "corrections",
    request_body(content = CorrectionsJson, description = "A citizen's report: what is wrong (missing, misplaced, misnamed), where (lon, lat), a message.", content_type = "application/json"),
    responses(
        (status = 201, description = "The report, filed for the commune at that point", body = CorrectionsJson, content_type = "application/json"),
        (status = 400, description = "Invalid report", body = ErrorBody, content_type = "application/json"),
        (status = 413, description = "The report is too large", body = ErrorBody, content_type = "application/json"),
        (status = 429, description = "Too many reports from this address; see Retry-After", body = ErrorBody, content_type = "application/json"),
    )
)]
/// Report a missing, misplaced or misnamed address (no token needed)
#[allow(dead_code)]
pub fn create_report() {}

#[utoipa::path(
    post,
    path = "/signalements/{id}/process",
    tag = "corrections",
    params(("id" = i64, Path, description = "Report id.")),
    request_body(content = CorrectionsJson, description = "`{\"status\": \"processed\" | \"rejected\", \"reason\": …}` (a reason is required to reject).", content_type = "application/json"),
    responses(
        (status = 200, description = "The report, marked", body = CorrectionsJson, content_type = "application/json"),
        (status = 400, description = "Invalid body", body = ErrorBody, content_type = "application/json"),
        (status = 413, description = "The body is too large", body = ErrorBody, content_type = "application/json"),
        (status = 401, description = "Missing or unknown token", body = ErrorBody, content_type = "application/json"),
        (status = 403, description = "The report's commune is outside the token's scope", body = ErrorBody, content_type = "application/json"),
        (status = 404, description = "No such report", body = ErrorBody, content_type = "application/json"),
        (status = 409, description = "The report was already processed", body = ErrorBody, content_type = "application/json"),
    )
)]
/// Mark a report processed or rejected
#[allow(dead_code)]
pub fn process_report() {}
