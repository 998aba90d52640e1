//! The log's Ed25519 signing key: a PKCS#8 PEM file created with mode 0600 on first start and
//! refused when others can read it.

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use rand_core::OsRng;
use std::io::Write;
use std::path::Path;

/// Why the log key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LogKeyError {
    #[error(
        "berkas kunci {path} dapat dibaca pengguna lain (mode {mode:o}); jalankan: chmod 600 {path}"
    )]
    Exposed { path: String, mode: u32 },
    #[error("berkas kunci {path} tidak dapat dibaca: {message}")]
    Unreadable { path: String, message: String },
    #[error("berkas kunci {path} tidak dapat dibuat: {message}")]
    Create { path: String, message: String },
}

/// Loads the key at `path`, creating it (mode 0600) if there is none.
pub fn load_or_create(path: &Path) -> Result<SigningKey, LogKeyError> {
    match create(path) {
        Ok(Some(key)) => Ok(key),
        Ok(None) => load(path),
        Err(e) => Err(LogKeyError::Create {
            path: path.display().to_string(),
            message: e.to_string(),
        }),
    }
}

/// Loads an existing key file; refuses one that others can read, and never creates one.
pub fn load(path: &Path) -> Result<SigningKey, LogKeyError> {
    let shown = path.display().to_string();
    let unreadable = |message: String| LogKeyError::Unreadable {
        path: shown.clone(),
        message,
    };
    let metadata = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(LogKeyError::Exposed {
                path: shown.clone(),
                mode,
            });
        }
    }
    let _ = metadata;
    let pem = zeroize::Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?,
    );
    SigningKey::from_pkcs8_pem(&pem).map_err(|e| unreadable(e.to_string()))
}

/// Creates a new key file unless one exists (`Ok(None)` then).
fn create(path: &Path) -> std::io::Result<Option<SigningKey>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::hardening::private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(None),
        Err(e) => return Err(e),
    };
    let key = SigningKey::generate(&mut OsRng);
    file.write_all(pkcs8_v1_pem(&key)?.as_bytes())?;
    file.sync_all()?;
    Ok(Some(key))
}

/// The key as PKCS#8 v1 PEM (the private key alone, as `openssl genpkey -algorithm ed25519`
/// writes it): OpenSSL 3.0 and Python's `cryptography` refuse the v2 form that carries the
/// public key too, and operators back the key up and inspect it with those tools. Both forms
/// are read.
fn pkcs8_v1_pem(key: &SigningKey) -> std::io::Result<zeroize::Zeroizing<String>> {
    let private_only = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    };
    private_only
        .to_pkcs8_pem(Default::default())
        .map_err(|e| std::io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_as_pkcs8_v1_and_read_in_either_form() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log-key.pem");
        let key = load_or_create(&path).unwrap();
        let pem = std::fs::read_to_string(&path).unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body).unwrap();
        // SEQUENCE { INTEGER version, … }: version 0 is v1; v2 (1) carries the public key.
        assert_eq!(&der[2..5], &[0x02, 0x01, 0x00], "{pem}");
        assert_eq!(der.len(), 48, "the private key alone");
        let v2 = key.to_pkcs8_pem(Default::default()).unwrap();
        std::fs::write(&path, v2.as_bytes()).unwrap();
        assert_eq!(load_or_create(&path).unwrap().to_bytes(), key.to_bytes());
    }

    #[test]
    fn created_private_and_loaded_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/log-key.pem");
        let key = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(key.to_bytes(), again.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                load_or_create(&path),
                Err(LogKeyError::Exposed { .. })
            ));
        }
    }
}
