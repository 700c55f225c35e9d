//! The demo page at `/`, the form widget (`/widget.js` and its example page) and their assets.
//!
//! Everything is embedded in the binary from `web/` at compile time (`include_str!`), so a
//! deployment is one file and nothing is fetched from a CDN at run time. The map library
//! (Leaflet) is vendored from its npm package into `web/vendor/` by `web/scripts/vendor.mjs`.
//!
//! Map tiles are optional: with no tile URL the map is a blank background that still shows the
//! results and answers clicks. `ADRESSE_TILES` (an `{z}/{x}/{y}` URL template) turns them on.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::error::ApiError;
use super::AppState;

/// An embedded file and its media type.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.js",
        media_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/src/app.js"),
    },
    Asset {
        name: "app.css",
        media_type: "text/css; charset=utf-8",
        body: include_str!("../../web/src/app.css"),
    },
    Asset {
        name: "csv.js",
        media_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/src/csv.js"),
    },
    Asset {
        name: "leaflet.js",
        media_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/vendor/leaflet/leaflet.js"),
    },
    Asset {
        name: "leaflet.css",
        media_type: "text/css; charset=utf-8",
        body: include_str!("../../web/vendor/leaflet/leaflet.css"),
    },
];

const INDEX_HTML: &str = include_str!("../../web/src/index.html");
const WIDGET_JS: &str = include_str!("../../web/src/widget.js");
const WIDGET_EXAMPLE_HTML: &str = include_str!("../../web/src/widget-example.html");

/// Environment variable holding the map tile URL template.
pub const TILES_ENV: &str = "ADRESSE_TILES";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(page))
        .route("/widget.js", get(widget_js))
        .route("/widget-example.html", get(widget_example))
        .route("/assets/{file}", get(asset))
}

async fn page() -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    let html = PAGE.get_or_init(|| render_page(std::env::var(TILES_ENV).ok().as_deref()));
    respond("text/html; charset=utf-8", html.clone())
}

/// The page with the tile URL written into it (empty: no tiles).
pub fn render_page(tiles: Option<&str>) -> String {
    INDEX_HTML.replace("{{TILES}}", &escape_attribute(tiles.unwrap_or("").trim()))
}

async fn widget_js() -> Response {
    respond("text/javascript; charset=utf-8", WIDGET_JS)
}

async fn widget_example() -> Response {
    respond("text/html; charset=utf-8", WIDGET_EXAMPLE_HTML)
}

async fn asset(Path(file): Path<String>) -> Result<Response, ApiError> {
    ASSETS
        .iter()
        .find(|a| a.name == file)
        .map(|a| respond(a.media_type, a.body))
        .ok_or_else(|| ApiError::NotFound(format!("No asset named {file:?}.")))
}

fn respond(media_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
            // Embedded files change only with the binary; a short cache spares reloads without
            // pinning an old page after an upgrade.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body.into(),
    )
        .into_response()
}

fn escape_attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tile_url_is_written_escaped_into_the_page() {
        let page = render_page(Some("https://t.example/{z}/{x}/{y}.png?a=1&b=\"2\""));
        assert!(page
            .contains("data-tiles=\"https://t.example/{z}/{x}/{y}.png?a=1&amp;b=&quot;2&quot;\""));
        assert!(render_page(None).contains("data-tiles=\"\""));
    }
}
