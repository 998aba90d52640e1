//! `ikrar-witness`, the witness built without the app, as an operator runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests stop at the first surprise

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn witness(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ikrar-witness"))
        .args(args)
        .env("IKRAR_DATA_DIR", dir)
        .env("IKRAR_WITNESS_NAME", "saksi.test/uji")
        .output()
        .unwrap()
}

#[test]
fn its_key_is_made_once_private_and_printed_the_same_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("saksi");
    let first = witness(&data, &["key"]);
    assert!(first.status.success(), "{first:?}");
    let key = String::from_utf8(first.stdout).unwrap();
    assert!(key.starts_with("saksi.test/uji+"), "{key}");
    assert_eq!(witness(&data, &["key"]).stdout, key.as_bytes());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("witness-key.pem")), 0o600);
}

#[test]
fn a_log_key_that_is_not_one_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = witness(
        dir.path(),
        &["serve", "--bind", "127.0.0.1:0", "--log", "bukan-kunci"],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let said = String::from_utf8(out.stderr).unwrap();
    assert!(said.starts_with("galat: --log bukan-kunci"), "{said}");
}
