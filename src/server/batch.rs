//! `POST /search/csv/` and `POST /reverse/csv/`: multipart uploads geocoded as they stream.
//!
//! The upload is read by an async task and handed to a blocking [`Job`] through a bounded
//! channel; the job's output goes back through another bounded channel into the response body.
//! Memory holds a few chunks whatever the file's size. Parameters sent before the `data` part
//! (or in the query string) let rows be geocoded while the file is still arriving; when `data`
//! comes first, as with `curl -F data=@f.csv -F columns=…`, the later parameters must be read
//! before any row can be, so the upload is spooled to a temporary file first (disk, not memory).
//!
//! Every mistake the caller can fix (no file, an unknown column, an undecodable header) is a 400
//! before the response starts; after it has started, a failure (a broken upload) ends the body
//! early, which the client sees as a truncated transfer.

use std::io::{Read, Seek, Write};

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, RawQuery, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot};

use crate::batch::{
    dialect, BatchKind, BatchOptions, ColumnOptions, DialectOptions, Format, Job, TextEncoding,
};
use crate::error::Error;

use super::error::ApiError;
use super::AppState;

/// Chunks in flight between the upload, the job and the response.
const CHANNEL_CHUNKS: usize = 16;
/// Bytes the job's output collects before it is sent as one body chunk.
const OUTPUT_CHUNK_BYTES: usize = 64 * 1024;
/// Longest value accepted for a parameter part of the form.
const MAX_PARAM_BYTES: usize = 16 * 1024;

pub async fn search_csv(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Response, ApiError> {
    geocode_upload(state, BatchKind::Search, query, request).await
}

pub async fn reverse_csv(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Response, ApiError> {
    geocode_upload(state, BatchKind::Reverse, query, request).await
}

async fn geocode_upload(
    state: AppState,
    kind: BatchKind,
    query: Option<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let limit = state.config.max_upload_bytes;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|e| ApiError::BadRequest {
            title: "Invalid upload",
            description: format!(
                "Send the file as multipart/form-data, in a part named \"data\" ({}).",
                e.body_text()
            ),
        })?;
    let params: Vec<(String, String)> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let (ready_tx, ready_rx) = oneshot::channel();
    tokio::spawn(read_form(multipart, params, limit, ready_tx));
    let (form, upload) = ready_rx
        .await
        .map_err(|_| ApiError::Internal("the upload reader stopped".into()))??;
    let options = batch_options(kind, &form.params)?;

    let (prepared_tx, prepared_rx) = oneshot::channel::<Result<(), Error>>();
    let (out_tx, out_rx) = mpsc::channel::<std::io::Result<Bytes>>(CHANNEL_CHUNKS);
    let geocoder = state.geocoder.clone();
    let file_name = form.file_name.clone();
    tokio::task::spawn_blocking(move || {
        let input: Box<dyn Read + Send> = match upload {
            Upload::Streamed(reader) => Box::new(reader),
            Upload::Spooled(file) => Box::new(std::io::BufReader::with_capacity(1 << 16, file)),
        };
        let job = match Job::prepare(geocoder, input, options) {
            Ok(job) => job,
            Err(e) => {
                let _ = prepared_tx.send(Err(e));
                return;
            }
        };
        let _ = prepared_tx.send(Ok(()));
        let writer = ChannelWriter {
            tx: out_tx.clone(),
            buffer: Vec::with_capacity(OUTPUT_CHUNK_BYTES),
        };
        match job.run(writer, super::metrics::batch_progress()) {
            Ok(summary) => tracing::info!(
                file = file_name.as_deref().unwrap_or(""),
                rows = summary.rows,
                ok = summary.ok,
                not_found = summary.not_found,
                errors = summary.errors,
                ms = summary.elapsed.as_millis() as u64,
                "batch done"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "batch stopped");
                let _ = out_tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        }
    });
    match prepared_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(Error::Input(description))) => {
            return Err(ApiError::BadRequest {
                title: "Invalid file",
                description: capitalised(&description),
            })
        }
        Ok(Err(Error::Io { source, .. })) if source.kind() == std::io::ErrorKind::FileTooLarge => {
            return Err(too_large(limit))
        }
        Ok(Err(e)) => return Err(ApiError::Internal(e.to_string())),
        Err(_) => return Err(ApiError::Internal("the batch job stopped".into())),
    }
    let body = Body::from_stream(futures_util::stream::unfold(out_rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = format!(
        "attachment; filename=\"{}\"",
        output_file_name(form.file_name.as_deref())
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The form's parameters and where its file is.
struct Form {
    params: Vec<(String, String)>,
    file_name: Option<String>,
}

enum Upload {
    /// Read as it arrives.
    Streamed(ChannelReader),
    /// Written to a temporary file (deleted when closed), rewound.
    Spooled(std::fs::File),
}

/// Reads the multipart form: parameters, then the file, streamed or spooled (see the module
/// documentation). Answers once on `ready`; in the streamed case, goes on forwarding the file.
async fn read_form(
    mut multipart: Multipart,
    mut params: Vec<(String, String)>,
    limit: u64,
    ready: oneshot::Sender<Result<(Form, Upload), ApiError>>,
) {
    let upload_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(limit)
        } else {
            ApiError::BadRequest {
                title: "Invalid upload",
                description: format!("The multipart body could not be read: {}.", e.body_text()),
            }
        }
    };
    let mut spooled: Option<(std::fs::File, Option<String>)> = None;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                let _ = ready.send(Err(upload_error(e)));
                return;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if name != "data" {
            match read_param(&mut field).await {
                Ok(value) => params.push((name, value)),
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            }
            continue;
        }
        let file_name = field.file_name().map(str::to_string);
        if spooled.is_some() {
            let _ = ready.send(Err(ApiError::BadRequest {
                title: "Invalid upload",
                description: "Send one file, in one part named \"data\".".into(),
            }));
            return;
        }
        if !params.is_empty() {
            // The parameters came first: geocode while the file arrives.
            let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
            let form = Form { params, file_name };
            let reader = ChannelReader {
                rx,
                current: Bytes::new(),
            };
            if ready.send(Ok((form, Upload::Streamed(reader)))).is_err() {
                return;
            }
            loop {
                match field.chunk().await {
                    Ok(Some(bytes)) => {
                        if tx.send(Ok(bytes)).await.is_err() {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        // Over the limit is its own kind, so that a job still reading its
                        // first bytes answers 413 rather than 500.
                        let kind = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                            std::io::ErrorKind::FileTooLarge
                        } else {
                            std::io::ErrorKind::Other
                        };
                        let _ = tx.send(Err(std::io::Error::new(kind, e.body_text()))).await;
                        return;
                    }
                }
            }
            drop(tx);
            while let Ok(Some(late)) = multipart.next_field().await {
                tracing::warn!(
                    part = late.name().unwrap_or_default(),
                    "a form part after the streamed file was ignored"
                );
            }
            return;
        }
        match spool(&mut field).await {
            Ok(file) => spooled = Some((file, file_name)),
            Err(SpoolError::Upload(e)) => {
                let _ = ready.send(Err(upload_error(e)));
                return;
            }
            Err(SpoolError::Disk(e)) => {
                let _ = ready.send(Err(ApiError::Internal(format!("spooling the upload: {e}"))));
                return;
            }
        }
    }
    let answer = match spooled {
        Some((file, file_name)) => Ok((Form { params, file_name }, Upload::Spooled(file))),
        None => Err(ApiError::BadRequest {
            title: "Missing file",
            description: "Send the CSV file in a multipart part named \"data\".".into(),
        }),
    };
    let _ = ready.send(answer);
}

async fn read_param(field: &mut axum::extract::multipart::Field<'_>) -> Result<String, ApiError> {
    let name = field.name().unwrap_or_default().to_string();
    let mut value = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(bytes)) => {
                value.extend_from_slice(&bytes);
                if value.len() > MAX_PARAM_BYTES {
                    return Err(ApiError::invalid(&name, "The value is too long."));
                }
            }
            Ok(None) => break,
            Err(e) => {
                return Err(ApiError::BadRequest {
                    title: "Invalid upload",
                    description: format!("The part {name:?} could not be read: {}.", e.body_text()),
                })
            }
        }
    }
    String::from_utf8(value).map_err(|_| ApiError::invalid(&name, "The value is not UTF-8."))
}

enum SpoolError {
    Upload(axum::extract::multipart::MultipartError),
    Disk(std::io::Error),
}

/// Copies the file part to an anonymous temporary file and rewinds it.
async fn spool(
    field: &mut axum::extract::multipart::Field<'_>,
) -> Result<std::fs::File, SpoolError> {
    let file = tempfile::tempfile().map_err(SpoolError::Disk)?;
    let mut writer = tokio::io::BufWriter::with_capacity(
        1 << 16,
        tokio::fs::File::from_std(file.try_clone().map_err(SpoolError::Disk)?),
    );
    while let Some(bytes) = field.chunk().await.map_err(SpoolError::Upload)? {
        writer.write_all(&bytes).await.map_err(SpoolError::Disk)?;
    }
    writer.flush().await.map_err(SpoolError::Disk)?;
    let mut file = file;
    file.rewind().map_err(SpoolError::Disk)?;
    Ok(file)
}

/// The public API's parameters, read into batch options; every invalid value is a 400.
fn batch_options(kind: BatchKind, params: &[(String, String)]) -> Result<BatchOptions, ApiError> {
    let all = |name: &str| -> Vec<String> {
        params
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let one = |name: &str| all(name).into_iter().next();
    let invalid = |name: &str, e: Error| ApiError::invalid(name, capitalised(&e.to_string()));
    let with_bom = match one("with_bom").map(|v| v.to_ascii_lowercase()) {
        None => None,
        Some(v) if ["1", "true", "yes"].contains(&v.as_str()) => Some(true),
        Some(v) if ["0", "false", "no"].contains(&v.as_str()) => Some(false),
        Some(_) => return Err(ApiError::invalid("with_bom", "Use true or false.")),
    };
    Ok(BatchOptions {
        kind,
        columns: ColumnOptions {
            columns: all("columns"),
            postcode: one("postcode"),
            citycode: one("citycode"),
            kind: one("type"),
            lat: one("lat"),
            lon: one("lon"),
            result_columns: all("result_columns"),
        },
        dialect: DialectOptions {
            encoding: one("encoding")
                .map(|e| TextEncoding::from_label(&e))
                .transpose()
                .map_err(|e| invalid("encoding", e))?,
            delimiter: one("delimiter")
                .map(|d| dialect::parse_char(&d, "delimiter"))
                .transpose()
                .map_err(|e| invalid("delimiter", e))?,
            quote: one("quote")
                .map(|q| dialect::parse_char(&q, "quote"))
                .transpose()
                .map_err(|e| invalid("quote", e))?,
            with_bom,
        },
        format: Format::Csv,
    })
}

fn too_large(limit: u64) -> ApiError {
    ApiError::UploadTooLarge(format!(
        "The upload is larger than this server accepts ({limit} bytes); split the file, or ask the operator to raise --max-upload-bytes."
    ))
}

/// `<stem>.geocoded.csv`, with only safe characters (the name goes into a header).
fn output_file_name(input: Option<&str>) -> String {
    let base = input
        .and_then(|n| n.rsplit(['/', '\\']).next())
        .unwrap_or("")
        .trim();
    let stem = base
        .strip_suffix(".csv")
        .or_else(|| base.strip_suffix(".CSV"))
        .or_else(|| base.strip_suffix(".txt"))
        .unwrap_or(base);
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = if safe.trim_matches(['_', '.']).is_empty() {
        "result".to_string()
    } else {
        safe
    };
    format!("{safe}.geocoded.csv")
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => {
            let mut out: String = first.to_uppercase().collect();
            out.push_str(chars.as_str());
            if !out.ends_with('.') {
                out.push('.');
            }
            out
        }
        None => String::new(),
    }
}

/// The upload's bytes, as a blocking reader for the job.
struct ChannelReader {
    rx: mpsc::Receiver<std::io::Result<Bytes>>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(bytes)) => self.current = bytes,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// The job's output, sent to the response body in chunks.
struct ChannelWriter {
    tx: mpsc::Sender<std::io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(OUTPUT_CHUNK_BYTES),
        ));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= OUTPUT_CHUNK_BYTES {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_keep_the_stem_and_only_safe_characters() {
        assert_eq!(
            output_file_name(Some("adresses.csv")),
            "adresses.geocoded.csv"
        );
        assert_eq!(
            output_file_name(Some("C:\\data\\mes \"adresses\".CSV")),
            "mes__adresses_.geocoded.csv"
        );
        assert_eq!(
            output_file_name(Some("../../etc/passwd")),
            "passwd.geocoded.csv"
        );
        assert_eq!(output_file_name(None), "result.geocoded.csv");
        assert_eq!(output_file_name(Some("é.csv")), "result.geocoded.csv");
    }
}
