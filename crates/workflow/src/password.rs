//! What a password must be, said once for every place a person sets one (an administrator
//! adding a user or resetting a password, a user changing their own).

/// Fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Most characters a password may have: argon2 would take any length, but a megabyte of
/// "password" is a request to burn the server's time.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Why `password` may not be `login`'s password, in Russian; `None` if it may.
///
/// Deliberately few rules (NIST SP 800-63B): long enough, not absurdly long, not the login,
/// not one character repeated. Composition rules (a digit, a capital) make passwords harder to
/// remember, not to guess.
#[must_use]
pub fn password_problem(login: &str, password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!(
            "пароль слишком короткий: нужно не менее {MIN_PASSWORD_CHARS} символов, а в нём {chars}"
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Some(format!(
            "пароль слишком длинный: не более {MAX_PASSWORD_CHARS} символов"
        ));
    }
    if password.trim().to_lowercase() == login.trim().to_lowercase() {
        return Some("пароль не может совпадать с логином".to_owned());
    }
    let mut distinct = password.chars();
    let first = distinct.next();
    if distinct.all(|c| Some(c) == first) {
        return Some("пароль не может состоять из одного повторяющегося символа".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_judged_by_length_login_and_variety() {
        assert_eq!(password_problem("ivanova", "long-enough-password"), None);
        assert_eq!(password_problem("ivanova", "пароль-из-слов"), None);
        let short = password_problem("ivanova", "Кор0тк").unwrap();
        assert!(
            short.contains("не менее 8") && short.contains("в нём 6"),
            "{short}"
        );
        assert!(
            password_problem("ivanova", &"ab".repeat(200))
                .unwrap()
                .contains("длинный")
        );
        assert!(
            password_problem("ivanova-a", "Ivanova-A")
                .unwrap()
                .contains("логином")
        );
        assert!(
            password_problem("ivanova", "aaaaaaaaaa")
                .unwrap()
                .contains("повторяющегося")
        );
        assert_eq!(password_problem("ivanova", &"ab".repeat(128)), None);
    }
}
