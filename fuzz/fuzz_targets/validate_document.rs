//! Documents given to validation: any bytes that parse as JSON are judged as every form under
//! every region (its municipalities too), alone and beside itself as the school's other
//! document, after reading them as a 1.x document would be read. Validation must return a
//! report or a lookup error, never panic, whatever the nesting or the values.
#![no_main]

use std::sync::LazyLock;

use forms::Catalogue;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    Catalogue::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../forms")).expect("forms/ loads")
});

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let catalogue = &*CATALOGUE;
    let forms: Vec<String> = catalogue.forms().map(|f| f.id.clone()).collect();
    let regions: Vec<String> = catalogue.regions().map(|r| r.id.clone()).collect();
    for form in &forms {
        let current = forms::migrate::to_current(form, doc.clone());
        for region in &regions {
            let _ = catalogue.validate(form, region, &current);
            let _ = catalogue.validate_with(form, region, None, &current, &[(form, &doc)]);
        }
        let _ = catalogue.validate_in(form, "mordovia", Some("kadoshkino"), &current);
    }
});
