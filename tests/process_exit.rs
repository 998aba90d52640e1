//! A process that ends while other threads still open and close PostgreSQL connections ends
//! cleanly. Before `ikrar::db::establish_postgres` started OpenSSL without its exit-time
//! clean-up, such a process could die of a double free or a segmentation fault after its work
//! was done: this is how the test binaries crashed at exit in CI, and how `ikrar serve` could
//! end on SIGTERM.
//!
//! Its own harness (libtest-mimic), so that without `IKRAR_TEST_DATABASE_URL` the test is
//! reported as ignored rather than passing silently. The test runs this binary again as a child
//! (`IKRAR_EXIT_CHILD` set) whose threads open, query and close connections, and which returns
//! from `main` in the middle of it, many times over.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests stop at the first surprise

use std::process::{Command, ExitCode};
use std::time::Duration;

/// Where the child is told which server to use.
const CHILD_VARIABLE: &str = "IKRAR_EXIT_CHILD";
/// The variable that names the test server (as in `tests/common/data.rs`).
const PG_VARIABLE: &str = "IKRAR_TEST_DATABASE_URL";
/// How many children must end cleanly.
const RUNS: usize = 40;

fn main() -> ExitCode {
    if let Ok(server) = std::env::var(CHILD_VARIABLE) {
        churn_then_exit(&server);
        return ExitCode::SUCCESS;
    }
    let args = libtest_mimic::Arguments::from_args();
    let server = std::env::var(PG_VARIABLE).ok().filter(|v| !v.is_empty());
    if server.is_none() {
        eprintln!("process_exit ignored: it needs {PG_VARIABLE} (a PostgreSQL server)");
    }
    let ignored = server.is_none();
    let trial = libtest_mimic::Trial::test(
        "a_process_ends_cleanly_while_its_threads_use_postgres",
        move || ends_cleanly(&server.unwrap_or_default()),
    )
    .with_ignored_flag(ignored);
    libtest_mimic::run(&args, vec![trial]).exit_code()
}

/// Runs the child `RUNS` times; every run must exit with status 0.
fn ends_cleanly(server: &str) -> Result<(), libtest_mimic::Failed> {
    let me = std::env::current_exe()?;
    for run in 1..=RUNS {
        let out = Command::new(&me).env(CHILD_VARIABLE, server).output()?;
        if !out.status.success() {
            return Err(format!(
                "run {run} of {RUNS} ended with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
    }
    Ok(())
}

/// Starts four threads that open a connection, query it and close it, without end (as pool
/// threads do when they replace connections and web workers do when they drop their pool),
/// and returns while they do.
fn churn_then_exit(server: &str) {
    use diesel::connection::SimpleConnection;
    if let Err(e) = ikrar::db::establish_postgres(server) {
        eprintln!("cannot connect to {server}: {e}");
        std::process::exit(2);
    }
    for _ in 0..4 {
        let server = server.to_owned();
        std::thread::spawn(move || loop {
            if let Ok(mut conn) = ikrar::db::establish_postgres(&server) {
                let _ = conn.batch_execute("SELECT 1");
            }
        });
    }
    std::thread::sleep(Duration::from_millis(60));
}
