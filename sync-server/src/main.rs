//! `sync-server`: flags, logging, the listener and signals, and the administrative commands;
//! the rest is the library.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use store::Database;
use sync_server::admin;

/// Сервер синхронизации документов Ravenstvo.
#[derive(Parser)]
#[command(name = "sync-server", version, about)]
struct Cli {
    /// Адрес и порт (порт 0 — любой свободный).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Папка с базой данных.
    #[arg(
        long,
        env = "RAVENSTVO_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    data_dir: PathBuf,
    /// База данных PostgreSQL (postgres://пользователь:пароль@хост/база) вместо файла SQLite в
    /// папке данных; несколько серверов на одной базе работают вместе.
    #[arg(long, env = "RAVENSTVO_DATABASE_URL", global = true)]
    database: Option<String>,
    /// Папка с формами и требованиями регионов.
    #[arg(long, env = "RAVENSTVO_FORMS_DIR", default_value = "./forms")]
    forms_dir: PathBuf,
    /// Загрузить демо-регион (Липецкая область: школы, пользователи всех ролей, документы).
    #[arg(long)]
    demo: bool,
    /// Адрес /sync этого сервера для других серверов на той же базе PostgreSQL
    /// (ws://хост:порт/sync); по умолчанию — адрес, который он слушает.
    #[arg(long, env = "RAVENSTVO_ADVERTISE_URL")]
    advertise_url: Option<String>,
    /// Папка собранного веб-приложения (по умолчанию web/dist рядом с исходниками).
    #[arg(long, env = "RAVENSTVO_WEB_DIR")]
    web_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Администрирование: организации, пользователи, роли.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Журнал аудита.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Перенести все данные из файла SQLite в папке данных в пустую базу PostgreSQL (сервер
    /// должен быть остановлен): одной транзакцией, затем сверка числа строк и цепочки аудита.
    Copy {
        /// База PostgreSQL, куда переносить (postgres://…); она должна быть пустой.
        #[arg(long)]
        to: String,
    },
    /// Создать базу данных или обновить её схему до версии этой программы и выйти (сервер
    /// делает то же при запуске; команда — для выкладки до запуска серверов).
    Migrate,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Добавить организацию.
    AddOrg {
        /// Идентификатор (латиницей, например krasnoe).
        id: String,
        /// Вид: region, municipality, school, mentor-school.
        #[arg(long)]
        kind: String,
        /// Вышестоящая организация.
        #[arg(long)]
        parent: Option<String>,
        /// Название.
        #[arg(long)]
        name: String,
    },
    /// Добавить пользователя (пароль запрашивается или читается из stdin).
    AddUser {
        /// Логин.
        login: String,
        /// Имя, как его показывать.
        #[arg(long)]
        name: String,
        /// Прочитать пароль из первой строки stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Задать пользователю новый пароль (запрашивается или читается из stdin); все его сеансы
    /// закрываются.
    SetPassword {
        /// Логин.
        login: String,
        /// Прочитать пароль из первой строки stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Закрыть все сеансы пользователя (например, если потерян ноутбук).
    RevokeTokens {
        /// Логин.
        login: String,
    },
    /// Выдать роль: school-editor, school-director, mentor-editor, mentor-director,
    /// municipal-reviewer, regional-coordinator, curator, administrator.
    Grant {
        /// Логин.
        user: String,
        /// Организация.
        org: String,
        /// Роль.
        role: String,
    },
    /// Закрепить куратора за школой.
    AssignCurator {
        /// Логин куратора.
        user: String,
        /// Школа.
        school: String,
    },
    /// Снять закрепление куратора за школой.
    UnassignCurator {
        /// Логин куратора.
        user: String,
        /// Школа.
        school: String,
    },
    /// Переименовать организацию (идентификатор остаётся прежним).
    RenameOrg {
        /// Организация.
        id: String,
        /// Новое название.
        #[arg(long)]
        name: String,
    },
    /// Перенести школу в другой муниципалитет того же региона.
    MoveSchool {
        /// Школа.
        school: String,
        /// Муниципалитет, в который она переходит.
        #[arg(long)]
        municipality: String,
    },
    /// Снять роль.
    Revoke {
        /// Логин.
        user: String,
        /// Организация.
        org: String,
        /// Роль.
        role: String,
    },
    /// Отключить учётную запись: вход запрещён, все сеансы закрыты; роли сохраняются.
    Deactivate {
        /// Логин.
        login: String,
    },
    /// Снова включить отключённую учётную запись.
    Activate {
        /// Логин.
        login: String,
    },
    /// Для замеров: демо-регион и ещё COUNT одобренных документов учебных школ в реестре
    /// (сервер при этом должен быть остановлен).
    SeedRegistry {
        /// Сколько документов добавить.
        count: usize,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Проверить цепочку хешей журнала: код 0 — цела, 1 — нарушена (названа первая строка).
    Verify,
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let database = sync_server::database_at(&cli.data_dir, cli.database.as_deref());
    let result = match cli.command.take() {
        Some(Command::Admin(command)) => administer(&cli, &database, command),
        Some(Command::Audit(AuditCommand::Verify)) => return verify_audit(&database),
        Some(Command::Migrate) => migrate(&database),
        Some(Command::Copy { to }) => copy(&cli.data_dir, &to),
        None => serve_until_signalled(cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::debug!("{e:#}");
            eprintln!("ошибка: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve_until_signalled(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("не удалось запустить")?;
    let served = runtime.block_on(serve(cli));
    // Blocking tasks still queued (storage writes after the grace period) are not waited for
    // without end.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    served
}

async fn serve(cli: Cli) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cli.listen))?;
    let addr = listener.local_addr()?;
    // Tests and scripts wait for this exact line to learn the real port.
    println!("listening on http://{addr}");
    std::io::stdout().flush()?;
    let config = sync_server::Config {
        data_dir: cli.data_dir,
        database: cli.database,
        advertise: cli.advertise_url,
        forms_dir: cli.forms_dir,
        demo: cli.demo,
        web_dir: cli.web_dir.unwrap_or_else(sync_server::web::default_dir),
    };
    sync_server::run(config, listener, shutdown_signal()).await
}

/// `copy --to URL`: moves the SQLite file under `data_dir` into the empty PostgreSQL at `url`,
/// reporting each table's progress on stderr.
fn copy(data_dir: &std::path::Path, url: &str) -> anyhow::Result<()> {
    let source = admin::open(&sync_server::database_at(data_dir, None))?;
    let target = Database::from_location(url, sync_server::DATABASE_FILE);
    if !target.is_postgres() {
        anyhow::bail!("--to должен быть адресом PostgreSQL (postgres://…), а не {url}");
    }
    let target = admin::open(&target)?;
    let started = std::time::Instant::now();
    let report = source
        .copy_into(&target, |step| {
            eprint!("\r{}: {} из {} строк", step.table, step.rows, step.total);
            if step.rows == step.total {
                eprintln!();
            }
        })
        .map_err(|error| match error {
            store::CopyError::TargetNotEmpty { table, rows } => anyhow::anyhow!(
                "база {url} не пуста (в таблице {table} строк: {rows}); перенос идёт только в пустую базу"
            ),
            other => anyhow::Error::new(other).context("перенос не выполнен, база PostgreSQL не изменена"),
        })?;
    let rows: u64 = report.tables.iter().map(|(_, n)| n).sum();
    println!(
        "перенесено строк: {rows} из {} таблиц за {:.1} с; цепочка аудита цела: записей — {}",
        report.tables.len(),
        started.elapsed().as_secs_f64(),
        report.audit_rows
    );
    Ok(())
}

/// `migrate`: brings the database's schema up to this build's version.
fn migrate(database: &Database) -> anyhow::Result<()> {
    admin::open(database)?;
    println!(
        "база данных {database} готова: версия схемы {}",
        store::schema_version()
    );
    Ok(())
}

/// `admin seed-registry COUNT`: opens the server's state offline and seeds it.
fn seed_registry(cli: &Cli, count: usize) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("не удалось запустить")?;
    runtime.block_on(async {
        let forms_dir = cli.forms_dir.as_path();
        let config = sync_server::Config {
            data_dir: cli.data_dir.clone(),
            database: cli.database.clone(),
            advertise: None,
            forms_dir: forms_dir.to_owned(),
            demo: true,
            web_dir: std::path::PathBuf::new(),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        let state = sync_server::AppState::open(&config, addr).await?;
        let started = std::time::Instant::now();
        let seeded = sync_server::volume::seed(&state, forms_dir, count).await;
        state.stop().await;
        println!(
            "в реестр добавлено одобренных документов: {} за {:.1} с",
            seeded?,
            started.elapsed().as_secs_f64()
        );
        Ok(())
    })
}

fn administer(cli: &Cli, database: &Database, command: AdminCommand) -> anyhow::Result<()> {
    let store = admin::open(database)?;
    match command {
        AdminCommand::AddOrg {
            id,
            kind,
            parent,
            name,
        } => {
            admin::add_organisation(
                &store,
                &id,
                admin::parse_kind(&kind)?,
                parent.as_deref(),
                &name,
            )?;
            println!("организация {id} добавлена");
        }
        AdminCommand::AddUser {
            login,
            name,
            password_stdin,
        } => {
            let password = read_password(&login, password_stdin)?;
            admin::add_user(&store, &login, &name, &password)?;
            println!("пользователь {login} добавлен");
        }
        AdminCommand::SetPassword {
            login,
            password_stdin,
        } => {
            let password = read_password(&login, password_stdin)?;
            let revoked = admin::set_password(&store, &login, &password)?;
            println!("пароль {login} изменён; закрыто сеансов: {revoked}");
        }
        AdminCommand::RevokeTokens { login } => {
            let revoked = admin::revoke_tokens(&store, &login)?;
            println!("сеансы {login} закрыты: {revoked}");
        }
        AdminCommand::Grant { user, org, role } => {
            admin::grant(&store, &user, &org, &role)?;
            println!("роль {role} в {org} выдана {user}");
        }
        AdminCommand::AssignCurator { user, school } => {
            admin::assign_curator(&store, &user, &school)?;
            println!("куратор {user} закреплён за {school}");
        }
        AdminCommand::UnassignCurator { user, school } => {
            if admin::unassign_curator(&store, &user, &school)? {
                println!("куратор {user} больше не закреплён за {school}");
            } else {
                println!("куратор {user} и не был закреплён за {school}");
            }
        }
        AdminCommand::RenameOrg { id, name } => {
            admin::rename_organisation(&store, &id, &name)?;
            println!("организация {id} переименована: {}", name.trim());
        }
        AdminCommand::MoveSchool {
            school,
            municipality,
        } => {
            admin::move_school(&store, &school, &municipality)?;
            println!("школа {school} перенесена в {municipality}");
        }
        AdminCommand::Revoke { user, org, role } => {
            if admin::revoke(&store, &user, &org, &role)? {
                println!("роль {role} в {org} снята с {user}");
            } else {
                println!("у {user} не было роли {role} в {org}");
            }
        }
        AdminCommand::Deactivate { login } => {
            let revoked = admin::set_active(&store, &login, false)?;
            println!("учётная запись {login} отключена; закрыто сеансов: {revoked}");
        }
        AdminCommand::Activate { login } => {
            admin::set_active(&store, &login, true)?;
            println!("учётная запись {login} снова включена");
        }
        AdminCommand::SeedRegistry { count } => seed_registry(cli, count)?,
    }
    Ok(())
}

/// A new password for `login`: the first line of stdin (`--password-stdin`, or when stdin is not
/// a terminal), else asked twice at the terminal without echo.
fn read_password(login: &str, from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let password = rpassword::prompt_password(format!("пароль для {login}: "))?;
    if rpassword::prompt_password("ещё раз: ")? != password {
        anyhow::bail!("пароли не совпадают");
    }
    Ok(password)
}

fn verify_audit(database: &Database) -> ExitCode {
    let outcome = admin::open(database).and_then(|store| Ok(store.verify_audit()?));
    match outcome {
        Ok(Ok(rows)) => {
            println!("журнал аудита цел: записей — {rows}");
            ExitCode::SUCCESS
        }
        Ok(Err(broken)) => {
            println!(
                "журнал аудита нарушен: запись {} — {}",
                broken.seq, broken.problem
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("ошибка: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}
