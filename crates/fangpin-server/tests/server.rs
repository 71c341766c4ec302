//! The served OpenAPI document is the one kept in docs/openapi.json.
//! Run with `FANGPIN_UPDATE_DOCS=1` to rewrite the file after changing the API.

use utoipa::OpenApi;

#[test]
fn docs_openapi_json_is_the_served_document() {
    let served = serde_json::to_string_pretty(&fangpin_server::http::ApiDoc::openapi())
        .expect("json")
        + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("FANGPIN_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &served).expect("write docs/openapi.json");
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(kept == served, "docs/openapi.json is stale: run FANGPIN_UPDATE_DOCS=1 cargo test -p fangpin-server --test server");
    let doc: serde_json::Value = serde_json::from_str(&served).expect("json");
    for path in [
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/conflicts/resolve",
        "/api/v1/attachments/{sha256}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[test]
fn every_documented_parameter_is_where_the_handler_reads_it() {
    // The history's table, id and field were once documented as path parameters; a path
    // parameter must appear in its path, and the history's are query parameters.
    let doc = serde_json::to_value(fangpin_server::http::ApiDoc::openapi()).expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("item") {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().expect("name");
                let placed = p["in"].as_str().expect("in");
                assert_eq!(
                    placed == "path",
                    path.contains(&format!("{{{name}}}")),
                    "{method} {path}: {name} is documented in {placed}"
                );
            }
        }
    }
    let history = doc["paths"]["/api/v1/history"]["get"]["parameters"]
        .as_array()
        .expect("history parameters");
    let mut names: Vec<(&str, &str)> = history
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or(""),
                p["in"].as_str().unwrap_or(""),
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [("field", "query"), ("id", "query"), ("table", "query")]
    );
}
