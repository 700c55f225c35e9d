//! /search/ over HTTP, in-process, on the real data: real addresses found first with their BAN
//! id, the response shape of the public API, filters, location bias and determinism.

use crate::common;

use common::{enc, full_address, get, props, sample_rows};

async fn first(q: &str) -> serde_json::Value {
    let (status, body) = get(&format!("/search/?q={}", enc(q))).await;
    assert_eq!(status, 200, "{q}");
    props(&body)
        .first()
        .cloned()
        .cloned()
        .unwrap_or_else(|| panic!("{q}: no result"))
}

#[tokio::test]
async fn known_addresses_of_paris_and_hautes_alpes_come_first_with_their_ban_id() {
    for (q, id) in [
        ("8 rue de Rivoli 75004 Paris", "75104_8249_00008"),
        ("33 Rue Pérolière 05000 Gap", "05061_1620_00033"),
        ("33 RUE PEROLIERE GAP", "05061_1620_00033"),
        (
            "1 Montée du Serre Lara 05460 Abriès-Ristolas",
            "05001_fuxrfi_00001",
        ),
    ] {
        let p = first(q).await;
        assert_eq!(p["id"], id, "{q}: got {}", p["label"]);
        assert_eq!(p["type"], "housenumber");
        assert!(p["score"].as_f64().unwrap() > 0.9, "{q}: {}", p["score"]);
    }
}

/// Every 400th row of both files, written as people write a full address.
#[tokio::test]
async fn a_sample_of_real_full_addresses_is_found_first() {
    let mut rows = sample_rows("adresses-75.csv.gz", 400);
    rows.extend(sample_rows("adresses-05.csv.gz", 400));
    let mut misses = Vec::new();
    for row in &rows {
        let q = full_address(row);
        let p = first(&q).await;
        if p["id"] != row.id.as_str() {
            misses.push(format!("{q} → {} ({})", p["label"], p["id"]));
        }
    }
    let accuracy = 1.0 - misses.len() as f64 / rows.len() as f64;
    println!(
        "top-1 on {} real full addresses: {:.2}%",
        rows.len(),
        accuracy * 100.0
    );
    assert!(
        accuracy >= 0.995,
        "top-1 {accuracy:.3} over {} rows; misses:\n{}",
        rows.len(),
        misses.join("\n")
    );
}

#[tokio::test]
async fn a_housenumber_feature_has_the_fields_and_order_of_the_public_api() {
    let (status, body) = get("/search/?q=8+rue+de+rivoli+75004+paris&limit=1").await;
    assert_eq!(status, 200);
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "type",
            "version",
            "features",
            "attribution",
            "licence",
            "query",
            "limit"
        ]
    );
    assert_eq!(body["type"], "FeatureCollection");
    assert_eq!(body["attribution"], "BAN");
    assert_eq!(body["licence"], "ETALAB-2.0");
    assert_eq!(body["query"], "8 rue de rivoli 75004 paris");
    assert_eq!(body["limit"], 1);
    let feature = &body["features"][0];
    assert_eq!(feature["geometry"]["type"], "Point");
    let p = &feature["properties"];
    let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "label",
            "score",
            "housenumber",
            "id",
            "name",
            "postcode",
            "citycode",
            "x",
            "y",
            "city",
            "district",
            "context",
            "type",
            "importance",
            "street"
        ]
    );
    assert_eq!(p["label"], "8 Rue de Rivoli 75004 Paris");
    assert_eq!(p["name"], "8 Rue de Rivoli");
    assert_eq!(p["street"], "Rue de Rivoli");
    assert_eq!(p["housenumber"], "8");
    assert_eq!(p["citycode"], "75104");
    assert_eq!(p["city"], "Paris");
    assert_eq!(p["district"], "Paris 4e Arrondissement");
    assert_eq!(p["context"], "75, Paris, Île-de-France");
    let coords = feature["geometry"]["coordinates"].as_array().unwrap();
    assert!(
        (coords[0].as_f64().unwrap() - 2.35).abs() < 0.02
            && (coords[1].as_f64().unwrap() - 48.856).abs() < 0.01
    );
}

#[tokio::test]
async fn a_municipality_has_its_population_and_context() {
    let p = first("gap").await;
    assert_eq!(p["type"], "municipality");
    assert_eq!(p["id"], "05061");
    assert_eq!(p["label"], "Gap");
    assert_eq!(p["population"], 41_293);
    assert_eq!(p["municipality"], "Gap");
    assert_eq!(p["context"], "05, Hautes-Alpes, Provence-Alpes-Côte d'Azur");
    assert!(p["score"].as_f64().unwrap() > 0.9);
    let paris = first("Paris").await;
    assert_eq!(paris["id"], "75056");
}

#[tokio::test]
async fn the_housenumber_may_stand_after_the_street() {
    let p = first("rue des lilas 12 gap").await;
    assert_eq!(p["type"], "housenumber");
    assert_eq!(p["label"], "12 Rue des Lilas 05000 Gap");
}

#[tokio::test]
async fn a_number_missing_from_the_street_gives_the_street_with_a_lower_score() {
    let exact = first("8 rue de rivoli 75004 paris").await;
    let p = first("9876 rue de rivoli 75004 paris").await;
    assert_eq!(p["type"], "street", "{}", p["label"]);
    assert_eq!(p["name"], "Rue de Rivoli");
    assert!(p["score"].as_f64().unwrap() < exact["score"].as_f64().unwrap());
}

#[tokio::test]
async fn autocomplete_completes_the_last_word() {
    let p = first("12 rue de la pa").await;
    assert_eq!(p["label"], "12 Rue de la Paix 75002 Paris");
    // Without autocomplete, "pa" is a whole word and finds no "Paix".
    let (_, body) = get("/search/?q=12+rue+de+la+pa&autocomplete=0").await;
    assert!(props(&body)
        .iter()
        .all(|p| p["label"] != "12 Rue de la Paix 75002 Paris"));
}

#[tokio::test]
async fn filters_restrict_results_and_several_values_are_ored() {
    let (_, body) = get("/search/?q=rivoli&type=street&limit=10").await;
    assert_eq!(body["filters"]["type"], "street");
    assert!(!props(&body).is_empty() && props(&body).iter().all(|p| p["type"] == "street"));

    let (_, body) = get("/search/?q=gap&type=street+municipality&limit=10").await;
    assert_eq!(
        body["filters"]["type"],
        serde_json::json!(["street", "municipality"])
    );
    let kinds: Vec<_> = props(&body)
        .iter()
        .map(|p| p["type"].as_str().unwrap().to_string())
        .collect();
    assert!(
        kinds.contains(&"municipality".into()) && kinds.contains(&"street".into()),
        "{kinds:?}"
    );

    let (_, body) = get("/search/?q=rue+de+la+paix&citycode=05061&citycode=05179&limit=10").await;
    assert!(!props(&body).is_empty());
    assert!(props(&body)
        .iter()
        .all(|p| p["citycode"] == "05061" || p["citycode"] == "05179"));

    let (_, body) = get("/search/?q=rue+de+la+paix&postcode=75002").await;
    assert_eq!(props(&body)[0]["label"], "Rue de la Paix 75002 Paris");
    assert!(props(&body).iter().all(|p| p["postcode"] == "75002"));

    // Paris streets answer both their arrondissement's code and the city's.
    let (_, body) = get("/search/?q=rue+de+rivoli&citycode=75056").await;
    assert_eq!(props(&body)[0]["name"], "Rue de Rivoli");
    let (_, body) = get("/search/?q=12+rue+de+rivoli&type=housenumber&limit=20").await;
    assert!(props(&body).iter().all(|p| p["type"] == "housenumber"));
}

#[tokio::test]
async fn location_bias_promotes_nearby_answers_without_overriding_an_exact_match() {
    let near_veynes = "lat=44.532&lon=5.822";
    let (_, body) = get(&format!("/search/?q=rue+de+la+paix&{near_veynes}")).await;
    assert_eq!(body["center"], serde_json::json!([5.822, 44.532]));
    let p = props(&body)[0];
    assert_eq!(p["city"], "Veynes", "{}", p["label"]);
    assert!(p["distance"].as_u64().unwrap() < 2_000);
    let (_, body) = get(&format!(
        "/search/?q=rue+de+la+paix+75002+paris&{near_veynes}"
    ))
    .await;
    assert_eq!(props(&body)[0]["label"], "Rue de la Paix 75002 Paris");
}

#[tokio::test]
async fn equal_scores_are_ordered_by_importance_then_id() {
    let (_, body) = get("/search/?q=rue+de+l+eglise&limit=50&autocomplete=0").await;
    let ps = props(&body);
    assert!(ps.len() > 10);
    for pair in ps.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (sa, sb) = (a["score"].as_f64().unwrap(), b["score"].as_f64().unwrap());
        assert!(sa >= sb);
        if sa == sb {
            let (ia, ib) = (
                a["importance"].as_f64().unwrap(),
                b["importance"].as_f64().unwrap(),
            );
            assert!(
                ia > ib || (ia == ib && a["id"].as_str() < b["id"].as_str()),
                "{a} before {b}"
            );
        }
    }
    let (_, again) = get("/search/?q=rue+de+l+eglise&limit=50&autocomplete=0").await;
    assert_eq!(body, again);
}

#[tokio::test]
async fn short_queries_answer_empty_and_cors_is_open() {
    let (status, body) = get("/search/?q=ga").await;
    assert_eq!(status, 200);
    assert_eq!(body["features"], serde_json::json!([]));
    let response = tower::ServiceExt::oneshot(
        adresse::server::app(common::geocoder().clone()),
        axum::http::Request::get("/search?q=gap")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
}

#[tokio::test]
async fn health_reports_the_index() {
    let (status, body) = get("/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "HEALTHY");
    assert_eq!(body["documents"]["housenumber"], 236_825);
    assert!(body["documents"]["street"].as_u64().unwrap() > 16_000);
    assert!(body["documents"]["municipality"].as_u64().unwrap() >= 181);
}

#[tokio::test]
async fn paris_arrondissements_by_number_or_postcode() {
    for q in ["Paris 11", "paris 11e", "75011", "75011 Paris"] {
        let p = first(q).await;
        assert_eq!(p["id"], "75111", "{q}: got {}", p["label"]);
        assert_eq!(p["type"], "municipality");
    }
    let p = first("rue oberkampf paris 11").await;
    assert_eq!(p["street"], "Rue Oberkampf", "{}", p["label"]);
}

#[tokio::test]
async fn suffixes_in_every_spelling_find_the_same_housenumber() {
    // Real rows: Paris writes "bis" as "b", Hautes-Alpes writes "bis" in full.
    let paris = sample_rows("adresses-75.csv.gz", 1)
        .into_iter()
        .find(|r| r.rep == "b" && r.numero > 1)
        .unwrap();
    let alpes = sample_rows("adresses-05.csv.gz", 1)
        .into_iter()
        .find(|r| r.rep == "bis")
        .unwrap();
    for row in [paris, alpes] {
        let n = row.numero;
        let street = format!("{} {}", row.nom_voie, row.code_postal);
        for q in [
            format!("{n}b {street}"),
            format!("{n} bis {street}"),
            format!("{n} B {street}"),
            format!("{n}bis {street}"),
            format!("{n} BIS {street}"),
        ] {
            let p = first(&q).await;
            assert_eq!(p["id"], row.id.as_str(), "{q}: got {}", p["label"]);
        }
        // The plain number is another address (or the street), never the bis.
        assert_ne!(first(&format!("{n} {street}")).await["id"], row.id.as_str());
    }
}

#[tokio::test]
async fn former_communes_are_shown_searchable_and_filterable() {
    // Ristolas (05120) merged into Abriès-Ristolas (05001).
    let p = first("1 Traverse du Pont Ristolas").await;
    assert_eq!(p["id"], "05001_6lxlk9_00001", "{}", p["label"]);
    assert_eq!(p["city"], "Abriès-Ristolas");
    assert_eq!(p["citycode"], "05001");
    assert_eq!(p["oldcity"], "Ristolas");
    assert_eq!(p["oldcitycode"], "05120");
    let (_, body) = get("/search/?q=traverse+du+pont&citycode=05120").await;
    assert_eq!(props(&body)[0]["street"], "Traverse du Pont");
    assert!(props(&body).iter().all(|p| p["oldcitycode"] == "05120"));
}

#[tokio::test]
async fn lieux_dits_are_localities() {
    // "La Garcine" is the nom_ld of numbers of Montée du Serre Lara, Abriès-Ristolas.
    let p = first("La Garcine Abriès-Ristolas").await;
    assert_eq!(p["type"], "locality", "{}", p["label"]);
    assert_eq!(p["locality"], "La Garcine");
    assert_eq!(p["citycode"], "05001");
    let (_, body) = get("/search/?q=garcine&type=locality").await;
    assert!(props(&body).iter().all(|p| p["type"] == "locality"));
    // Its addresses are found with the lieu-dit in the query too.
    let p = first("1 Montée du Serre Lara La Garcine 05460 Abriès-Ristolas").await;
    assert_eq!(p["id"], "05001_fuxrfi_00001");
}
