//! The integration tests, one binary with a module per area (as one binary they build and link
//! once): each test spawns the real app on a random port with a fresh database of its own and
//! drives it over HTTP like a user, or runs the real `ikrar` binary. The browser tests
//! (`tests/browser/`) and the process-exit checks (`tests/process_exit.rs`) have harnesses of
//! their own.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests stop at the first surprise

#[path = "../common/mod.rs"]
mod common;

mod admin;
mod backends;
mod backups;
mod cli;
mod crash;
mod faults;
mod group_commit;
mod guess_limits;
mod health;
mod log;
mod screen;
mod security;
mod servers;
mod signing;
mod transport;
mod upgrade;
mod witness;
