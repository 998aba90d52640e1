//! `serve --demo`: three made-up employees with fresh activation codes, so a newcomer can try the
//! whole flow at once. Nothing fake is created without it.

use super::roster::{self, ImportOptions, ImportSource, IssuedCode};
use super::App;
use crate::db::{employees, DbError};
use crate::domain::audit::Actor;
use crate::domain::roster::parse;
use ikrar_log::values::now_seconds;

const DEMO_ROSTER: &str = "nip,nama,jenis,jabatan,unit_kode,unit_nama,instansi
199004152019032004,Siti Aminah,PNS,Perawat Ahli Pertama,DEMO.DINKES,Dinas Kesehatan (contoh),Pemerintah Kabupaten Contoh
198807022023211007,Budi Santoso,PPPK,Guru Ahli Pertama,DEMO.DINDIKBUD,Dinas Pendidikan dan Kebudayaan (contoh),Pemerintah Kabupaten Contoh
198512302010011003,Dewi Lestari,PNS,Analis Kepegawaian,DEMO.BKPSDM,BKPSDM (contoh),Pemerintah Kabupaten Contoh
";

/// A demo employee and their code, or `None` when already activated.
#[derive(Debug, Clone)]
pub struct DemoEmployee {
    pub nip: String,
    pub name: String,
    pub code: Option<IssuedCode>,
}

/// Adds the demo employees (if missing) and gives each one not yet activated a new code.
pub fn seed(app: &App) -> Result<Vec<DemoEmployee>, DbError> {
    let (conn, now) = (&mut *app.db.conn()?, now_seconds());
    let parsed = match parse(DEMO_ROSTER.as_bytes(), now.date_naive()) {
        Ok(parsed) if parsed.errors.is_empty() => parsed,
        other => unreachable!("the demo roster is valid: {other:?}"),
    };
    let rows = parsed.rows.clone();
    let source = ImportSource {
        actor: Actor::command_line("ikrar serve --demo"),
        file_name: "demo".into(),
    };
    roster::import_in(
        conn,
        parsed,
        ImportOptions::default(),
        &source,
        now,
        &mut |_| {},
    )?;
    let mut demo = Vec::with_capacity(rows.len());
    for row in rows {
        let activated = employees::find(conn, &row.nip)?.is_some_and(|e| e.public_key.is_some());
        let code = if activated {
            None
        } else {
            Some(roster::issue_code(
                conn,
                &row.nip,
                &row.name,
                &row.unit_code,
            )?)
        };
        demo.push(DemoEmployee {
            nip: row.nip.to_string(),
            name: row.name,
            code,
        });
    }
    Ok(demo)
}
