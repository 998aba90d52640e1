//! The per-unit counters the dashboard and reports read: kept with each signature and rebuilt
//! after each import. The employee lists are in `listings`.

use super::dialect::{fixed_statement, per_backend};
use super::schema::{roster_counts, signed_counts};
use super::{Conn, DbError};
use diesel::backend::Backend;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::serialize::ToSql;
use diesel::sql_types::Text;
use ikrar_log::nip::NipKind;
use ikrar_log::values::PactId;

/// Recomputes every counter from the tables (after an import: new people, mutasi).
pub fn rebuild(conn: &mut Conn) -> Result<(), DbError> {
    conn.batch_execute(
        "DELETE FROM roster_counts;
         INSERT INTO roster_counts (unit_code, kind, total)
         SELECT unit_code, kind, COUNT(*) FROM employees GROUP BY unit_code, kind;
         DELETE FROM signed_counts;
         INSERT INTO signed_counts (pact_id, unit_code, kind, signed)
         SELECT s.pact_id, e.unit_code, e.kind, COUNT(*)
         FROM signatures s JOIN employees e ON e.nip = s.nip
         GROUP BY s.pact_id, e.unit_code, e.kind;",
    )?;
    Ok(())
}

/// Counts one more signature of `pact_id` for an employee of `unit_code` and `kind`.
pub fn count_signature(
    conn: &mut Conn,
    pact_id: &PactId,
    unit_code: &str,
    kind: NipKind,
) -> Result<(), DbError> {
    let upsert = CountSignature {
        pact_id,
        unit_code,
        kind: kind.label(),
    };
    per_backend!(conn, c => upsert.execute(c))?;
    Ok(())
}

/// The upsert of [`count_signature`], written out so that it is prepared once per connection
/// (see `fixed_statement!`): it runs with every signature.
pub(super) struct CountSignature<'a> {
    pub(super) pact_id: &'a str,
    pub(super) unit_code: &'a str,
    pub(super) kind: &'a str,
}

impl<DB: Backend> QueryFragment<DB> for CountSignature<'_>
where
    str: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.walk_when(out, "true")
    }
}

impl CountSignature<'_> {
    /// The upsert, counting the signature only when `condition` (fixed SQL) holds.
    pub(super) fn walk_when<'b, DB: Backend>(
        &'b self,
        mut out: AstPass<'_, 'b, DB>,
        condition: &'static str,
    ) -> QueryResult<()>
    where
        str: ToSql<Text, DB>,
    {
        out.push_sql("INSERT INTO signed_counts AS c (pact_id, unit_code, kind, signed) SELECT ");
        out.push_bind_param::<Text, _>(self.pact_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.unit_code)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.kind)?;
        // A `WHERE` is needed anyway: without it SQLite would read `ON CONFLICT` as a join's.
        out.push_sql(", 1 WHERE ");
        out.push_sql(condition);
        out.push_sql(" ON CONFLICT (pact_id, unit_code, kind) DO UPDATE SET signed = c.signed + 1");
        Ok(())
    }
}

fixed_statement!(CountSignature);

/// Employees per (unit, kind).
pub fn roster(conn: &mut Conn) -> Result<Vec<(String, String, i64)>, DbError> {
    Ok(roster_counts::table
        .select((
            roster_counts::unit_code,
            roster_counts::kind,
            roster_counts::total,
        ))
        .load(conn)?)
}

/// Signatures of a pact per (unit, kind).
pub fn signed(conn: &mut Conn, pact_id: &PactId) -> Result<Vec<(String, String, i64)>, DbError> {
    Ok(signed_counts::table
        .filter(signed_counts::pact_id.eq(pact_id.as_str()))
        .select((
            signed_counts::unit_code,
            signed_counts::kind,
            signed_counts::signed,
        ))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::dialect::text_of;
    use diesel::{pg::Pg, sqlite::Sqlite};

    /// The upsert is cached by its type, so its text must not change with its values.
    #[test]
    fn the_count_upsert_sends_the_same_text_whatever_its_values() {
        let plain = CountSignature {
            pact_id: "netralitas-2024",
            unit_code: "DINKES",
            kind: "PNS",
        };
        let hostile = CountSignature {
            pact_id: "x'); DROP TABLE signed_counts; --",
            unit_code: "'",
            kind: "PPPK",
        };
        for (a, b) in [
            (text_of::<Pg>(&plain), text_of::<Pg>(&hostile)),
            (text_of::<Sqlite>(&plain), text_of::<Sqlite>(&hostile)),
        ] {
            assert_eq!(a, b);
            assert!(!a.contains("DINKES") && !a.contains("DROP"), "{a}");
        }
    }
}
