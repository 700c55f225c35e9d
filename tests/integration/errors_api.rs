//! Every invalid request is a 4xx with a JSON `title` and `description`, never a panic or a 500.

use crate::common;

use common::get;

async fn assert_error(uri: &str, status: u16, mentions: &str) {
    let (got, body) = get(uri).await;
    assert_eq!(got.as_u16(), status, "{uri}: {body}");
    let title = body["title"]
        .as_str()
        .unwrap_or_else(|| panic!("{uri}: no title in {body}"));
    let description = body["description"]
        .as_str()
        .unwrap_or_else(|| panic!("{uri}: no description in {body}"));
    assert!(!title.is_empty());
    assert!(
        description.contains(mentions),
        "{uri}: {description:?} does not mention {mentions:?}"
    );
}

#[tokio::test]
async fn search_parameter_errors() {
    assert_error("/search/", 400, "\"q\"").await;
    assert_error("/search/?q=", 400, "\"q\"").await;
    assert_error("/search/?q=%20%20", 400, "\"q\"").await;
    assert_error(&format!("/search/?q={}", "a".repeat(201)), 413, "200").await;
    for limit in ["0", "-1", "101", "abc", "1e9", "2.5"] {
        assert_error(&format!("/search/?q=gap&limit={limit}"), 400, "\"limit\"").await;
    }
    assert_error("/search/?q=gap&autocomplete=maybe", 400, "\"autocomplete\"").await;
    assert_error("/search/?q=gap&lat=44.5", 400, "\"lon\"").await;
    assert_error("/search/?q=gap&lon=6", 400, "\"lat\"").await;
    assert_error("/search/?q=gap&lat=abc&lon=6", 400, "\"lat\"").await;
    assert_error("/search/?q=gap&lat=91&lon=6", 400, "\"lat\"").await;
    assert_error("/search/?q=gap&lat=44&lng=NaN", 400, "\"lng\"").await;
    assert_error("/search/?q=gap&lat=44&longitude=inf", 400, "\"longitude\"").await;
    assert_error("/search/?q=gap&type=house", 400, "\"type\"").await;
    assert_error("/search/?q=gap&type=street&type=bogus", 400, "\"type\"").await;
    assert_error("/search/?q=gap&citycode=abc", 400, "\"citycode\"").await;
    assert_error("/search/?q=gap&postcode=7500", 400, "\"postcode\"").await;
    assert_error("/search/?q=gap%00x", 400, "\"q\"").await;
}

#[tokio::test]
async fn reverse_parameter_errors() {
    assert_error("/reverse/", 400, "\"lon\"").await;
    assert_error("/reverse/?lon=6", 400, "\"lat\"").await;
    assert_error("/reverse/?lon=abc&lat=44", 400, "\"lon\"").await;
    assert_error("/reverse/?lon=2&lat=200", 400, "\"lat\"").await;
    assert_error("/reverse/?lon=2&lat=48&limit=0", 400, "\"limit\"").await;
    assert_error("/reverse/?lon=2&lat=48&radius=0", 400, "\"radius\"").await;
    assert_error("/reverse/?lon=2&lat=48&radius=1e9", 400, "\"radius\"").await;
    assert_error("/reverse/?lon=2&lat=48&type=road", 400, "\"type\"").await;
}

#[tokio::test]
async fn unknown_paths_and_methods_are_json_errors() {
    assert_error("/nowhere", 404, "/nowhere").await;
    let response = tower::ServiceExt::oneshot(
        adresse::server::app(common::geocoder().clone()),
        axum::http::Request::post("/search/?q=gap")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn odd_but_valid_input_is_answered() {
    for q in [
        "%C3%A9%C3%A9%C3%A9",
        "----",
        "12345",
        "l%27%27%27",
        "%E2%80%99%E2%80%99%E2%80%99",
        "rue%20%20%20de",
        "%F0%9F%8F%A0%20maison",
    ] {
        let (status, body) = get(&format!("/search/?q={q}")).await;
        assert_eq!(status, 200, "{q}: {body}");
    }
    // Invalid UTF-8 in the query string is a 400 naming the parameter, neither a panic nor a
    // search for U+FFFD the caller never sent.
    assert_error("/search/?q=rue%FF%FEde", 400, "\"q\"").await;
}
