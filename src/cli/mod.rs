//! The command line's glue: progress bars, files and summaries around the services. Each
//! command returns its exit code.

pub mod admin;
pub mod backup;
pub mod export;
pub mod nip_check;
pub mod report;
pub mod roster;
pub mod sample;
pub mod serve;
pub mod verify;

use indicatif::{ProgressBar, ProgressStyle};

/// Exit codes shared by the commands: 0 all good, 1 bad input or a finding, 2 could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok = 0,
    Invalid = 1,
    Failed = 2,
}

impl From<Outcome> for std::process::ExitCode {
    fn from(o: Outcome) -> Self {
        std::process::ExitCode::from(o as u8)
    }
}

/// A progress bar on a terminal; hidden (drawing nothing) when stderr is not one.
pub fn progress_bar(len: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len).with_message(message);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta} lagi)") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
