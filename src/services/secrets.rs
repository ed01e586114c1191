//! Encryption at rest for what must not be readable from a copy of the
//! database: winners' bank details and postal addresses.
//!
//! Each value is sealed with XChaCha20-Poly1305 under the key of
//! `[payout] key` (or the key file), with a random 24-byte nonce stored in
//! front of the ciphertext. The row it belongs to is bound in as associated
//! data (`payout:<entry id>`), so a sealed value copied onto another row does
//! not open. The key never appears in logs or `Debug` output.

use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

const NONCE: usize = 24;

/// The key, ready to seal and open.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
    key: [u8; 32],
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(<key hidden>)")
    }
}

/// Why a key is unusable or a sealed value does not open.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the key must be 64 hexadecimal characters (32 bytes); generate one with `openssl rand -hex 32`"
    )]
    BadKey,
    #[error("key file {path}: {message}")]
    KeyFile { path: String, message: String },
    #[error("a sealed value does not open with this key (another key, or changed data)")]
    Unreadable,
}

impl SecretBox {
    /// The key written as 64 hexadecimal characters.
    pub fn from_hex(text: &str) -> Result<Self, SecretError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SecretError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SecretError::BadKey);
        }
        let key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| SecretError::BadKey)?;
        Ok(Self {
            cipher: XChaCha20Poly1305::new_from_slice(&key).map_err(|_| SecretError::BadKey)?,
            key,
        })
    }

    /// The key in `path`, or a new random one written there (readable by this
    /// user only) when the file does not exist yet.
    pub fn from_file(path: &Path) -> Result<Self, SecretError> {
        let failed = |err: std::io::Error| SecretError::KeyFile {
            path: path.display().to_string(),
            message: err.to_string(),
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(&text).map_err(|err| SecretError::KeyFile {
                path: path.display().to_string(),
                message: err.to_string(),
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(failed)?;
                }
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                let text = hex::encode(key);
                write_private(path, &text).map_err(failed)?;
                tracing::warn!(
                    file = %path.display(),
                    "generated a new key for payout details; keep a copy of this file, without it they cannot be read"
                );
                Self::from_hex(&text)
            }
            Err(err) => Err(failed(err)),
        }
    }

    /// A keyed tag of `data` for `context` (HMAC-SHA256, hex, first 128 bits):
    /// equal inputs give equal tags, but the input cannot be found from the
    /// tag without the key (a client address, for instance).
    pub fn tag(&self, context: &str, data: &[u8]) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// `plain` sealed for `context` (the row it belongs to).
    pub fn seal(&self, context: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any message that fits in memory");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    /// What was sealed for `context`, or [`SecretError::Unreadable`].
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, SecretError> {
        if sealed.len() < NONCE {
            return Err(SecretError::Unreadable);
        }
        let (nonce, body) = sealed.split_at(NONCE);
        let nonce: [u8; NONCE] = nonce.try_into().map_err(|_| SecretError::Unreadable)?;
        self.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Unreadable)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn sealed_values_open_only_with_their_key_and_row() {
        let keys = SecretBox::from_hex(KEY).unwrap();
        let sealed = keys.seal("payout:1", b"DE89370400440532013000");
        assert!(
            !sealed
                .windows(8)
                .any(|w| w == b"DE893704" || w == b"32013000"),
            "no plain text in the sealed value"
        );
        assert_eq!(
            keys.open("payout:1", &sealed).unwrap(),
            b"DE89370400440532013000"
        );
        assert!(keys.open("payout:2", &sealed).is_err(), "another row");
        let other = SecretBox::from_hex(&KEY.replace("00", "ff")).unwrap();
        assert!(other.open("payout:1", &sealed).is_err(), "another key");
        let mut changed = sealed.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert!(keys.open("payout:1", &changed).is_err(), "changed data");
        assert_ne!(sealed, keys.seal("payout:1", b"DE89370400440532013000"));
        assert!(!format!("{keys:?}").contains("0102"));
    }

    #[test]
    fn keys_are_checked_and_generated_once() {
        assert!(SecretBox::from_hex("abc").is_err());
        assert!(SecretBox::from_hex(&"zz".repeat(32)).is_err());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/payout.key");
        let first = SecretBox::from_file(&path).unwrap();
        let sealed = first.seal("payout:7", b"x");
        let again = SecretBox::from_file(&path).unwrap();
        assert_eq!(again.open("payout:7", &sealed).unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
