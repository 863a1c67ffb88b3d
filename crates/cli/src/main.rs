//! `ravenstvo`: the command-line tool of the Ravenstvo platform.
//!
//! This binary owns IO policy: where the forms live, how documents are read, exit codes and
//! the Russian wording of everything it prints. The judgement itself lives in `forms`.
//!
//! Exit codes: 0 = success (a valid document), 1 = the document is invalid, 2 = a usage or
//! input error (a missing file, malformed JSON, an unknown form or region).

mod commands;
mod input;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code for a usage or input error.
pub const EXIT_USAGE: u8 = 2;

/// Документы программ поддержки школ: формы, проверка по требованиям региона.
#[derive(Parser)]
#[command(name = "ravenstvo", version, about, max_term_width = 100)]
struct Cli {
    /// Папка с формами и требованиями регионов (по умолчанию ./forms или формы из поставки).
    #[arg(long, global = true, env = "RAVENSTVO_FORMS_DIR", value_name = "DIR")]
    forms_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Проверить документ по форме и требованиям региона.
    Validate {
        /// Форма, например school-programme.
        #[arg(long)]
        form: String,
        /// Регион, например leningrad.
        #[arg(long)]
        region: String,
        /// Файл документа (JSON); «-» читает стандартный ввод.
        file: PathBuf,
        /// Вид вывода.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Формы: список, описание, пустой шаблон.
    Forms {
        #[command(subcommand)]
        command: FormsCommand,
    },
}

#[derive(Subcommand)]
enum FormsCommand {
    /// Список форм и регионов.
    List,
    /// Поля формы и, с --region, что регион требует сверх общей формы.
    Show {
        /// Форма, например school-programme.
        form: String,
        /// Регион, например lipetsk.
        #[arg(long)]
        region: Option<String>,
    },
    /// Пустой документ формы для заполнения (JSON).
    Template {
        /// Форма, например school-programme.
        form: String,
    },
}

/// How a report is printed.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// Для человека, по-русски.
    Text,
    /// JSON-отчёт для программ.
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("ошибка: {error:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let catalogue = commands::load_catalogue(cli.forms_dir.as_deref())?;
    match cli.command {
        Command::Validate {
            form,
            region,
            file,
            format,
        } => commands::validate::run(&catalogue, &form, &region, &file, format),
        Command::Forms { command } => match command {
            FormsCommand::List => commands::forms::list(&catalogue),
            FormsCommand::Show { form, region } => {
                commands::forms::show(&catalogue, &form, region.as_deref())
            }
            FormsCommand::Template { form } => commands::forms::template(&catalogue, &form),
        },
    }
}
