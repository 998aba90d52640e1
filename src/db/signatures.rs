//! Signatures: one row per employee and pact, pointing at its log entry.

use super::counts::{self, CountSignature};
use super::dialect::fixed_statement;
use super::log_store::{Batch, EntryKind, EntryRow};
use super::schema::signatures;
use super::{guess_limits, Conn, DbError};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment};
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};
use ikrar_log::nip::{Nip, NipKind};
use ikrar_log::values::{PactId, UnitCode};

/// A signature as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signatures)]
pub struct StoredSignature {
    pub pact_id: String,
    pub nip: String,
    pub unit_code: String,
    pub signed_at: NaiveDateTime,
    pub log_index: i64,
    /// The generation of the key that signed (1: the employee's first key).
    pub key_generation: i32,
}

/// A signature to append: its row, and the employee's kind for the per-unit counts.
pub struct NewSignature<'a> {
    pub pact_id: &'a PactId,
    pub nip: &'a Nip,
    pub unit_code: &'a UnitCode,
    pub signed_at: DateTime<Utc>,
    pub key_generation: i32,
    pub kind: NipKind,
}

/// What [`append`] did, with the index of the pact's log entry for the NIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// The signature was appended at this index.
    New(i64),
    /// The NIP had signed the pact already, at this index; nothing was written.
    Existing(i64),
}

/// Appends a signature in the log's `batch`: its entry (`body`), its row (a second one for the
/// same pact and NIP breaks the primary key, should another server store it meanwhile), one
/// more in its unit's count, and the signer's failed guesses (`guesses`, their subject)
/// forgotten — unless the NIP has signed the pact already. On PostgreSQL this is one statement,
/// so one round trip in the log's writer per signature (every data-modifying `WITH` part runs,
/// read or not); SQLite runs in process and takes the separate statements.
pub fn append(
    conn: &mut Conn,
    batch: &mut Batch,
    new: &NewSignature,
    body: &[u8],
    guesses: &str,
) -> Result<Appended, DbError> {
    // On SQLite, an earlier signature is looked for first: a refusal then reads nothing of the
    // log.
    if let Conn::Sqlite(_) = conn {
        if let Some(existing) = find(conn, new.pact_id, new.nip)? {
            return Ok(Appended::Existing(existing.log_index));
        }
    }
    let index = batch.next_index(conn)?;
    if let Conn::Pg(c) = conn {
        let entry = EntryRow::new(index, EntryKind::Signature, body, new.signed_at);
        let prior = Append::new(new, &entry, guesses)
            .get_result::<i64>(c)
            .optional()?;
        return match prior {
            Some(index) => Ok(Appended::Existing(index)),
            None => batch.written(conn, entry.leaf()).map(Appended::New),
        };
    }
    batch.push(conn, EntryKind::Signature, body, new.signed_at)?;
    guess_limits::clear(conn, guesses)?;
    diesel::insert_into(signatures::table)
        .values((
            signatures::pact_id.eq(new.pact_id.as_str()),
            signatures::nip.eq(new.nip.as_str()),
            signatures::unit_code.eq(new.unit_code.as_str()),
            signatures::signed_at.eq(new.signed_at.naive_utc()),
            signatures::log_index.eq(index),
            signatures::key_generation.eq(new.key_generation),
        ))
        .execute(conn)?;
    counts::count_signature(conn, new.pact_id, new.unit_code, new.kind)?;
    Ok(Appended::New(index))
}

/// [`append`] on PostgreSQL, as one statement of fixed text (prepared once per connection):
/// the NIP's earlier signature of the pact is looked up, and only if there is none are the
/// entry, the row, the cleared guesses and the unit's count written, as `WITH` parts; it
/// returns the earlier signature's index, if any.
struct Append<'a> {
    new: &'a NewSignature<'a>,
    entry: &'a EntryRow<'a>,
    signed_at: NaiveDateTime,
    guesses: &'a str,
    count: CountSignature<'a>,
}

impl<'a> Append<'a> {
    fn new(new: &'a NewSignature<'a>, entry: &'a EntryRow<'a>, guesses: &'a str) -> Self {
        Append {
            new,
            entry,
            signed_at: new.signed_at.naive_utc(),
            guesses,
            count: CountSignature {
                pact_id: new.pact_id.as_str(),
                unit_code: new.unit_code.as_str(),
                kind: new.kind.label(),
            },
        }
    }
}

impl QueryFragment<Pg> for Append<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let new = self.new;
        out.push_sql("WITH prior AS (SELECT log_index FROM signatures WHERE pact_id = ");
        out.push_bind_param::<Text, _>(new.pact_id.as_str())?;
        out.push_sql(" AND nip = ");
        out.push_bind_param::<Text, _>(new.nip.as_str())?;
        out.push_sql("), entry AS (");
        self.entry
            .walk_from(out.reborrow(), "WHERE NOT EXISTS (SELECT 1 FROM prior)")?;
        out.push_sql("), forgotten AS (DELETE FROM guess_limits WHERE subject = ");
        out.push_bind_param::<Text, _>(self.guesses)?;
        out.push_sql(
            " AND EXISTS (SELECT 1 FROM entry)), signed AS (INSERT INTO signatures \
             (pact_id, nip, unit_code, signed_at, log_index, key_generation) SELECT ",
        );
        out.push_bind_param::<Text, _>(new.pact_id.as_str())?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(new.nip.as_str())?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(new.unit_code.as_str())?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.signed_at)?;
        out.push_sql(", idx, ");
        out.push_bind_param::<Integer, _>(&new.key_generation)?;
        out.push_sql(" FROM entry), counted AS (");
        self.count
            .walk_when(out.reborrow(), "EXISTS (SELECT 1 FROM entry)")?;
        out.push_sql(") SELECT log_index FROM prior");
        Ok(())
    }
}

impl Query for Append<'_> {
    type SqlType = BigInt;
}

fixed_statement!(Append);

/// The signature of `nip` on `pact_id`, if any.
pub fn find(
    conn: &mut Conn,
    pact_id: &PactId,
    nip: &Nip,
) -> Result<Option<StoredSignature>, DbError> {
    Ok(signatures::table
        .find((pact_id.as_str(), nip.as_str()))
        .select(StoredSignature::as_select())
        .get_result(conn)
        .optional()?)
}

/// How many signatures a pact has.
pub fn count_for_pact(conn: &mut Conn, pact_id: &str) -> Result<i64, DbError> {
    Ok(signatures::table
        .filter(signatures::pact_id.eq(pact_id))
        .count()
        .get_result(conn)?)
}

/// Signatures per (pact, unit at signing) among the first `size` log entries.
pub fn counts_before(conn: &mut Conn, size: i64) -> Result<Vec<(String, String, i64)>, DbError> {
    use diesel::dsl::count_star;
    Ok(signatures::table
        .filter(signatures::log_index.lt(size))
        .group_by((signatures::pact_id, signatures::unit_code))
        .select((signatures::pact_id, signatures::unit_code, count_star()))
        .order((signatures::pact_id, signatures::unit_code))
        .load(conn)?)
}

/// Signatures of `pact_id` made with a key that replaced an earlier one, per unit: (unit,
/// NIP, log index), for auditors to follow up.
pub fn with_replaced_key(
    conn: &mut Conn,
    pact_id: &str,
    units: Option<&[String]>,
) -> Result<Vec<(String, String, i64)>, DbError> {
    let mut query = signatures::table
        .filter(signatures::pact_id.eq(pact_id))
        .filter(signatures::key_generation.gt(1))
        .into_boxed();
    if let Some(units) = units {
        query = query.filter(signatures::unit_code.eq_any(units.to_vec()));
    }
    Ok(query
        .order((signatures::unit_code, signatures::log_index))
        .select((
            signatures::unit_code,
            signatures::nip,
            signatures::log_index,
        ))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::dialect::text_of;

    /// The statement is cached by its type, so its text must not change with its values.
    #[test]
    fn appending_a_signature_sends_the_same_text_whatever_its_values() {
        let nip = |digits: &str| Nip::try_from(digits.to_owned()).unwrap();
        let (pact, other_pact) = (
            PactId::parse("netralitas-2024").unwrap(),
            PactId::parse("pakta-lain").unwrap(),
        );
        let (unit, other_unit) = (
            UnitCode::parse("DINKES").unwrap(),
            UnitCode::parse("DINDIKBUD").unwrap(),
        );
        let (first, second) = (nip("199004152019032004"), nip("198501012010011001"));
        let signature = |pact_id, nip, unit_code, kind| NewSignature {
            pact_id,
            nip,
            unit_code,
            signed_at: DateTime::from_timestamp(1_706_770_800, 0).unwrap(),
            key_generation: 1,
            kind,
        };
        let (a, b) = (
            signature(&pact, &first, &unit, NipKind::Pns),
            signature(&other_pact, &second, &other_unit, NipKind::Pppk),
        );
        let text = |new: &NewSignature, index, body: &'static [u8]| {
            let entry = EntryRow::new(index, EntryKind::Signature, body, new.signed_at);
            text_of::<Pg>(&Append::new(new, &entry, "x'); DROP TABLE signatures; --"))
        };
        let (a, b) = (text(&a, 7, b"satu"), text(&b, 8, b"DROP"));
        assert_eq!(a, b);
        assert!(!a.contains("DINKES") && !a.contains("DROP"), "{a}");
    }
}
