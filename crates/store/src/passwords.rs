//! Argon2id password hashes, made and checked in a bounded, reused amount of memory.
//!
//! Why not argon2's own `PasswordHasher` / `PasswordVerifier`: they allocate the working area
//! (19 MiB with the default parameters) afresh on every call, on whichever thread calls. Under
//! a burst of logins on the server's many blocking threads that is one area per concurrent
//! check, and glibc keeps the freed areas in its per-thread arenas, so the process never gives
//! them back: 100 parallel logins grew the server's RSS from 104 to 1,833 MiB. Here every hash
//! runs in one of [`PASSWORD_CHECKS_AT_ONCE`] working areas of the process, allocated on first
//! use and reused from then on; a caller that finds them all in use waits for one. The server
//! bounds its password checks with the same number, so its requests never wait here.
//!
//! The PHC strings are the same as argon2 writes (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`):
//! hashes stored before verify here, and the ones made here verify with argon2's own verifier.

use std::sync::{Condvar, LazyLock, Mutex, PoisonError};

use argon2::password_hash::errors::InvalidValue;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{Error, Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// How many passwords a process hashes or checks at once: the number of argon2 working areas it
/// keeps. Callers that run checks concurrently (the server) bound them by this number too.
pub const PASSWORD_CHECKS_AT_ONCE: usize = 2;

/// The largest working area a stored hash may ask for, in KiB (argon2's `m`). Ours ask for
/// 19 MiB; the cap keeps a corrupt or foreign hash from making an area that size forever.
const MAX_MEMORY_KIB: u32 = 64 * 1024;

/// A hash of a password nobody knows, verified when a login does not exist so that an unknown
/// login costs the same argon2 work as a wrong password and timing does not reveal which
/// logins exist. Made with the same parameters as real hashes; the first use in a process also
/// pays for making it.
static DUMMY_HASH: LazyLock<Result<String, Error>> = LazyLock::new(|| {
    let mut secret = [0u8; 32];
    OsRng.fill_bytes(&mut secret);
    hash_password(&crate::accounts::hex(&secret))
});

/// The working areas of the process, shared by every [`Store`](crate::Store) in it.
static AREAS: Areas = Areas {
    state: Mutex::new(AreasState {
        idle: Vec::new(),
        lent: 0,
    }),
    returned: Condvar::new(),
};

/// An argon2id PHC string for `password` with a fresh random salt and argon2's default
/// parameters.
pub(crate) fn hash_password(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let raw_salt = salt.decode_b64(&mut salt_bytes)?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        run(&argon2, password, raw_salt, out)
    })?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash`, recomputed with the algorithm, version,
/// parameters and salt recorded in it and compared in constant time.
///
/// A string that is not a complete argon2 PHC hash is an error, not a mismatch: it means the
/// stored column is corrupt.
pub(crate) fn password_matches(hash: &str, password: &str) -> Result<bool, Error> {
    let parsed = PasswordHash::new(hash)?;
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(&parsed)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(Error::PhcStringField);
    };
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let raw_salt = salt.decode_b64(&mut salt_bytes)?;
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = Output::init_with(expected.len(), |out| run(&argon2, password, raw_salt, out))?;
    // `Output`'s equality is `subtle`'s constant-time comparison.
    Ok(computed == expected)
}

/// Checks `password` against the hash of a password nobody knows, for a login that does not
/// exist: the same work, and the same time, as a wrong password.
pub(crate) fn spend_like_a_check(password: &str) -> Result<(), Error> {
    let dummy = DUMMY_HASH.as_ref().map_err(|e| *e)?;
    password_matches(dummy, password).map(drop)
}

/// Runs `argon2` over `password` and the raw `salt` into `out`, in a working area of the
/// process (waiting for one if all are in use).
fn run(argon2: &Argon2<'_>, password: &str, salt: &[u8], out: &mut [u8]) -> Result<(), Error> {
    let params = argon2.params();
    if params.m_cost() > MAX_MEMORY_KIB {
        return Err(InvalidValue::TooLong.param_error());
    }
    let mut area = AREAS.take();
    let blocks = params.block_count();
    if area.blocks.len() < blocks {
        area.blocks.resize(blocks, Block::new());
    }
    argon2.hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        out,
        &mut area.blocks[..blocks],
    )?;
    Ok(())
}

/// The pool of working areas: at most [`PASSWORD_CHECKS_AT_ONCE`] exist, each either idle or
/// lent to one running hash.
struct Areas {
    /// The idle areas and how many are lent.
    state: Mutex<AreasState>,
    /// Signalled when an area comes back, for callers waiting for one.
    returned: Condvar,
}

/// What [`Areas`] guards. Invariant: `idle.len() + lent <= PASSWORD_CHECKS_AT_ONCE`.
struct AreasState {
    /// Areas allocated by earlier hashes and free now; kept for the life of the process.
    idle: Vec<Vec<Block>>,
    /// Areas in use now (including ones still to be allocated by their first user).
    lent: usize,
}

impl Areas {
    /// An area to hash in: an idle one, a new (empty) one if fewer than the maximum exist, or
    /// the next one returned.
    fn take(&'static self) -> Lease {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.idle.is_empty() && state.lent >= PASSWORD_CHECKS_AT_ONCE {
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.lent += 1;
        Lease {
            blocks: state.idle.pop().unwrap_or_default(),
            areas: self,
        }
    }

    /// Takes back an area a [`Lease`] held and wakes one waiting caller.
    fn give_back(&self, blocks: Vec<Block>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.lent -= 1;
        state.idle.push(blocks);
        drop(state);
        self.returned.notify_one();
    }
}

/// One working area, lent to one hash; returned to the pool when dropped (also when argon2
/// fails), so the pool never loses an area.
struct Lease {
    /// The area: argon2's 1 KiB blocks, as many as the largest hash it served needed.
    blocks: Vec<Block>,
    /// Where it goes back to.
    areas: &'static Areas,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.areas.give_back(std::mem::take(&mut self.blocks));
    }
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher, PasswordVerifier};

    use super::*;

    /// How many areas exist now, idle and lent: since areas are never freed, every area the
    /// process ever made.
    fn areas_made() -> usize {
        let state = AREAS.state.lock().unwrap();
        state.idle.len() + state.lent
    }

    #[test]
    fn hashes_made_here_and_by_argon2_verify_both_ways() {
        let ours = hash_password("пароль школы").unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password("пароль школы".as_bytes(), &parsed)
                .is_ok()
        );

        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"demo-editor", &salt)
            .unwrap()
            .to_string();
        assert!(password_matches(&theirs, "demo-editor").unwrap());
        assert!(!password_matches(&theirs, "demo-editor ").unwrap());
        assert!(password_matches(&ours, "пароль школы").unwrap());
        assert!(!password_matches(&ours, "пароль").unwrap());
    }

    #[test]
    fn other_recorded_parameters_are_honoured() {
        // argon2i with a small area and three passes: recomputed with what the string says.
        let params = Params::new(64, 3, 1, None).unwrap();
        let argon2 = Argon2::new(Algorithm::Argon2i, Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        let hash = argon2.hash_password(b"secret", &salt).unwrap().to_string();
        assert!(password_matches(&hash, "secret").unwrap());
        assert!(!password_matches(&hash, "Secret").unwrap());
    }

    #[test]
    fn a_corrupt_or_greedy_hash_is_an_error_not_a_mismatch() {
        assert!(password_matches("not a hash", "x").is_err());
        let ours = hash_password("x-password").unwrap();
        let (without_hash, _) = ours.rsplit_once('$').unwrap();
        assert!(password_matches(without_hash, "x-password").is_err());
        let greedy = ours.replace("m=19456", "m=1048576");
        assert!(password_matches(&greedy, "x-password").is_err());
    }

    #[test]
    fn concurrent_hashes_share_a_bounded_number_of_areas() {
        let hash = hash_password("parallel").unwrap();
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| assert!(password_matches(&hash, "parallel").unwrap()));
            }
        });
        spend_like_a_check("whatever").unwrap();
        let made = areas_made();
        assert!(made <= PASSWORD_CHECKS_AT_ONCE, "{made} areas");
    }
}
