//! Pure domain code: values, NIPs, pacts and log entries. Nothing here touches the web, the
//! database or the file system.

pub mod activation_code;
pub mod csv_safe;
pub mod display;
pub mod entry;
pub mod nip;
pub mod pact;
pub mod passphrase;
pub mod receipt_link;
pub mod role;
pub mod roster;
pub mod roster_sample;
pub mod roster_xlsx;
pub mod totp;
pub mod values;
