//! `ravenstvo identify`: a table of indicators judged by the place's method, locally and, when
//! logged in, on the server (stored preliminary until the regional coordinator confirms it);
//! the template; confirming; a school's category in effect.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use client::Replica;
use client::api::{IdentificationQuery, IdentificationView};
use identification::Method;

use super::{EXIT_REFUSED, Failure, client_error, table, usage};

/// Where and for when.
pub struct Place {
    /// The region.
    pub region: String,
    /// The municipality with a method of its own.
    pub municipality: Option<String>,
}

/// The place's method from the forms folder, or a usage error naming the places that have one.
pub fn method(forms_dir: &Path, place: &Place) -> anyhow::Result<Method> {
    let found = Method::find(forms_dir, &place.region, place.municipality.as_deref())
        .map_err(|e| usage(format!("методика идентификации не читается: {e}")))?;
    found.ok_or_else(|| {
        let known = identification::Methods::load(forms_dir)
            .map(|all| {
                all.iter()
                    .map(|(r, m, _)| match m {
                        Some(m) => format!("--region {r} --municipality {m}"),
                        None => format!("--region {r}"),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        let place = match &place.municipality {
            Some(m) => format!("муниципалитета «{m}» региона «{}»", place.region),
            None => format!("региона «{}»", place.region),
        };
        usage(format!(
            "у {place} нет своей методики идентификации; методики есть: {known}"
        ))
    })
}

/// Writes the empty table (CSV, `;`) to `output` or standard output, and the columns'
/// meaning to standard error.
pub fn template(method: &Method, output: Option<&PathBuf>) -> anyhow::Result<ExitCode> {
    let text = identification::template::csv(method, &[]);
    match output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| usage(format!("{}: не удалось записать: {e}", path.display())))?,
        None => print!("{text}"),
    }
    eprint!("{}", identification::template::describe(method));
    Ok(ExitCode::SUCCESS)
}

/// What `identify FILE` does.
pub struct Run {
    /// The place.
    pub place: Place,
    /// The year.
    pub year: i32,
    /// The table.
    pub file: PathBuf,
    /// Only the local preview, even when logged in.
    pub local_only: bool,
    /// JSON instead of the table.
    pub json: bool,
}

/// Judges the table locally (refusing it whole with every bad row and column), prints the
/// outcome, then, when logged in, uploads it: the server's result is stored preliminary.
pub async fn run(replica: Arc<Replica>, method: Method, run: Run) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&run.file)
        .map_err(|e| usage(format!("{}: не удалось прочитать: {e}", run.file.display())))?;
    let results = identification::identify(&method, &bytes, None).map_err(|e| {
        anyhow::Error::from(Failure {
            message: format!("{}: {}", run.file.display(), e.message_ru()),
            exit_code: crate::EXIT_USAGE,
        })
    })?;
    let logged_in = replica.session().map_err(client_error)?.is_some();
    if run.local_only || !logged_in {
        let view = IdentificationView {
            region: run.place.region.clone(),
            municipality: run.place.municipality.clone(),
            year: run.year,
            method_id: method.id.clone(),
            method_version: method.version.clone(),
            input_sha256: identification::sha256_hex(&bytes),
            state: "local".to_owned(),
            state_ru: "расчёт на этом компьютере, на сервер не отправлен".to_owned(),
            schools: results
                .into_iter()
                .map(|r| client::api::IdentifiedSchoolView {
                    categories: r
                        .categories
                        .iter()
                        .map(|id| client::api::CategoryView {
                            id: id.clone(),
                            title: method
                                .categories
                                .iter()
                                .find(|c| &c.id == id)
                                .map_or_else(|| id.clone(), |c| c.title.clone()),
                        })
                        .collect(),
                    school: r.school,
                    name: r.name,
                    status: r.status,
                    reasons: r.reasons,
                })
                .collect(),
            ..IdentificationView::default()
        };
        show(&view, run.json)?;
        if !run.local_only {
            eprintln!("Вы не вошли на сервер: результат не отправлен (ravenstvo login).");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let query = IdentificationQuery {
        region: run.place.region,
        municipality: run.place.municipality,
        year: Some(run.year),
    };
    let stored = replica
        .call(move |api| api.identify(&query, &bytes))
        .await
        .map_err(client_error)?;
    show(&stored, run.json)?;
    if !run.json {
        println!(
            "Результат № {} сохранён на сервере: {}. Вступит в силу после подтверждения: ravenstvo identify --confirm {}",
            stored.id, stored.state_ru, stored.id
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The regional coordinator confirms a result.
pub async fn confirm(replica: Arc<Replica>, id: i64, json: bool) -> anyhow::Result<ExitCode> {
    let confirmed = replica
        .call(move |api| api.confirm_identification(id))
        .await
        .map_err(client_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&confirmed)?);
    } else {
        println!(
            "Результат № {} ({} год): {}; категории школ вступили в силу.",
            confirmed.id, confirmed.year, confirmed.state_ru
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A school's category in effect and its reasons.
pub async fn school(replica: Arc<Replica>, school: String, json: bool) -> anyhow::Result<ExitCode> {
    let found = replica
        .call(move |api| api.school_identification(&school))
        .await
        .map_err(client_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&found)?);
        return Ok(ExitCode::SUCCESS);
    }
    let Some(view) = found.in_effect else {
        println!(
            "У школы {} нет подтверждённой идентификации: правила читают категорию, указанную в её документах.",
            found.school
        );
        return Ok(ExitCode::from(EXIT_REFUSED));
    };
    show(&view, false)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a result: a table of schools and categories, then each school's reasons.
fn show(view: &IdentificationView, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(view)?);
        return Ok(());
    }
    let place = view
        .municipality
        .as_ref()
        .map_or_else(|| view.region.clone(), |m| format!("{}/{m}", view.region));
    println!(
        "Идентификация {place}, {} год ({} {}), {}; файл SHA-256 {}",
        view.year, view.method_id, view.method_version, view.state_ru, view.input_sha256
    );
    let rows: Vec<Vec<String>> = view
        .schools
        .iter()
        .map(|s| {
            let categories = if s.categories.is_empty() {
                "—".to_owned()
            } else {
                s.categories
                    .iter()
                    .map(|c| c.title.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            vec![s.school.clone(), s.name.clone(), categories]
        })
        .collect();
    print!("{}", table(&["Код", "Школа", "Категория"], &rows));
    for school in &view.schools {
        println!("{}:", school.school);
        for reason in &school.reasons {
            println!("  {reason}");
        }
    }
    Ok(())
}
