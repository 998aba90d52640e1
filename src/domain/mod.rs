//! Pure domain code of the app: rosters, roles, passphrases, codes, receipt links, display.
//! Nothing here touches the web, the database or the file system. What auditors need too
//! (values, NIPs, pacts, log entries, the log itself) is in the `ikrar-log` crate.

pub mod activation_code;
pub mod audit;
pub mod bukti_pdf;
pub mod csv_safe;
pub mod display;
pub mod file_format;
pub mod log_index;
pub mod lookalike;
pub mod passphrase;
pub mod receipt_link;
pub mod role;
pub mod roster;
pub mod roster_sample;
pub mod roster_xlsx;
pub mod screen_grouping;
pub mod totp;
pub mod unit_scope;
pub mod user_agent;
pub mod workbook_parts;
