//! `ravenstvo forms list | show | template`: what forms there are and what they ask for.

use std::process::ExitCode;

use ::forms::{Catalogue, Rule, Severity};

/// Prints every form and every region with its requirement sets.
pub fn list(catalogue: &Catalogue) -> anyhow::Result<ExitCode> {
    println!("Формы:");
    for form in catalogue.forms() {
        println!("  {:<24} {:<8} {}", form.id, form.version, form.title);
    }
    println!("\nРегионы:");
    for region in catalogue.regions() {
        println!("  {:<24} {}", region.id, region.name);
        for (form, set) in &region.sets {
            println!(
                "    {:<22} требования {} версии {}, действуют с {}, правил: {}",
                form,
                set.id,
                set.version,
                set.effective_from,
                set.rules.len()
            );
        }
        for municipality in region.municipalities.values() {
            println!(
                "    муниципалитет {:<12} {} (--municipality {})",
                municipality.id, municipality.name, municipality.id
            );
            for (form, set) in &municipality.sets {
                println!(
                    "      {:<20} требования {} версии {}, действуют с {}, правил: {}",
                    form,
                    set.id,
                    set.version,
                    set.effective_from,
                    set.rules.len()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the fields of a form and, with a region, what the region demands beyond the base.
pub fn show(
    catalogue: &Catalogue,
    form_id: &str,
    region: Option<&str>,
    municipality: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let form = catalogue.form(form_id).map_err(super::lookup)?;
    let set = region
        .map(|r| catalogue.requirement_set(form_id, r))
        .transpose()
        .map_err(super::lookup)?;
    let municipal = match (region, municipality) {
        (Some(region), Some(municipality)) => Some((
            catalogue
                .municipality(region, municipality)
                .map_err(super::lookup)?,
            catalogue
                .municipal_set(form_id, region, municipality)
                .map_err(super::lookup)?,
        )),
        _ => None,
    };
    println!("{} ({} {})", form.title, form.id, form.version);
    println!("{}\n", form.description);
    println!("Поля (* — обязательное):");
    for line in catalogue.outline(form_id).map_err(super::lookup)? {
        let indent = "  ".repeat(line.depth + 1);
        let star = if line.required { "*" } else { " " };
        println!(
            "{indent}{star} {} — {} [{}]",
            line.title,
            line.kind.describe(),
            line.pointer
        );
    }
    println!("\nОбщие правила формы (для всех регионов):");
    print_rules(catalogue, &form.rules);
    if let (Some(set), Some(region)) = (set, region) {
        let region = catalogue.region(region).map_err(super::lookup)?;
        println!("\nЧто требует {} сверх общей формы", region.name);
        println!(
            "  {} — версия {}, действует с {}",
            set.id, set.version, set.effective_from
        );
        println!("  Основание: {}", set.basis);
        print_rules(catalogue, &set.rules);
        print_waivers(&region.name, &set.waivers);
    }
    if let Some((municipality, set)) = municipal {
        println!(
            "\nЧто требует {} сверх требований региона",
            municipality.name
        );
        match set {
            Some(set) => {
                println!(
                    "  {} — версия {}, действует с {}",
                    set.id, set.version, set.effective_from
                );
                println!("  Основание: {}", set.basis);
                print_rules(catalogue, &set.rules);
                print_waivers(&municipality.name, &set.waivers);
            }
            None => println!("  (ничего: своих требований к этой форме нет)"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_waivers(whose: &str, waivers: &[::forms::Waiver]) {
    if waivers.is_empty() {
        return;
    }
    println!("\nОбщие правила, которые {whose} не применяет");
    for waiver in waivers {
        println!("  • [{}] {}", waiver.rule, waiver.reason);
        println!("    Источник ({}): «{}»", waiver.source, waiver.quote);
    }
}

fn print_rules(catalogue: &Catalogue, rules: &[Rule]) {
    if rules.is_empty() {
        println!("  (нет)");
    }
    for rule in rules {
        let kind = match rule.severity {
            Severity::Error => "обязательно",
            Severity::Warning => "рекомендуется",
        };
        println!("  • {} ({kind}) [{}]", rule.requirement, rule.id);
        if let Some(other) = &rule.across {
            let title = catalogue.form(other).map_or(other.as_str(), |f| &f.title);
            println!("    Сверяется с документом школы «{title}» при подаче на сервер");
        }
        if let Some(quote) = &rule.quote {
            println!("    Источник ({}): «{quote}»", rule.source);
        }
    }
}

/// Prints an empty document of the form, ready to fill in.
pub fn template(catalogue: &Catalogue, form: &str) -> anyhow::Result<ExitCode> {
    let skeleton = catalogue.template(form).map_err(super::lookup)?;
    println!("{}", serde_json::to_string_pretty(&skeleton)?);
    Ok(ExitCode::SUCCESS)
}
