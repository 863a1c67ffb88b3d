//! `ravenstvo`: the command-line tool of the Ravenstvo platform.
//!
//! This binary owns IO policy: where the forms and the local replica live, how documents are
//! read, exit codes and the Russian wording of everything it prints. The judgement lives in
//! `forms`, the documents in `document`, the replica and sync in `client`.
//!
//! Exit codes: 0 = success (a valid document), 1 = the document is invalid, not fully synced,
//! or the server refused (not logged in, not allowed, an illegal transition), 2 = a usage or
//! input error (a missing file, malformed JSON, an unknown form, region or document), 3 = the
//! server is unreachable.

mod commands;
mod input;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code for a usage or input error.
pub const EXIT_USAGE: u8 = 2;

/// Документы программ поддержки школ: формы, проверка по требованиям региона, работа без
/// сети и синхронизация.
#[derive(Parser)]
#[command(name = "ravenstvo", version, about, max_term_width = 100)]
struct Cli {
    /// Папка с формами и требованиями регионов (по умолчанию ./forms или формы из поставки).
    #[arg(long, global = true, env = "RAVENSTVO_FORMS_DIR", value_name = "DIR")]
    forms_dir: Option<PathBuf>,
    /// Папка локальной копии документов (по умолчанию ~/.local/share/ravenstvo).
    #[arg(long, global = true, env = "RAVENSTVO_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Кто вносит правки (по умолчанию имя пользователя системы).
    #[arg(long, global = true, env = "RAVENSTVO_AUTHOR")]
    author: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Проверить документ: файл (с --form и --region) или документ локальной копии.
    Validate {
        /// Форма, например school-programme (для проверки файла).
        #[arg(long, requires = "region")]
        form: Option<String>,
        /// Регион, например leningrad (для проверки файла).
        #[arg(long, requires = "form")]
        region: Option<String>,
        /// Муниципалитет со своими требованиями, например kadoshkino (для проверки файла):
        /// его требования добавляются к требованиям региона.
        #[arg(long, requires = "region")]
        municipality: Option<String>,
        /// Файл документа (JSON, «-» — стандартный ввод) или идентификатор документа; с
        /// --format json-lines — файл строк JSON (по документу в строке).
        target: String,
        /// Вид вывода.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Формы: список, описание, пустой шаблон.
    Forms {
        #[command(subcommand)]
        command: FormsCommand,
    },
    /// Создать документ в локальной копии; печатает его идентификатор.
    New {
        /// Форма, например school-programme.
        form: String,
        /// Регион, например lipetsk.
        #[arg(long)]
        region: String,
        /// Муниципалитет школы, если у него свои требования (например kadoshkino): проверка
        /// в локальной копии добавит их к требованиям региона.
        #[arg(long)]
        municipality: Option<String>,
        /// Начальное содержимое (JSON-файл), иначе пустой документ.
        #[arg(long)]
        from: Option<PathBuf>,
        /// Школа-наставник (идентификатор организации, например lyceum-44): для регистрации
        /// программы и договора на сервере.
        #[arg(long, value_name = "ORG")]
        mentor: Option<String>,
        /// Школа-владелец (идентификатор организации), если вы работаете не в одной школе.
        #[arg(long, value_name = "ORG")]
        school: Option<String>,
    },
    /// Документы локальной копии.
    List,
    /// Показать документ.
    Show {
        /// Идентификатор документа.
        doc: String,
        /// Вывести JSON.
        #[arg(long)]
        json: bool,
        /// С --json: вывести {"data": …, "narratives": {указатель: {text, prosemirror}}} —
        /// повествовательные тексты и их форму ProseMirror для веб-редактора.
        #[arg(long, requires = "json")]
        prosemirror: bool,
        /// Версия (heads через запятую, как в history).
        #[arg(long)]
        at: Option<String>,
    },
    /// Изменить документ.
    Edit {
        /// Идентификатор документа.
        doc: String,
        /// Описание правки для истории.
        #[arg(long, short, global = true)]
        message: Option<String>,
        #[command(subcommand)]
        edit: EditCommand,
    },
    /// Привести документ к содержимому JSON-файла наименьшим числом правок.
    Import {
        /// Идентификатор документа.
        doc: String,
        /// JSON-файл («-» — стандартный ввод).
        file: PathBuf,
        /// Описание правки для истории.
        #[arg(long, short)]
        message: Option<String>,
    },
    /// История правок: кто, когда, что.
    History {
        /// Идентификатор документа.
        doc: String,
    },
    /// Что изменилось между двумя версиями.
    Diff {
        /// Идентификатор документа.
        doc: String,
        /// Начальная версия (heads).
        from: String,
        /// Конечная версия (heads).
        to: String,
    },
    /// Обменяться документами с сервером (новые документы сначала регистрируются на нём).
    Sync {
        /// Адрес сервера, например http://127.0.0.1:8080 (по умолчанию — тот, на который вы
        /// вошли).
        #[arg(long, env = "RAVENSTVO_SERVER")]
        server: Option<String>,
        /// Получить с сервера документ, которого здесь нет (можно несколько раз).
        #[arg(long = "doc")]
        docs: Vec<String>,
    },
    /// Войти на сервер; токен хранится в локальной копии.
    Login {
        /// Адрес сервера, например http://127.0.0.1:8080 (по умолчанию — прежний).
        #[arg(long, env = "RAVENSTVO_SERVER")]
        server: Option<String>,
        /// Логин.
        #[arg(long)]
        user: String,
        /// Прочитать пароль из первой строки стандартного ввода (иначе — запрос в терминале).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Выйти: отозвать токен на сервере и удалить его из локальной копии.
    Logout {
        /// Закрыть все другие сеансы этого пользователя (на других компьютерах), а этот оставить.
        #[arg(long)]
        others: bool,
    },
    /// Сменить пароль (текущий и новый запрашиваются; с --password-stdin — две строки
    /// стандартного ввода). Другие сеансы закрываются.
    Passwd {
        /// Прочитать текущий и новый пароль из первых двух строк стандартного ввода.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Кто вошёл и с какими ролями.
    Whoami {
        /// Вывести JSON.
        #[arg(long)]
        json: bool,
    },
    /// Документы на сервере, доступные вам, и что с ними можно сделать.
    Documents {
        /// Вывести JSON.
        #[arg(long)]
        json: bool,
    },
    /// Состояние документа на сервере: статус, раунды, подачи, подписи, решения, замечания.
    Status {
        /// Идентификатор документа.
        doc: String,
        /// Вывести JSON.
        #[arg(long)]
        json: bool,
    },
    /// Подать текущую версию документа на рассмотрение (сначала она синхронизируется).
    Submit {
        /// Идентификатор документа.
        doc: String,
    },
    /// Подписать поданный договор (директор школы — стороны договора).
    Sign {
        /// Идентификатор документа.
        doc: String,
    },
    /// Рассмотреть поданный документ: одобрить или вернуть с замечаниями.
    Review {
        /// Идентификатор документа.
        doc: String,
        /// Решение.
        #[arg(value_enum)]
        verdict: VerdictArg,
        /// Замечание к полю: ПОЛЕ=ТЕКСТ, например /goals/0=Уточните цель (можно несколько раз;
        /// при возврате — хотя бы одно; «=ТЕКСТ» — ко всему документу). К отрывку текста с
        /// форматированием: ПОЛЕ@НАЧАЛО..КОНЕЦ=ТЕКСТ, где НАЧАЛО и КОНЕЦ — номера символов
        /// (с 0, КОНЕЦ не входит) в тексте поля, как его показывает `ravenstvo show`,
        /// например /analysis/causes@10..25=Уточните; сервер процитирует отрывок.
        #[arg(long = "comment", value_name = "POINTER[@START..END]=TEXT")]
        comments: Vec<String>,
    },
    /// Что изменилось в документе (по умолчанию — после раунда, который вы рассматривали).
    Changes {
        /// Идентификатор документа.
        doc: String,
        /// Начальная версия (heads через запятую).
        #[arg(long)]
        from: Option<String>,
        /// Конечная версия (heads через запятую).
        #[arg(long)]
        to: Option<String>,
        /// Вывести JSON.
        #[arg(long)]
        json: bool,
    },
    /// Принять одобренный документ в реестр региона (региональный координатор).
    Collect {
        /// Идентификатор документа.
        doc: String,
    },
    /// Реестр региона: одобренные и принятые документы.
    Registry {
        #[command(flatten)]
        filter: RegistryArgs,
        /// Вывести JSON.
        #[arg(long)]
        json: bool,
    },
    /// Кампании региона: кто какие документы должен подать и к какому сроку.
    Campaign {
        #[command(subcommand)]
        command: CampaignCommand,
    },
    /// Требования регионов: последствия новой редакции.
    Requirements {
        #[command(subcommand)]
        command: RequirementsCommand,
    },
    /// Выгрузить реестр региона в файл CSV или XLSX.
    Export {
        /// Формат файла.
        #[arg(long, value_enum)]
        format: ExportArg,
        #[command(flatten)]
        filter: RegistryArgs,
        /// Куда записать («-» — стандартный вывод).
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Идентификация школ по методике региона (или муниципалитета): таблица показателей
    /// (CSV или XLSX) → категория каждой школы с основаниями. Без входа — расчёт на этом
    /// компьютере; после входа результат сохраняется на сервере предварительно, пока
    /// региональный координатор его не подтвердит (--confirm).
    #[command(group(clap::ArgGroup::new("what").args(["template", "file", "confirm", "school"]).required(true)))]
    Identify {
        /// Регион, например mordovia.
        #[arg(long)]
        region: Option<String>,
        /// Муниципалитет со своей методикой, например kadoshkino.
        #[arg(long)]
        municipality: Option<String>,
        /// Год идентификации, например 2025.
        #[arg(long)]
        year: Option<i32>,
        /// Вывести пустую таблицу (CSV) с заголовками методики; описание столбцов — в stderr.
        #[arg(long)]
        template: bool,
        /// С --template: куда записать таблицу.
        #[arg(long, short, requires = "template")]
        output: Option<PathBuf>,
        /// Только расчёт на этом компьютере, не отправлять на сервер.
        #[arg(long)]
        local: bool,
        /// Подтвердить результат с этим номером (региональный координатор).
        #[arg(long, value_name = "ID")]
        confirm: Option<i64>,
        /// Показать действующую категорию школы и её основания.
        #[arg(long)]
        school: Option<String>,
        /// Вывести JSON.
        #[arg(long)]
        json: bool,
        /// Таблица показателей (CSV или XLSX).
        file: Option<PathBuf>,
    },
}

/// `ravenstvo campaign …`.
#[derive(Subcommand)]
enum CampaignCommand {
    /// Открыть кампанию в своём регионе (региональный координатор); печатает её номер.
    Open {
        /// Год, за который подаются документы.
        #[arg(long)]
        year: i32,
        /// Название (по умолчанию «Кампания ГОД года»).
        #[arg(long)]
        title: Option<String>,
        /// Последний день подачи, ГГГГ-ММ-ДД.
        #[arg(long, value_name = "ДАТА")]
        submit_by: String,
        /// Последний день решения муниципалитета, ГГГГ-ММ-ДД.
        #[arg(long, value_name = "ДАТА")]
        decide_by: String,
        /// За сколько дней до срока подачи напоминать (по умолчанию 14).
        #[arg(long, value_name = "ДНЕЙ")]
        remind_days: Option<u32>,
        /// Что должна подать категория школ: категория=форма,форма (можно повторять). По
        /// умолчанию supported=school-programme,partnership-agreement,stimulus-policy-change и
        /// mentor=stimulus-policy-change.
        #[arg(long, value_name = "КАТЕГОРИЯ=ФОРМЫ")]
        owes: Vec<String>,
        /// Школа кампании: идентификатор или идентификатор=категория (можно повторять). По
        /// умолчанию все школы региона (школы — supported, школы-наставники — mentor).
        #[arg(long, value_name = "ШКОЛА[=КАТЕГОРИЯ]")]
        school: Vec<String>,
    },
    /// Кампании, которые вам видны.
    List {
        /// Вывести JSON.
        #[arg(long)]
        json: bool,
    },
    /// Кто что должен, что подано, одобрено, просрочено или отсутствует.
    Status {
        /// Номер кампании.
        id: i64,
        /// Вывести JSON.
        #[arg(long)]
        json: bool,
    },
    /// Выгрузить состояние кампании в файл CSV или XLSX.
    Export {
        /// Номер кампании.
        id: i64,
        /// Формат файла.
        #[arg(long, value_enum)]
        format: ExportArg,
        /// Куда записать («-» — стандартный вывод).
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Что должны подать ваши школы, и напоминания им.
    Obligations {
        /// Вывести JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `ravenstvo requirements …`.
#[derive(Subcommand)]
enum RequirementsCommand {
    /// Проверить все поданные документы региона и формы по новой редакции требований и
    /// показать, какие не прошли бы проверку (по правилам и по школам).
    Impact {
        /// Регион, например lipetsk.
        #[arg(long)]
        region: String,
        /// Форма, например school-programme.
        #[arg(long)]
        form: String,
        /// Новая редакция требований (JSON-файл, как regions/РЕГИОН/ФОРМА.json).
        file: PathBuf,
        /// Вывести JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Filters of the regional registry.
#[derive(clap::Args)]
struct RegistryArgs {
    /// Только этот муниципалитет (идентификатор, например krasninsky).
    #[arg(long)]
    municipality: Option<String>,
    /// Только эта школа (идентификатор, например krasnoe).
    #[arg(long)]
    school: Option<String>,
    /// Только эта форма (например school-programme).
    #[arg(long)]
    form: Option<String>,
    /// Только этот статус.
    #[arg(long, value_enum)]
    status: Option<RegistryStatus>,
    /// Одобренные не раньше этой даты (ГГГГ-ММ-ДД).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Одобренные не позже этой даты (ГГГГ-ММ-ДД).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
}

impl RegistryArgs {
    fn into_filter(self) -> client::api::RegistryFilter {
        client::api::RegistryFilter {
            municipality: self.municipality,
            school: self.school,
            form: self.form,
            status: self.status.map(|s| {
                match s {
                    RegistryStatus::Approved => "approved",
                    RegistryStatus::Collected => "collected",
                }
                .to_owned()
            }),
            from: self.from,
            to: self.to,
        }
    }
}

/// A status in the registry.
#[derive(Clone, Copy, ValueEnum)]
enum RegistryStatus {
    /// Одобрен муниципалитетом, ещё не принят.
    Approved,
    /// Принят в реестр.
    Collected,
}

/// A reviewer's decision.
#[derive(Clone, Copy, ValueEnum)]
enum VerdictArg {
    /// Одобрить.
    Approve,
    /// Вернуть на доработку с замечаниями.
    Return,
}

/// The format of a registry export.
#[derive(Clone, Copy, ValueEnum)]
enum ExportArg {
    /// CSV (значения через запятую).
    Csv,
    /// XLSX (Excel).
    Xlsx,
}

#[derive(Subcommand)]
enum EditCommand {
    /// Записать значение (JSON) в поле; недостающие разделы создаются.
    Set {
        /// Поле, например /school/name.
        pointer: String,
        /// Значение в JSON, например '"МБОУ СОШ № 1"' или 36.
        value: String,
    },
    /// Вставить строку таблицы или пункт списка (индекс или «-» — в конец).
    Insert {
        /// Место, например /action_plan/- .
        pointer: String,
        /// Значение в JSON.
        value: String,
    },
    /// Удалить поле, строку или пункт.
    Remove {
        /// Поле, например /action_plan/3.
        pointer: String,
    },
    /// Правка текста: удалить и/или вставить с позиции; для повествовательного поля — также
    /// заменить его целиком из Markdown (--from).
    Text {
        /// Текстовое поле, например /causes_analysis/internal_causes.
        pointer: String,
        /// Позиция (в символах от начала; в повествовательном тексте строки разделены
        /// переводом строки, пункты списков начинаются с «• » или «1. »).
        #[arg(long, required_unless_present = "from")]
        at: Option<usize>,
        /// Заменить повествовательный текст содержимым Markdown-файла (заголовки, списки,
        /// **полужирный**, *курсив*) наименьшим набором правок.
        #[arg(long, value_name = "FILE.md", conflicts_with_all = ["at", "delete", "insert"])]
        from: Option<PathBuf>,
        /// Сколько символов удалить.
        #[arg(long, default_value_t = 0)]
        delete: usize,
        /// Что вставить.
        #[arg(long, default_value = "")]
        insert: String,
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
        /// Муниципалитет, например kadoshkino: что он требует сверх региона.
        #[arg(long, requires = "region")]
        municipality: Option<String>,
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
    /// Много документов за один запуск: на входе по строке JSON на документ
    /// ({"form": …, "region": …, "municipality": …, "document": …}), на выходе по строке
    /// отчёта на каждую.
    JsonLines,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            let code = error
                .downcast_ref::<commands::Failure>()
                .map_or(EXIT_USAGE, |f| f.exit_code);
            eprintln!("ошибка: {error:#}");
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let forms_dir = commands::forms_dir(cli.forms_dir.as_deref());
    let catalogue = commands::load_catalogue(Some(&forms_dir))?;
    let local = commands::Local::new(cli.data_dir, cli.author);
    match cli.command {
        Command::Validate {
            form,
            region,
            municipality,
            target,
            format: Format::JsonLines,
        } => commands::validate::lines(
            &catalogue,
            commands::validate::Defaults {
                form: form.as_deref(),
                region: region.as_deref(),
                municipality: municipality.as_deref(),
            },
            target.as_ref(),
        ),
        Command::Validate {
            form: Some(form),
            region: Some(region),
            municipality,
            target,
            format,
        } => commands::validate::file(
            &catalogue,
            &form,
            &region,
            municipality.as_deref(),
            target.as_ref(),
            format,
        ),
        Command::Validate { target, format, .. } => local.run(catalogue, |replica| {
            commands::validate::document(replica, target, format)
        }),
        Command::Forms { command } => match command {
            FormsCommand::List => commands::forms::list(&catalogue),
            FormsCommand::Show {
                form,
                region,
                municipality,
            } => commands::forms::show(
                &catalogue,
                &form,
                region.as_deref(),
                municipality.as_deref(),
            ),
            FormsCommand::Template { form } => commands::forms::template(&catalogue, &form),
        },
        Command::New {
            form,
            region,
            municipality,
            from,
            mentor,
            school,
        } => local.run(catalogue, |replica| {
            commands::docs::new(
                replica,
                form,
                region,
                municipality,
                from,
                client::Registration { school, mentor },
            )
        }),
        Command::List => local.run(catalogue, commands::docs::list),
        Command::Show {
            doc,
            json,
            prosemirror,
            at,
        } => local.run(catalogue, |replica| {
            commands::docs::show(replica, doc, json, prosemirror, at)
        }),
        Command::Edit { doc, message, edit } => {
            let edit = match edit {
                EditCommand::Set { pointer, value } => {
                    commands::edit::Request::Set { pointer, value }
                }
                EditCommand::Insert { pointer, value } => {
                    commands::edit::Request::Insert { pointer, value }
                }
                EditCommand::Remove { pointer } => commands::edit::Request::Remove { pointer },
                EditCommand::Text {
                    pointer,
                    from: Some(file),
                    ..
                } => commands::edit::Request::Markdown { pointer, file },
                EditCommand::Text {
                    pointer,
                    at,
                    delete,
                    insert,
                    from: None,
                } => commands::edit::Request::Text {
                    pointer,
                    at: at.unwrap_or_default(),
                    delete,
                    insert,
                },
            };
            local.run(catalogue, |replica| {
                commands::edit::edit(replica, doc, edit, message)
            })
        }
        Command::Import { doc, file, message } => local.run(catalogue, |replica| {
            commands::edit::import(replica, doc, file, message)
        }),
        Command::History { doc } => {
            local.run(catalogue, |replica| commands::docs::history(replica, doc))
        }
        Command::Diff { doc, from, to } => local.run(catalogue, |replica| {
            commands::docs::diff(replica, doc, from, to)
        }),
        Command::Sync { server, docs } => local.run(catalogue, |replica| {
            commands::sync::sync(replica, server, docs)
        }),
        Command::Login {
            server,
            user,
            password_stdin,
        } => {
            let password = commands::account::Password::from_flag(password_stdin);
            local.run(catalogue, |replica| {
                commands::account::login(replica, server, user, password)
            })
        }
        Command::Logout { others: false } => local.run(catalogue, commands::account::logout),
        Command::Logout { others: true } => local.run(catalogue, commands::account::logout_others),
        Command::Passwd { password_stdin } => {
            let source = commands::account::Password::from_flag(password_stdin);
            local.run(catalogue, |replica| {
                commands::account::change_password(replica, source)
            })
        }
        Command::Whoami { json } => local.run(catalogue, |replica| {
            commands::account::whoami(replica, json)
        }),
        Command::Documents { json } => local.run(catalogue, |replica| {
            commands::lifecycle::documents(replica, json)
        }),
        Command::Status { doc, json } => local.run(catalogue, |replica| {
            commands::lifecycle::status(replica, doc, json)
        }),
        Command::Submit { doc } => local.run(catalogue, |replica| {
            commands::lifecycle::submit(replica, doc)
        }),
        Command::Sign { doc } => {
            local.run(catalogue, |replica| commands::lifecycle::sign(replica, doc))
        }
        Command::Review {
            doc,
            verdict,
            comments,
        } => {
            let verdict = match verdict {
                VerdictArg::Approve => client::api::Verdict::Approve,
                VerdictArg::Return => client::api::Verdict::Return,
            };
            local.run(catalogue, |replica| {
                commands::lifecycle::review(replica, doc, verdict, comments)
            })
        }
        Command::Changes {
            doc,
            from,
            to,
            json,
        } => local.run(catalogue, |replica| {
            commands::lifecycle::changes(replica, doc, from, to, json)
        }),
        Command::Collect { doc } => local.run(catalogue, |replica| {
            commands::lifecycle::collect(replica, doc)
        }),
        Command::Identify {
            region,
            municipality,
            year,
            template,
            output,
            local: local_only,
            confirm,
            school,
            json,
            file,
        } => {
            if let Some(id) = confirm {
                return local.run(catalogue, |replica| {
                    commands::identify::confirm(replica, id, json)
                });
            }
            if let Some(school) = school {
                return local.run(catalogue, |replica| {
                    commands::identify::school(replica, school, json)
                });
            }
            let region = region.ok_or_else(|| {
                commands::usage("укажите регион: --region, например --region lipetsk")
            })?;
            let place = commands::identify::Place {
                region,
                municipality,
            };
            let method = commands::identify::method(&forms_dir, &place)?;
            if template {
                return commands::identify::template(&method, output.as_ref());
            }
            let year = year.ok_or_else(|| {
                commands::usage("укажите год идентификации: --year, например --year 2025")
            })?;
            let Some(file) = file else {
                return Err(commands::usage("укажите файл таблицы показателей"));
            };
            local.run(catalogue, |replica| {
                commands::identify::run(
                    replica,
                    method,
                    commands::identify::Run {
                        place,
                        year,
                        file,
                        local_only,
                        json,
                    },
                )
            })
        }
        Command::Registry { filter, json } => local.run(catalogue, |replica| {
            commands::registry::registry(replica, filter.into_filter(), json)
        }),
        Command::Campaign { command } => run_campaign(local, catalogue, command),
        Command::Requirements {
            command:
                RequirementsCommand::Impact {
                    region,
                    form,
                    file,
                    json,
                },
        } => local.run(catalogue, |replica| {
            commands::campaign::impact(replica, region, form, file, json)
        }),
        Command::Export {
            format,
            filter,
            output,
        } => {
            let format = match format {
                ExportArg::Csv => client::api::ExportFormat::Csv,
                ExportArg::Xlsx => client::api::ExportFormat::Xlsx,
            };
            local.run(catalogue, |replica| {
                commands::registry::export(replica, filter.into_filter(), format, output)
            })
        }
    }
}

fn export_format(format: ExportArg) -> client::api::ExportFormat {
    match format {
        ExportArg::Csv => client::api::ExportFormat::Csv,
        ExportArg::Xlsx => client::api::ExportFormat::Xlsx,
    }
}

fn run_campaign(
    local: commands::Local,
    catalogue: forms::Catalogue,
    command: CampaignCommand,
) -> anyhow::Result<ExitCode> {
    use commands::campaign;
    match command {
        CampaignCommand::Open {
            year,
            title,
            submit_by,
            decide_by,
            remind_days,
            owes,
            school,
        } => local.run(catalogue, |replica| {
            campaign::open(
                replica,
                campaign::OpenArgs {
                    year,
                    title,
                    submit_by,
                    decide_by,
                    remind_days,
                    owes,
                    schools: school,
                },
            )
        }),
        CampaignCommand::List { json } => {
            local.run(catalogue, |replica| campaign::list(replica, json))
        }
        CampaignCommand::Status { id, json } => {
            local.run(catalogue, |replica| campaign::status(replica, id, json))
        }
        CampaignCommand::Export { id, format, output } => local.run(catalogue, |replica| {
            campaign::export(replica, id, export_format(format), output)
        }),
        CampaignCommand::Obligations { json } => {
            local.run(catalogue, |replica| campaign::obligations(replica, json))
        }
    }
}
