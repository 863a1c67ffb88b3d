//! Every regional rule is traced to its sentence: the source documents live in
//! `forms/sources/` (copies of `../shared/seeds/`, so that a clean clone can check them), and
//! each rule's (and each waiver's) `quote` must be words of the line(s) its `source` cites.

use std::path::{Path, PathBuf};

use forms::Catalogue;

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

/// Collapses every run of whitespace into one space, so that a quote may span a line break or
/// a doubled space of the source document.
fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The file and the 1-based inclusive line range a `source` such as `002_….txt:389-394` cites.
fn cited(source: &str) -> Result<(&str, usize, usize), String> {
    let (file, lines) = source
        .rsplit_once(':')
        .ok_or_else(|| format!("{source:?} cites no line"))?;
    let number = |n: &str| {
        n.parse::<usize>()
            .map_err(|_| format!("{source:?}: {n:?} is not a line number"))
    };
    let (first, last) = match lines.split_once('-') {
        Some((first, last)) => (number(first)?, number(last)?),
        None => (number(lines)?, number(lines)?),
    };
    if first == 0 || last < first {
        return Err(format!("{source:?}: bad line range"));
    }
    Ok((file, first, last))
}

#[test]
fn every_regional_rule_and_waiver_quotes_the_lines_it_cites() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let mut problems = Vec::new();
    let mut quoted = 0;
    let sets = catalogue.regions().flat_map(|region| {
        region
            .sets
            .values()
            .chain(region.municipalities.values().flat_map(|m| m.sets.values()))
    });
    {
        for set in sets {
            let rules = set.rules.iter().map(|rule| {
                let quote = rule.quote.as_deref().expect("the loader demands a quote");
                (rule.id.clone(), rule.source.as_str(), quote)
            });
            let waivers = set.waivers.iter().map(|waiver| {
                let id = format!("{} waiving {}", set.id, waiver.rule);
                (id, waiver.source.as_str(), waiver.quote.as_str())
            });
            for (id, source, quote) in rules.chain(waivers) {
                let (file, first, last) = match cited(source) {
                    Ok(cited) => cited,
                    Err(problem) => {
                        problems.push(format!("{}: {problem}", id));
                        continue;
                    }
                };
                let path = forms_dir().join("sources").join(file);
                let Ok(text) = std::fs::read_to_string(&path) else {
                    problems.push(format!("{}: no source file {}", id, path.display()));
                    continue;
                };
                let lines: Vec<&str> = text.lines().collect();
                if last > lines.len() {
                    problems.push(format!("{}: {file} has {} lines", id, lines.len()));
                    continue;
                }
                let passage = normalise(&lines[first - 1..last].join("\n"));
                if !passage.contains(&normalise(quote)) {
                    problems.push(format!(
                        "{}: «{quote}» is not in {}:\n    {passage}",
                        id, source
                    ));
                    continue;
                }
                quoted += 1;
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(quoted > 0, "no regional rule was checked");
}

#[test]
fn sources_are_byte_copies_of_the_shared_seeds_when_those_exist() {
    // `../shared` sits beside the project's main checkout; a worktree lies deeper, so look
    // in every folder above the project.
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let project = project.canonicalize().unwrap();
    let Some(seeds) = project
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/seeds"))
        .find(|dir| dir.is_dir())
    else {
        // A clean clone (CI) has no ../shared: the copies are all there is.
        return;
    };
    let entries = std::fs::read_dir(&seeds).unwrap();
    let mut compared = 0;
    for entry in entries {
        let seed = entry.unwrap().path();
        if seed.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        let name = seed.file_name().unwrap();
        let copy = forms_dir().join("sources").join(name);
        let copy_bytes = std::fs::read(&copy)
            .unwrap_or_else(|e| panic!("{} is not copied: {e}", copy.display()));
        assert!(
            copy_bytes == std::fs::read(&seed).unwrap(),
            "{} differs from {}",
            copy.display(),
            seed.display()
        );
        compared += 1;
    }
    assert!(compared > 0, "{} holds no seed", seeds.display());
}

#[test]
fn line_ranges_are_read_from_the_source() {
    assert_eq!(cited("a.txt:12"), Ok(("a.txt", 12, 12)));
    assert_eq!(cited("a.txt:389-394"), Ok(("a.txt", 389, 394)));
    assert!(cited("a.txt:9-3").is_err());
    assert!(cited("general").is_err());
    assert_eq!(normalise(" не  менее\n36 часов "), "не менее 36 часов");
}
