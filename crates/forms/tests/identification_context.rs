//! Rules that ask for the school's category read its confirmed identification, when one is
//! passed, in place of the category the document declares (`school_profile.status`).

use std::path::{Path, PathBuf};

use forms::Catalogue;
use serde_json::{Value, json};

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn example(name: &str) -> Value {
    let text = std::fs::read_to_string(forms_dir().join("examples").join(name)).unwrap();
    forms::without_empty(&serde_json::from_str(&text).unwrap())
}

fn rules(catalogue: &Catalogue, doc: &Value, identification: Option<&Value>) -> Vec<String> {
    catalogue
        .validate_identified(
            "school-programme",
            "mordovia",
            Some("kadoshkino"),
            doc,
            &[],
            identification,
        )
        .unwrap()
        .errors
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

#[test]
fn the_confirmed_category_wins_over_the_declared_one() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    // Declares itself a school with low results, with no high-result partner.
    let doc = example(
        "school-programme.mordovia.kadoshkino.invalid.kadoshkino.high-result-agreement.json",
    );
    assert_eq!(
        rules(&catalogue, &doc, None),
        ["kadoshkino.high-result-agreement"]
    );
    // Identified as not low-results (no category the form knows): the rule does not apply.
    let none = json!({"status": null, "categories": []});
    assert_eq!(rules(&catalogue, &doc, Some(&none)), Vec::<String>::new());
    let adverse = json!({"status": "adverse_conditions"});
    let declared = doc["school_profile"]["status"].as_str().unwrap();
    let found = rules(&catalogue, &doc, Some(&adverse));
    assert!(
        !found.contains(&"kadoshkino.high-result-agreement".to_owned()),
        "{declared}: {found:?}"
    );
    // And the other way: identified as low-results although the document declares otherwise.
    let mut declared_adverse = example("school-programme.mordovia.kadoshkino.valid.json");
    declared_adverse["school_profile"]["status"] = json!("adverse_conditions");
    declared_adverse["network_interaction"]["partners"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["kind"] != "high_result");
    assert_eq!(
        rules(&catalogue, &declared_adverse, None),
        Vec::<String>::new()
    );
    let low = json!({"status": "low_results"});
    assert_eq!(
        rules(&catalogue, &declared_adverse, Some(&low)),
        ["kadoshkino.high-result-agreement"]
    );
}
