//! What the `ikrar` process does to itself before it touches any secret: files it creates are
//! private to its user (umask 077: databases, WAL files, backups, bundles, reports, key files),
//! and it cannot leave a core dump (a crash would otherwise write request buffers holding
//! passphrases to disk) nor be read by a debugger of the same user.

use rustix::fs::Mode;
use rustix::process::{self, DumpableBehavior, Resource, Rlimit};
use std::path::Path;

/// Applies the hardening to the current process. Fails only if the kernel refuses.
pub fn harden() -> std::io::Result<()> {
    process::umask(Mode::from_raw_mode(0o077));
    process::set_dumpable_behavior(DumpableBehavior::NotDumpable)?;
    process::setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    )?;
    Ok(())
}

pub use ikrar_log::key_file::private_dir;

/// Opens `path` for writing, created with mode 0600 (or truncated, and made 0600, if it
/// exists): every file ikrar writes holds personal data or secrets.
pub fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// Makes an existing file 0600 (a file that SQLite or another library created).
pub fn make_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn directories_and_files_are_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/data");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("laporan.csv");
        std::fs::write(&file, "x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(private_file(&file).unwrap());
        assert_eq!(mode(&file), 0o600);
        let fresh = dir.join("bundle.jsonl");
        drop(private_file(&fresh).unwrap());
        assert_eq!(mode(&fresh), 0o600);
    }
}
