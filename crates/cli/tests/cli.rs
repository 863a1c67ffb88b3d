//! The `ravenstvo` binary as a person uses it: exit codes, Russian output, bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn ravenstvo() -> Command {
    let mut cmd = Command::cargo_bin("ravenstvo").unwrap();
    cmd.env("RAVENSTVO_FORMS_DIR", forms_dir());
    cmd
}

/// The first example whose name ends with `suffix`, split into (form, region, path).
fn example(suffix: &str) -> (String, String, PathBuf) {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(forms_dir().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let path = paths
        .into_iter()
        .find(|p| p.to_str().unwrap().contains(suffix))
        .unwrap_or_else(|| panic!("no example matching {suffix}"));
    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
    let mut parts = name.splitn(3, '.');
    (
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
        path,
    )
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn valid_document_exits_zero_with_a_russian_verdict() {
    let (form, region, path) = example(".valid.json");
    let out = ravenstvo()
        .args(["validate", "--form", &form, "--region", &region])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).starts_with("✓ Документ соответствует требованиям"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_document_made_under_forms_1_x_is_read_in_the_current_shapes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/v1/school-programme.lipetsk.valid.json");
    let old: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        old["action_plan"][0].get("start").is_some(),
        "a 1.x fixture"
    );
    let out = ravenstvo()
        .args([
            "validate",
            "--form",
            "school-programme",
            "--region",
            "lipetsk",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn invalid_document_exits_one_and_names_rule_and_field() {
    let (form, region, path) = example(".invalid.schema.required.json");
    let out = ravenstvo()
        .args(["validate", "--form", &form, "--region", &region])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.starts_with("✗ Документ не соответствует требованиям"),
        "{text}"
    );
    assert!(text.contains("обязательное поле не заполнено"), "{text}");
    assert!(text.contains("[schema.required]"), "{text}");
}

#[test]
fn json_report_has_the_documented_shape() {
    let (form, region, path) = example(".invalid.schema.required.json");
    let out = ravenstvo()
        .args([
            "validate", "--format", "json", "--form", &form, "--region", &region,
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["form"], form.as_str());
    assert_eq!(report["region"], region.as_str());
    assert!(report["form_version"].is_string() && report["requirements_version"].is_string());
    let error = &report["errors"][0];
    assert_eq!(error["rule"], "schema.required");
    assert_eq!(error["severity"], "error");
    assert!(error["pointer"].as_str().unwrap().starts_with('/'));
    assert!(report["warnings"].is_array());
}

#[test]
fn dash_reads_standard_input() {
    let (form, region, path) = example(".valid.json");
    ravenstvo()
        .args(["validate", "--form", &form, "--region", &region, "-"])
        .write_stdin(std::fs::read(path).unwrap())
        .assert()
        .code(0);
}

fn validate_bytes(bytes: Vec<u8>) -> std::process::Output {
    let (form, region, _) = example(".valid.json");
    ravenstvo()
        .args(["validate", "--form", &form, "--region", &region, "-"])
        .write_stdin(bytes)
        .output()
        .unwrap()
}

#[test]
fn malformed_json_gives_line_and_column_and_exit_two() {
    let out = validate_bytes(b"{\n  \"school\": {\n    \"name\": ,\n}".to_vec());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "ошибка: стандартный ввод: строка 3, столбец 13: неверный JSON: ожидалось значение"
    );
}

#[test]
fn invalid_utf8_is_a_clear_error() {
    let out = validate_bytes(b"{\"a\": \"\xc3\x28\"}".to_vec());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("не в кодировке UTF-8"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn deeply_nested_input_is_refused_without_a_crash() {
    let out =
        validate_bytes(format!("{}1{}", "[".repeat(200_000), "]".repeat(200_000)).into_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("слишком глубокая вложенность"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_huge_file_is_refused_with_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap();
    let (form, region, _) = example(".valid.json");
    let out = ravenstvo()
        .args(["validate", "--form", &form, "--region", &region])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("файл слишком большой"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_non_object_document_is_invalid_not_an_error() {
    let out = validate_bytes(b"[1, 2, 3]".to_vec());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("Документ: ожидается раздел с полями (объект), указано: список"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn missing_file_is_a_usage_error() {
    let (form, region, _) = example(".valid.json");
    let out = ravenstvo()
        .args([
            "validate",
            "--form",
            &form,
            "--region",
            &region,
            "/no/such/file.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/no/such/file.json: не удалось прочитать: файл не найден"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_form_and_region_list_what_exists() {
    let (form, region, path) = example(".valid.json");
    let out = ravenstvo()
        .args(["validate", "--form", "no-such-form", "--region", &region])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(
        text.contains("неизвестная форма «no-such-form»; есть формы:") && text.contains(&form),
        "{text}"
    );
    let out = ravenstvo()
        .args(["validate", "--form", &form, "--region", "atlantis"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("неизвестный регион «atlantis»; есть регионы:"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("lipetsk"), "{}", stderr(&out));
}

#[test]
fn missing_arguments_are_a_usage_error() {
    ravenstvo().arg("validate").assert().code(2);
    ravenstvo().assert().code(2);
}

#[test]
fn forms_list_shows_forms_and_regions() {
    let out = ravenstvo().args(["forms", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for region in ["lipetsk", "leningrad", "mordovia", "oryol"] {
        assert!(text.contains(region), "{text}");
    }
    let (form, _, _) = example(".valid.json");
    assert!(text.contains(&form), "{text}");
}

#[test]
fn forms_show_with_region_prints_its_requirements() {
    let (form, region, _) = example(".valid.json");
    let out = ravenstvo()
        .args(["forms", "show", &form, "--region", &region])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("Поля (* — обязательное):"), "{text}");
    assert!(text.contains("сверх общей формы"), "{text}");
    assert!(
        text.contains(&format!("[{region}.")),
        "region rules are listed by id: {text}"
    );
    let set: Value = serde_json::from_str(
        &std::fs::read_to_string(forms_dir().join(format!("regions/{region}/{form}.json")))
            .unwrap(),
    )
    .unwrap();
    for rule in set["rules"].as_array().unwrap() {
        let quoted = format!(
            "Источник ({}): «{}»",
            rule["source"].as_str().unwrap(),
            rule["quote"].as_str().unwrap()
        );
        assert!(text.contains(&quoted), "{quoted} is not printed: {text}");
    }
}

#[test]
fn forms_show_prints_the_general_rules_a_region_waives_with_their_source() {
    let out = ravenstvo()
        .args(["forms", "show", "school-programme", "--region", "oryol"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("Общие правила, которые Орловская область не применяет"),
        "{text}"
    );
    assert!(
        text.contains("[programme.self-diagnosis-before-start]"),
        "{text}"
    );
    assert!(
        text.contains("«Разработка модели самодиагностики общеобразовательных организаций.»"),
        "{text}"
    );
}

#[test]
fn template_is_a_document_the_validator_judges() {
    let (form, region, _) = example(".valid.json");
    let out = ravenstvo()
        .args(["forms", "template", &form])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let template: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(template.is_object());
    let judged = ravenstvo()
        .args(["validate", "--form", &form, "--region", &region, "-"])
        .write_stdin(stdout(&out))
        .output()
        .unwrap();
    assert_eq!(
        judged.status.code(),
        Some(1),
        "an empty template is not a finished document"
    );
}

#[test]
fn a_pattern_error_says_what_is_expected() {
    let (form, region, path) = example(".invalid.schema.pattern.json");
    let out = ravenstvo()
        .args(["validate", "--form", &form, "--region", &region])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("неверный формат значения") && text.contains(" — "),
        "{text}"
    );
}

/// The CLI on a fresh replica in `dir`, with no server in the environment.
fn replica(dir: &Path) -> Command {
    let mut cmd = ravenstvo();
    cmd.env("RAVENSTVO_DATA_DIR", dir)
        .env_remove("RAVENSTVO_SERVER")
        .env("RAVENSTVO_AUTHOR", "Тест");
    cmd
}

#[test]
fn server_commands_without_login_say_how_to_log_in() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["whoami"],
        vec!["documents"],
        vec!["status", "22vkbGKnTF5APHh1Gie9btYFXh5v"],
        vec!["sign", "22vkbGKnTF5APHh1Gie9btYFXh5v"],
        vec!["collect", "22vkbGKnTF5APHh1Gie9btYFXh5v"],
        vec!["changes", "22vkbGKnTF5APHh1Gie9btYFXh5v"],
        vec!["review", "22vkbGKnTF5APHh1Gie9btYFXh5v", "approve"],
        vec!["registry"],
        vec!["export", "--format", "csv", "--output", "-"],
    ] {
        let out = replica(dir.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("вы не вошли: ravenstvo login"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn submit_without_login_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (form, region, path) = example(".valid.json");
    let out = replica(dir.path())
        .args([
            "new",
            &form,
            "--region",
            &region,
            "--mentor",
            "lyceum-44",
            "--from",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&out).trim().to_owned();
    let out = replica(dir.path()).args(["submit", &id]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("вы не вошли"), "{}", stderr(&out));
}

#[test]
fn sync_without_a_server_or_a_login_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = replica(dir.path()).arg("sync").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("не указан сервер: --server"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_programme_without_a_mentor_warns_that_it_cannot_be_registered() {
    let dir = tempfile::tempdir().unwrap();
    let out = replica(dir.path())
        .args(["new", "school-programme", "--region", "lipetsk"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("--mentor"), "{}", stderr(&out));
    let out = replica(dir.path())
        .args(["new", "stimulus-policy-change", "--region", "lipetsk"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "", "no mentor needed for a policy change");
}

#[test]
fn review_arguments_are_checked_before_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    let doc = "22vkbGKnTF5APHh1Gie9btYFXh5v";
    let cases: [(&[&str], &str); 5] = [
        (&["review", doc, "return"], "хотя бы одно замечание"),
        (
            &["review", doc, "approve", "--comment", "/goals/0=x"],
            "только при возврате",
        ),
        (
            &["review", doc, "return", "--comment", "без знака"],
            "ПОЛЕ=ТЕКСТ",
        ),
        (
            &["review", doc, "return", "--comment", "goals=x"],
            "начинается с /",
        ),
        (&["review", doc, "maybe"], "maybe"),
    ];
    for (args, expected) in cases {
        let out = replica(dir.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn registry_filters_are_checked_locally() {
    let dir = tempfile::tempdir().unwrap();
    let out = replica(dir.path())
        .args(["registry", "--from", "2026-13-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ГГГГ-ММ-ДД"), "{}", stderr(&out));
    let out = replica(dir.path())
        .args(["registry", "--form", "no-such-form"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("неизвестная форма"),
        "{}",
        stderr(&out)
    );
    let out = replica(dir.path())
        .args(["registry", "--status", "draft"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    ravenstvo()
        .args(["export", "--format", "csv"])
        .assert()
        .code(2);
    ravenstvo()
        .args(["export", "--format", "pdf", "--output", "x"])
        .assert()
        .code(2);
}

#[test]
fn login_checks_the_address_and_the_password_source() {
    let dir = tempfile::tempdir().unwrap();
    let out = replica(dir.path())
        .args(["login", "--server", "https://example.org", "--user", "u"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("https"), "{}", stderr(&out));
    // Standard input is not a terminal here: no prompt, a clear error.
    let out = replica(dir.path())
        .args(["login", "--server", "http://127.0.0.1:9", "--user", "u"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--password-stdin"),
        "{}",
        stderr(&out)
    );
    let out = replica(dir.path())
        .args(["login", "--server", "http://127.0.0.1:9", "--user", "u"])
        .arg("--password-stdin")
        .write_stdin("\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("пароль пуст"), "{}", stderr(&out));
    ravenstvo()
        .args(["login", "--server", "http://h"])
        .assert()
        .code(2);
}

#[test]
fn login_to_a_server_that_is_not_there_exits_three() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on the discard port of localhost.
    let out = replica(dir.path())
        .args(["login", "--server", "http://127.0.0.1:9", "--user", "u"])
        .arg("--password-stdin")
        .write_stdin("secret\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("сервер http://127.0.0.1:9 недоступен"),
        "{}",
        stderr(&out)
    );
    // Nothing was kept: still not logged in, and no server remembered.
    let out = replica(dir.path()).arg("whoami").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = replica(dir.path()).arg("sync").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn logout_without_login_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let out = replica(dir.path()).arg("logout").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("не вошли"), "{}", stdout(&out));
}

#[test]
fn json_lines_judge_many_documents_in_one_run_each_as_alone() {
    let (form, region, valid) = example(".valid.json");
    let (broken_form, broken_region, broken) = example(".invalid.schema.type.json");
    let line = |form: &str, region: &str, path: &Path| {
        let document: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        serde_json::json!({"form": form, "region": region, "document": document}).to_string()
    };
    let input = format!(
        "{}\n\n{}\nне JSON\n{}\n",
        line(&form, &region, &valid),
        line(&broken_form, &broken_region, &broken),
        line(&form, "atlantis", &valid),
    );
    let out = ravenstvo()
        .args(["validate", "--format", "json-lines", "-"])
        .write_stdin(input)
        .output()
        .unwrap();
    // A line that cannot be judged makes it a usage error; the others are still judged.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let verdicts: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts.len(), 4, "the blank line is skipped");
    assert_eq!(verdicts[0]["line"], 1);
    assert_eq!(verdicts[0]["report"]["valid"], true);
    assert_eq!(verdicts[1]["line"], 3);
    // The same report as `--format json` gives for the file alone.
    let alone = ravenstvo()
        .args([
            "validate",
            "--format",
            "json",
            "--form",
            &broken_form,
            "--region",
            &broken_region,
        ])
        .arg(&broken)
        .output()
        .unwrap();
    let alone: Value = serde_json::from_str(&stdout(&alone)).unwrap();
    assert_eq!(verdicts[1]["report"], alone);
    assert_eq!(verdicts[2]["line"], 4);
    assert!(
        verdicts[2]["error"]
            .as_str()
            .unwrap()
            .contains("неверный JSON"),
        "{}",
        verdicts[2]
    );
    assert_eq!(verdicts[3]["line"], 5);
    assert!(
        verdicts[3]["error"].as_str().unwrap().contains("atlantis"),
        "{}",
        verdicts[3]
    );
}

#[test]
fn json_lines_of_valid_documents_exit_zero_and_invalid_exit_one() {
    let (form, region, valid) = example(".valid.json");
    let (_, _, broken) = example(&format!("{form}.{region}.invalid.schema"));
    let document =
        |path: &Path| -> Value { serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap() };
    let valid_line = serde_json::json!({"document": document(&valid)}).to_string();
    let run = |input: String| {
        ravenstvo()
            .args([
                "validate",
                "--format",
                "json-lines",
                "--form",
                &form,
                "--region",
                &region,
                "-",
            ])
            .write_stdin(input)
            .output()
            .unwrap()
    };
    let out = run(format!("{valid_line}\n{valid_line}"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2);
    let broken_line = serde_json::json!({"document": document(&broken)}).to_string();
    let out = run(format!("{valid_line}\n{broken_line}\n"));
    assert_eq!(out.status.code(), Some(1));
    let last: Value = serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    assert_eq!(last["report"]["valid"], false);
}

#[test]
fn json_lines_name_a_municipality_per_line_or_by_flag() {
    let (form, region, path) = example(".kadoshkino.valid.json");
    let document: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let with = serde_json::json!({"form": form, "region": region, "municipality": "kadoshkino", "document": document});
    let without = serde_json::json!({"form": form, "region": region, "document": document});
    let out = ravenstvo()
        .args(["validate", "--format", "json-lines", "-"])
        .write_stdin(format!("{with}\n{without}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let verdicts: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts[0]["report"]["municipality"], "kadoshkino");
    assert!(
        verdicts[0]["report"]["requirements_id"]
            .as_str()
            .unwrap()
            .contains(" + "),
        "{}",
        verdicts[0]
    );
    assert!(verdicts[1]["report"].get("municipality").is_none());
    let out = ravenstvo()
        .args([
            "validate",
            "--format",
            "json-lines",
            "--municipality",
            "atlantis",
            "--form",
            &form,
            "--region",
            &region,
            "-",
        ])
        .write_stdin(format!("{without}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("atlantis"), "{}", stdout(&out));
}
