//! API tokens of the communes: created by an operator from the CLI, shown once, stored only as a
//! SHA-256 hash, scoped to one or more communes, revocable. Checking a token reads the store,
//! so a token created while the server runs works at its next request.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::store::{Store, TokenRecord};
use crate::error::{Error, Result};

/// Prefix of every token, so that one found in a file or a log is recognisable.
const PREFIX: &str = "adr_";

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthError {
    /// No `Authorization: Token …` header, or a token we do not know or that was revoked: 401.
    Unauthenticated(String),
    /// A valid token used for a commune outside its scope: 403.
    Forbidden(String),
}

/// A fresh random token (32 bytes from the OS, hex-encoded) and its hash.
pub fn generate() -> Result<(String, Vec<u8>)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Internal(format!("no randomness for a token: {e}")))?;
    let token = format!("{PREFIX}{}", hex(&bytes));
    let hash = hash(&token);
    Ok((token, hash))
}

pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates a token for `communes` and returns its id and the token (the only time it exists
/// outside the caller's hands).
pub fn create(store: &Store, communes: &[String], label: &str) -> Result<(i64, String)> {
    if communes.is_empty() {
        return Err(Error::Input("a token needs at least one --commune".into()));
    }
    for code in communes {
        if code.len() != 5 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::Input(format!(
                "--commune {code:?}: expected a 5-character INSEE code such as 05061"
            )));
        }
    }
    if label.trim().is_empty() {
        return Err(Error::Input("--label must not be empty".into()));
    }
    let (token, hash) = generate()?;
    let id = store.insert_token(&hash, label.trim(), communes)?;
    Ok((id, token))
}

/// The token of an `Authorization` header value (`Token <token>`; `Bearer` accepted too).
pub fn from_header(value: Option<&str>) -> Result<&str, AuthError> {
    let value = value.ok_or_else(|| {
        AuthError::Unauthenticated(
            "This endpoint needs a commune token: send the header `Authorization: Token <token>`."
                .into(),
        )
    })?;
    let mut parts = value.trim().splitn(2, ' ');
    match (parts.next(), parts.next()) {
        (Some(scheme), Some(token))
            if scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer") =>
        {
            Ok(token.trim())
        }
        _ => Err(AuthError::Unauthenticated(
            "The Authorization header must read `Token <token>`.".into(),
        )),
    }
}

/// The token record of `token` if it is known and not revoked.
pub fn authenticate(store: &Store, token: &str) -> Result<Result<TokenRecord, AuthError>> {
    let wanted = hash(token);
    let unknown = || AuthError::Unauthenticated("This token is unknown or was revoked.".into());
    let Some((record, stored)) = store.token_by_hash(&wanted)? else {
        return Ok(Err(unknown()));
    };
    // The lookup used the hash as a key; compare again in constant time so that no timing
    // difference depends on how much of a guess was right.
    if !bool::from(stored.ct_eq(&wanted)) || record.revoked_at.is_some() {
        return Ok(Err(unknown()));
    }
    Ok(Ok(record))
}

/// Refuses a token used for a commune outside its scope.
pub fn check_scope(token: &TokenRecord, commune: &str) -> Result<(), AuthError> {
    if token.communes.iter().any(|c| c == commune) {
        Ok(())
    } else {
        Err(AuthError::Forbidden(format!(
            "The token \"{}\" may change communes {} only, not {commune}.",
            token.label,
            token.communes.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hashed_scoped_and_revocable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (id, token) =
            create(&store, &["05061".into(), "05023".into()], "Mairie de Gap").unwrap();
        let (_, other) = create(&store, &["05061".into()], "Autre").unwrap();
        assert_ne!(token, other);
        assert_eq!(token.len(), PREFIX.len() + 64);
        // Only the hash is in the database file.
        let raw = std::fs::read(store.path()).unwrap_or_default();
        let wal = std::fs::read(store.path().with_extension("sqlite-wal")).unwrap_or_default();
        let needle = token.as_bytes();
        assert!(!raw.windows(needle.len()).any(|w| w == needle));
        assert!(!wal.windows(needle.len()).any(|w| w == needle));
        let record = authenticate(&store, &token).unwrap().unwrap();
        assert_eq!(record.id, id);
        assert!(check_scope(&record, "05023").is_ok());
        assert!(matches!(
            check_scope(&record, "05001"),
            Err(AuthError::Forbidden(_))
        ));
        assert!(authenticate(&store, "adr_nope").unwrap().is_err());
        assert!(store.revoke_token(id).unwrap());
        assert!(authenticate(&store, &token).unwrap().is_err());
        assert!(authenticate(&store, &other).unwrap().is_ok());
        assert!(create(&store, &["5061".into()], "x").is_err());
    }

    #[test]
    fn authorization_header_forms() {
        assert_eq!(from_header(Some("Token abc")), Ok("abc"));
        assert_eq!(from_header(Some("Bearer abc")), Ok("abc"));
        assert!(from_header(Some("Basic abc")).is_err());
        assert!(from_header(None).is_err());
    }
}
