//! An Ed25519 signing key in a file of its own (the log's, a witness's): PKCS#8 PEM, created
//! with mode 0600 in a 0700 directory on first use, and refused when others can read it.

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use rand_core::OsRng;
use std::io::Write;
use std::path::Path;

/// Why a key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error(
        "berkas kunci {path} dapat dibaca pengguna lain (mode {mode:o}); jalankan: chmod 600 {path}"
    )]
    Exposed { path: String, mode: u32 },
    #[error("berkas kunci {path} tidak dapat dibaca: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("berkas kunci {path} bukan kunci Ed25519 PKCS#8: {source}")]
    NotAKey {
        path: String,
        #[source]
        source: ed25519_dalek::pkcs8::Error,
    },
    #[error("berkas kunci {path} tidak dapat dibuat: {source}")]
    Create {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Loads the key at `path`, creating it (mode 0600) if there is none.
pub fn load_or_create(path: &Path) -> Result<SigningKey, KeyFileError> {
    match create(path) {
        Ok(Some(key)) => Ok(key),
        Ok(None) => load(path),
        Err(source) => Err(KeyFileError::Create {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Loads an existing key file; refuses one that others can read, and never creates one.
pub fn load(path: &Path) -> Result<SigningKey, KeyFileError> {
    let shown = || path.display().to_string();
    let unreadable = |source| KeyFileError::Unreadable {
        path: shown(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyFileError::Exposed {
                path: shown(),
                mode,
            });
        }
    }
    let _ = metadata;
    let pem = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(unreadable)?);
    SigningKey::from_pkcs8_pem(&pem).map_err(|source| KeyFileError::NotAKey {
        path: shown(),
        source,
    })
}

/// Creates `dir` (and its parents) with mode 0700, and takes group and other access away from
/// an existing one: it holds keys (and, for the app, the database).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// Creates a new key file unless one exists (`Ok(None)` then).
fn create(path: &Path) -> std::io::Result<Option<SigningKey>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir)?;
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
                Err(KeyFileError::Exposed { .. })
            ));
        }
    }
}
