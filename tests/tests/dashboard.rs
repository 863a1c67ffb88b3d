//! The coordinator's dashboard and the registry's school filter against the real server with
//! the demo region: counts by municipality and status match the documents, findings are counted
//! once per document and sorted, and only coordinators are answered.

use e2e::{Api, Server};

#[test]
fn the_dashboard_counts_the_regions_documents_by_municipality_and_status() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let coordinator = Api::demo(&server, "coordinator");
    let (status, view) = coordinator.get("/api/dashboard");
    assert_eq!(status, 200, "{view}");
    let mut cells: Vec<(String, String, u64)> = view["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["municipality"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    cells.sort();
    // The demo: Красное's programme collected, agreement submitted, policy change returned;
    // Суходол's programme a draft, its policy change approved — all in Краснинский район.
    let expected: Vec<(String, String, u64)> =
        ["approved", "collected", "draft", "returned", "submitted"]
            .iter()
            .map(|s| ("krasninsky".to_owned(), (*s).to_owned(), 1))
            .collect();
    assert_eq!(cells, expected);
    assert!(
        view["cells"]
            .as_array()
            .unwrap()
            .iter()
            .all(
                |c| c["municipality_name"] == "Краснинский муниципальный район"
                    && !c["status_ru"].as_str().unwrap().is_empty()
            )
    );

    let findings = view["findings"].as_array().unwrap();
    let counts: Vec<u64> = findings
        .iter()
        .map(|f| f["count"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    for finding in findings {
        let documents = finding["documents"].as_array().unwrap();
        assert_eq!(documents.len() as u64, finding["count"].as_u64().unwrap());
        assert!(!finding["example"].as_str().unwrap().is_empty());
        assert!(matches!(
            finding["severity"].as_str(),
            Some("error" | "warning")
        ));
    }

    // Only coordinators: a reviewer and a school are refused, with the reason in Russian.
    for user in ["reviewer", "editor"] {
        let (status, body) = Api::demo(&server, user).get("/api/dashboard");
        assert_eq!(status, 403, "{user}: {body}");
        assert!(body["message"].as_str().unwrap().contains("координатор"));
    }
    // It is in the OpenAPI document.
    let (_, openapi) = coordinator.get("/api/openapi.json");
    assert!(openapi["paths"]["/api/dashboard"]["get"].is_object());
    assert!(openapi["components"]["schemas"]["DashboardView"].is_object());
}

#[test]
fn the_registry_filters_by_school() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let coordinator = Api::demo(&server, "coordinator");
    let schools = |query: &str| -> Vec<String> {
        let (status, rows) = coordinator.get(&format!("/api/registry{query}"));
        assert_eq!(status, 200, "{rows}");
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r["school"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut all = schools("");
    all.sort();
    assert_eq!(all, ["krasnoe", "sukhodol"]);
    assert_eq!(schools("?school=sukhodol"), ["sukhodol"]);
    assert_eq!(schools("?school=krasnoe"), ["krasnoe"]);
    assert!(schools("?school=lyceum-44").is_empty());
    let (status, csv) = coordinator.get_bytes("/api/registry/export?format=csv&school=krasnoe");
    assert_eq!(status, 200);
    let text = String::from_utf8(csv).unwrap();
    assert!(
        text.contains("Красное") && !text.contains("Суходол"),
        "{text}"
    );
}

#[test]
fn a_reviewer_reads_the_findings_of_the_latest_submission() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let docs = Api::demo(&server, "admin").documents();
    let find = |form: &str, school: &str| {
        docs.iter()
            .find(|(_, f, s)| f == form && s == school)
            .map(|(id, ..)| id.clone())
            .unwrap_or_else(|| panic!("no {form} of {school}"))
    };
    let agreement = find("partnership-agreement", "krasnoe");
    let (status, report) =
        Api::demo(&server, "reviewer").get(&format!("/api/documents/{agreement}/report"));
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["valid"], true);
    assert_eq!(report["form"], "partnership-agreement");
    assert!(report["errors"].as_array().unwrap().is_empty());
    // A draft has nothing to judge; a stranger learns nothing.
    let draft = find("school-programme", "sukhodol");
    let (status, body) =
        Api::demo(&server, "sukhodol-editor").get(&format!("/api/documents/{draft}/report"));
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"], "not-submitted");
    let (status, body) =
        Api::demo(&server, "sukhodol-editor").get(&format!("/api/documents/{agreement}/report"));
    assert_eq!(status, 404, "{body}");
    assert_ne!(body["error"], "not-submitted");
}
