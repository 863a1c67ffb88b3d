//! `ravenstvo campaign …` (open, list, status, export, obligations) and `ravenstvo
//! requirements impact`: campaigns of a region and the impact of a new requirement set, asked
//! of the server.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use client::Replica;
use client::api::ExportFormat;
use client::api::campaigns::{
    CampaignSchoolRequest, ImpactDocument, ImpactRequest, ObligationRow, OpenCampaignRequest,
};

use super::{client_error, table, usage};

/// What `campaign open` was asked for, as typed.
pub struct OpenArgs {
    /// The year.
    pub year: i32,
    /// The title, if given.
    pub title: Option<String>,
    /// Last day to submit.
    pub submit_by: String,
    /// Last day for the decision.
    pub decide_by: String,
    /// Days of warning.
    pub remind_days: Option<u32>,
    /// `category=form,form` each.
    pub owes: Vec<String>,
    /// `school` or `school=category` each.
    pub schools: Vec<String>,
}

/// Turns `category=form,form` pairs into the obligations map, checking the forms locally.
fn owes(
    replica: &Replica,
    pairs: &[String],
) -> anyhow::Result<Option<BTreeMap<String, Vec<String>>>> {
    if pairs.is_empty() {
        return Ok(None);
    }
    let mut out = BTreeMap::new();
    for pair in pairs {
        let Some((category, forms)) = pair.split_once('=') else {
            return Err(usage(format!(
                "--owes {pair:?}: ожидается категория=форма,форма, например supported=school-programme,partnership-agreement"
            )));
        };
        let forms: Vec<String> = forms
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect();
        for form in &forms {
            replica.catalogue().form(form).map_err(super::lookup)?;
        }
        out.insert(category.trim().to_owned(), forms);
    }
    Ok(Some(out))
}

/// `ravenstvo campaign open`.
pub async fn open(replica: Arc<Replica>, args: OpenArgs) -> anyhow::Result<ExitCode> {
    let request = OpenCampaignRequest {
        year: args.year,
        title: args.title,
        submit_by: args.submit_by,
        decide_by: args.decide_by,
        remind_days: args.remind_days,
        owes: owes(&replica, &args.owes)?,
        schools: (!args.schools.is_empty()).then(|| {
            args.schools
                .iter()
                .map(|s| match s.split_once('=') {
                    Some((school, category)) => CampaignSchoolRequest {
                        school: school.trim().to_owned(),
                        category: Some(category.trim().to_owned()),
                    },
                    None => CampaignSchoolRequest {
                        school: s.trim().to_owned(),
                        category: None,
                    },
                })
                .collect()
        }),
    };
    let campaign = replica
        .call(move |api| api.open_campaign(&request))
        .await
        .map_err(client_error)?;
    println!(
        "Открыта кампания № {}: «{}» ({}), школ: {}; подать до {}, решение муниципалитета до {}.",
        campaign.id,
        campaign.title,
        campaign.region_name,
        campaign.schools,
        campaign.submit_by,
        campaign.decide_by
    );
    for (category, forms) in &campaign.owes {
        println!("  {category}: {}", forms.join(", "));
    }
    println!("{}", campaign.id);
    Ok(ExitCode::SUCCESS)
}

/// `ravenstvo campaign list`.
pub async fn list(replica: Arc<Replica>, json: bool) -> anyhow::Result<ExitCode> {
    let campaigns = replica
        .call(|api| api.campaigns())
        .await
        .map_err(client_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&campaigns)?);
        return Ok(ExitCode::SUCCESS);
    }
    if campaigns.is_empty() {
        println!("Кампаний нет.");
        return Ok(ExitCode::SUCCESS);
    }
    let cells: Vec<Vec<String>> = campaigns
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.title.clone(),
                c.year.to_string(),
                c.submit_by.clone(),
                c.decide_by.clone(),
                c.schools.to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &["№", "Кампания", "Год", "Подать до", "Решение до", "Школ"],
            &cells
        )
    );
    Ok(ExitCode::SUCCESS)
}

fn state_cell(row: &ObligationRow) -> String {
    row.summary_ru.clone()
}

fn day(timestamp: &Option<String>) -> String {
    timestamp
        .as_deref()
        .map_or_else(|| "—".to_owned(), |t| t.get(..10).unwrap_or(t).to_owned())
}

/// `ravenstvo campaign status ID`: a table per school and form, then counts by municipality.
pub async fn status(replica: Arc<Replica>, id: i64, json: bool) -> anyhow::Result<ExitCode> {
    let status = replica
        .call(move |api| api.campaign_status(id))
        .await
        .map_err(client_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(ExitCode::SUCCESS);
    }
    let c = &status.campaign;
    println!(
        "Кампания № {}: «{}», {}; подать до {}, решение до {}; на {}",
        c.id, c.title, c.region_name, c.submit_by, c.decide_by, status.today
    );
    let cells: Vec<Vec<String>> = status
        .rows
        .iter()
        .map(|r| {
            vec![
                r.municipality_name.clone(),
                r.school_name.clone(),
                r.form_ru.clone(),
                r.status_ru.clone(),
                day(&r.submitted_at),
                day(&r.approved_at),
                state_cell(r),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                "Муниципалитет",
                "Школа",
                "Документ",
                "Состояние",
                "Подан",
                "Одобрен",
                "Итог"
            ],
            &cells
        )
    );
    println!();
    let counts: Vec<Vec<String>> = status
        .municipalities
        .iter()
        .map(|m| {
            vec![
                m.municipality_name.clone(),
                m.schools.to_string(),
                m.owed.to_string(),
                m.submitted.to_string(),
                m.approved.to_string(),
                m.missing.to_string(),
                m.late.to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                "Муниципалитет",
                "Школ",
                "Документов",
                "Подано",
                "Одобрено",
                "Нет документа",
                "Просрочено"
            ],
            &counts
        )
    );
    let missing = status.rows.iter().filter(|r| r.missing).count();
    let late = status
        .rows
        .iter()
        .filter(|r| r.late_submission || r.late_decision)
        .count();
    println!("Нет документа: {missing}; просрочено: {late}.");
    Ok(ExitCode::SUCCESS)
}

/// `ravenstvo campaign export ID --format F --output FILE`.
pub async fn export(
    replica: Arc<Replica>,
    id: i64,
    format: ExportFormat,
    output: PathBuf,
) -> anyhow::Result<ExitCode> {
    let bytes = replica
        .call(move |api| api.campaign_export(id, format))
        .await
        .map_err(client_error)?;
    let written = if output.as_os_str() == "-" {
        std::io::stdout().lock().write_all(&bytes)
    } else {
        std::fs::write(&output, &bytes)
    };
    written.map_err(|e| usage(format!("{}: не удалось записать: {e}", output.display())))?;
    if output.as_os_str() != "-" {
        println!(
            "Кампания № {id} выгружена → {} ({}, {} байт)",
            output.display(),
            format.as_str(),
            bytes.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `ravenstvo campaign obligations`: what the user's schools owe, and their reminders.
pub async fn obligations(replica: Arc<Replica>, json: bool) -> anyhow::Result<ExitCode> {
    let view = replica
        .call(|api| api.obligations())
        .await
        .map_err(client_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(ExitCode::SUCCESS);
    }
    if view.campaigns.is_empty() {
        println!("Ваши школы не участвуют ни в одной кампании.");
    }
    for campaign in &view.campaigns {
        println!(
            "Кампания № {}: «{}»; подать до {}, решение до {}",
            campaign.campaign.id,
            campaign.campaign.title,
            campaign.campaign.submit_by,
            campaign.campaign.decide_by
        );
        let cells: Vec<Vec<String>> = campaign
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.school_name.clone(),
                    r.form_ru.clone(),
                    r.summary_ru.clone(),
                ]
            })
            .collect();
        print!("{}", table(&["Школа", "Документ", "Итог"], &cells));
    }
    for reminder in &view.reminders {
        println!("Напоминание: {}", reminder.message);
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and compiles `path` as a new edition of `region`'s set for `form`, as the server
/// will: a set that does not compile is a usage error here, before anything is asked.
fn read_set(
    replica: &Replica,
    region: &str,
    form: &str,
    path: &Path,
) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("{}: не удалось прочитать: {e}", path.display())))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| usage(format!("{}: не JSON: {e}", path.display())))?;
    replica.catalogue().region(region).map_err(super::lookup)?;
    replica.catalogue().form(form).map_err(super::lookup)?;
    replica
        .catalogue()
        .compile_set(region, form, value.clone(), path)
        .map_err(|e| usage(format!("набор требований не читается: {e}")))?;
    Ok(value)
}

/// `ravenstvo requirements impact --region R --form F NEW.json`: every submission of the
/// region and form judged against NEW, page by page with progress on stderr; prints which
/// would now fail, by rule and by school.
pub async fn impact(
    replica: Arc<Replica>,
    region: String,
    form: String,
    path: PathBuf,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let requirements = read_set(&replica, &region, &form, &path)?;
    let mut after = None;
    let mut failing: Vec<ImpactDocument> = Vec::new();
    let (total, id, version, effective_from) = loop {
        let request = ImpactRequest {
            region: region.clone(),
            form: form.clone(),
            requirements: requirements.clone(),
            after: after.clone(),
            limit: None,
        };
        let page = replica
            .call(move |api| api.impact(&request))
            .await
            .map_err(client_error)?;
        eprintln!("проверено подач: {} из {}", page.checked, page.total);
        failing.extend(page.would_fail.iter().cloned());
        after = page.next.clone();
        if after.is_none() {
            break (
                page.total,
                page.requirements_id,
                page.version,
                page.effective_from,
            );
        }
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "requirements_id": id,
                "version": version,
                "effective_from": effective_from,
                "total": total,
                "would_fail": failing,
            }))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Новая редакция {id} {version} (действует с {effective_from}): из {total} поданных документов не прошли бы проверку {}.",
        failing.len()
    );
    if failing.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let mut by_rule: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for doc in &failing {
        for finding in &doc.findings {
            let schools = by_rule.entry(&finding.rule).or_default();
            if !schools.contains(&doc.school_name.as_str()) {
                schools.push(&doc.school_name);
            }
        }
    }
    println!("\nПо правилам:");
    let cells: Vec<Vec<String>> = by_rule
        .iter()
        .map(|(rule, schools)| {
            vec![
                (*rule).to_owned(),
                schools.len().to_string(),
                schools.join("; "),
            ]
        })
        .collect();
    print!("{}", table(&["Правило", "Школ", "Школы"], &cells));
    println!("\nПо школам:");
    for doc in &failing {
        println!(
            "{} ({}), документ {} раунд {}, подан {} по {}:",
            doc.school_name,
            doc.municipality_name,
            doc.document,
            doc.round,
            doc.submitted_at.get(..10).unwrap_or(&doc.submitted_at),
            doc.judged_by
        );
        for finding in &doc.findings {
            println!("  [{}] {}", finding.rule, finding.message);
        }
    }
    Ok(ExitCode::SUCCESS)
}
