//! `ravenstvo login | logout | passwd | whoami`: the account this replica works under.

use std::io::{BufRead, IsTerminal, Read};
use std::process::ExitCode;
use std::sync::Arc;

use client::{ClientError, Logout, Replica};

use super::{client_error, usage};

/// The longest password read from standard input; anything longer is not a password.
const MAX_PASSWORD_BYTES: u64 = 4096;

/// Where the password comes from.
pub enum Password {
    /// The first line of standard input (`--password-stdin`).
    Stdin,
    /// A prompt without echo, when standard input is a terminal.
    Prompt,
}

impl Password {
    /// Standard input with `--password-stdin`, else a prompt.
    pub fn from_flag(password_stdin: bool) -> Self {
        if password_stdin {
            Password::Stdin
        } else {
            Password::Prompt
        }
    }
}

fn read_password(source: Password, user: &str) -> anyhow::Result<String> {
    let prompt = format!("Пароль пользователя {user}: ");
    Ok(read_passwords(source, &[prompt.as_str()])?.remove(0))
}

/// One password per prompt: the next lines of standard input, or answers at the terminal
/// without echo. None may be empty.
fn read_passwords(source: Password, prompts: &[&str]) -> anyhow::Result<Vec<String>> {
    let mut passwords = Vec::with_capacity(prompts.len());
    match source {
        Password::Stdin => {
            let mut input = std::io::stdin()
                .lock()
                .take(MAX_PASSWORD_BYTES * prompts.len() as u64);
            for _ in prompts {
                let mut line = String::new();
                input
                    .read_line(&mut line)
                    .map_err(|e| usage(format!("пароль со стандартного ввода не прочитан: {e}")))?;
                passwords.push(line.trim_end_matches(['\n', '\r']).to_owned());
            }
        }
        Password::Prompt if std::io::stdin().is_terminal() => {
            for prompt in prompts {
                let password = rpassword::prompt_password(*prompt)
                    .map_err(|e| usage(format!("пароль не прочитан: {e}")))?;
                passwords.push(password);
            }
        }
        Password::Prompt => {
            return Err(usage(
                "пароль не задан: введите его в терминале или передайте строкой стандартного ввода с --password-stdin",
            ));
        }
    }
    if passwords.iter().any(String::is_empty) {
        return Err(usage("пароль пуст"));
    }
    Ok(passwords)
}

/// Logs in on `server` (or the server of the last login) and keeps the token in the replica.
pub async fn login(
    replica: Arc<Replica>,
    server: Option<String>,
    user: String,
    password: Password,
) -> anyhow::Result<ExitCode> {
    let server = super::sync::server_of(&replica, server)?;
    // Check the address before asking for a password.
    client::api::server_base(&server).map_err(|e| client_error(e.into()))?;
    if user.trim().is_empty() {
        return Err(usage("не указан логин (--user)"));
    }
    let password = read_password(password, &user)?;
    let session = replica
        .login(&server, user.trim(), &password)
        .await
        .map_err(client_error)?;
    println!(
        "Вход выполнен: {} ({}), сервер {}",
        if session.display_name.is_empty() {
            &session.user
        } else {
            &session.display_name
        },
        session.user,
        session.server
    );
    Ok(ExitCode::SUCCESS)
}

/// Revokes the token on the server and forgets it here.
pub async fn logout(replica: Arc<Replica>) -> anyhow::Result<ExitCode> {
    match replica.logout().await.map_err(client_error)? {
        Logout::NotLoggedIn => println!("Вы и так не вошли."),
        Logout::Revoked => println!("Выход выполнен: токен отозван и удалён из локальной копии."),
        Logout::ForgottenLocally { reason } => {
            println!("Выход выполнен: токен удалён из локальной копии.");
            eprintln!(
                "внимание: сервер не отозвал токен ({reason}); он действует до истечения срока"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Closes every other session of the logged-in user on the server; this one stays.
pub async fn logout_others(replica: Arc<Replica>) -> anyhow::Result<ExitCode> {
    let closed = replica
        .call(|api| api.logout_others())
        .await
        .map_err(client_error)?;
    println!(
        "Другие сеансы закрыты: {}. Этот сеанс продолжается.",
        closed.revoked
    );
    Ok(ExitCode::SUCCESS)
}

/// Changes the logged-in user's password on the server. With `--password-stdin` the current
/// and the new password are the first two lines of standard input; at a terminal the new one is
/// asked twice.
pub async fn change_password(replica: Arc<Replica>, source: Password) -> anyhow::Result<ExitCode> {
    let session = replica
        .session()
        .map_err(client_error)?
        .ok_or(ClientError::NotLoggedIn)
        .map_err(client_error)?;
    let current_prompt = format!("Текущий пароль {}: ", session.user);
    let prompts: &[&str] = match source {
        Password::Stdin => &["", ""],
        Password::Prompt => &[&current_prompt, "Новый пароль: ", "Новый пароль ещё раз: "],
    };
    let mut answers = read_passwords(source, prompts)?;
    if answers.get(2).is_some_and(|again| *again != answers[1]) {
        return Err(usage("новые пароли не совпадают; пароль не изменён"));
    }
    let new = answers.swap_remove(1);
    let current = answers.swap_remove(0);
    let closed = replica
        .call(move |api| api.change_password(&current, &new))
        .await
        .map_err(client_error)?;
    println!(
        "Пароль изменён. Другие сеансы закрыты: {}; этот продолжается.",
        closed.revoked
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints who is logged in, where, and their roles as the server knows them.
pub async fn whoami(replica: Arc<Replica>, json: bool) -> anyhow::Result<ExitCode> {
    let session = replica
        .session()
        .map_err(client_error)?
        .ok_or(ClientError::NotLoggedIn)
        .map_err(client_error)?;
    let me = replica
        .call(|api| api.whoami())
        .await
        .map_err(client_error)?;
    if json {
        let mut value = serde_json::to_value(&me)?;
        value["server"] = session.server.clone().into();
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Пользователь: {} ({})", me.display_name, me.user);
    println!("Сервер: {}", session.server);
    if me.roles.is_empty() {
        println!("Ролей нет.");
    } else {
        println!("Роли:");
        for role in &me.roles {
            println!("  • {} — {} ({})", role.role_ru, role.org_name, role.org);
        }
    }
    if !me.curated.is_empty() {
        println!("Курирует школы: {}", me.curated.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
