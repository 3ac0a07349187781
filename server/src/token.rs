//! Random tokens from the operating system's random source: CSP nonces and session ids.

/// The operating system's random source could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct TokenError(getrandom::Error);

/// `bytes` random bytes as lowercase hex (so twice as many characters).
pub fn random_hex(bytes: usize) -> Result<String, TokenError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(TokenError)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// A fresh per-response CSP nonce: 128 random bits, hex encoded (valid `base64-value` characters).
pub fn nonce() -> Result<String, TokenError> {
    random_hex(16)
}
