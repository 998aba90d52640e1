//! The statements PostgreSQL runs where SQLite runs several: each does one operation of the
//! log's writer or of a sign-in in **one round trip**, and has fixed text, so it is **prepared
//! once** per connection (`fixed_statement!`). On PostgreSQL every statement is a round trip
//! to another process, and the log's writer does them one after the other, so the number of
//! round trips per signature bounds the signing rate; SQLite runs in process, where a statement
//! costs no trip, and takes the separate statements (`*_in_steps`), which every backend can run.
//!
//! Each operation is one function here and one public function in its table's module, which
//! chooses: [`super::signatures::append`], [`super::employees::activate`],
//! [`super::guess_limits::attempt_then_find`]. A test (`tests/it/backends.rs`) runs each on
//! the backend under test and compares the rows written with those of the separate statements.
//! Parts of a `WITH` that modify data all run, whether or not their answer is read.

use super::counts::CountSignature;
use super::dialect::fixed_statement;
use super::employees::{Employee, SpendCode};
use super::guess_limits::CountAttempt;
use super::log_store::EntryRow;
use super::signatures::NewSignature;
use chrono::NaiveDateTime;
use diesel::dsl::{AsSelect, SqlTypeOf};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment};
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};
use ikrar_log::nip::Nip;

/// Appends a signature unless the NIP has signed the pact already: returns the earlier
/// signature's index, or `None` when `entry`, the row, the count and the cleared guesses were
/// written.
pub(super) fn append_signature(
    c: &mut PgConnection,
    new: &NewSignature,
    entry: &EntryRow,
    guesses: &str,
) -> QueryResult<Option<i64>> {
    Append::new(new, entry, guesses).get_result(c).optional()
}

/// Stores a key and spends its code, and only then writes `entry` and clears the guesses:
/// returns the entry's index, `None` if the code was not (or no longer) the stored one.
pub(super) fn activate(
    c: &mut PgConnection,
    spend: SpendCode,
    entry: &EntryRow,
    guesses: &str,
) -> QueryResult<Option<i64>> {
    ActivateWithEntry {
        spend,
        entry,
        guesses,
    }
    .get_result(c)
    .optional()
}

/// Counts the attempt and reads the employee `nip`: the subject's lock, and the employee.
pub(super) fn attempt_then_find(
    c: &mut PgConnection,
    attempt: CountAttempt,
    nip: &Nip,
) -> QueryResult<(Option<NaiveDateTime>, Option<Employee>)> {
    AttemptThenFind {
        attempt,
        nip: nip.as_str(),
        employee: Option::<Employee>::as_select(),
    }
    .get_result(c)
}

/// A signature's [`super::signatures::append`] as one statement of fixed text (prepared once per connection):
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

/// An activation ([`super::employees::activate`]) as one statement of fixed text: the update as a `WITH` part,
/// and the entry and the cleared guesses only if it updated the row; it returns the entry's
/// index, if written.
struct ActivateWithEntry<'a> {
    spend: SpendCode<'a>,
    entry: &'a EntryRow<'a>,
    guesses: &'a str,
}

impl QueryFragment<Pg> for ActivateWithEntry<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH activated AS (");
        self.spend.walk_with(out.reborrow(), " RETURNING nip")?;
        out.push_sql("), entry AS (");
        self.entry.walk_from(out.reborrow(), "FROM activated")?;
        out.push_sql("), forgotten AS (DELETE FROM guess_limits WHERE subject = ");
        out.push_bind_param::<Text, _>(self.guesses)?;
        out.push_sql(" AND EXISTS (SELECT 1 FROM activated)) SELECT idx FROM entry");
        Ok(())
    }
}

impl Query for ActivateWithEntry<'_> {
    type SqlType = BigInt;
}

fixed_statement!(ActivateWithEntry);

/// [`super::guess_limits::attempt_then_find`] as one statement: the attempt's upsert as a `WITH` part, and the employee
/// read beside its answer.
struct AttemptThenFind<'a> {
    attempt: CountAttempt<'a>,
    nip: &'a str,
    employee: AsSelect<Option<Employee>, Pg>,
}

impl QueryFragment<Pg> for AttemptThenFind<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH attempt AS (");
        self.attempt.walk_ast(out.reborrow())?;
        out.push_sql(") SELECT attempt.locked_until, ");
        self.employee.walk_ast(out.reborrow())?;
        out.push_sql(" FROM attempt LEFT JOIN employees ON employees.nip = ");
        out.push_bind_param::<Text, _>(self.nip)?;
        Ok(())
    }
}

impl Query for AttemptThenFind<'_> {
    type SqlType = (
        Nullable<Timestamp>,
        SqlTypeOf<AsSelect<Option<Employee>, Pg>>,
    );
}

fixed_statement!(AttemptThenFind);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::dialect::text_of;
    use crate::db::employees::{Activation, StoredKey};
    use crate::db::log_store::EntryKind;
    use crate::keys::SealedKey;
    use chrono::DateTime;
    use diesel::sqlite::Sqlite;
    use ikrar_log::nip::NipKind;
    use ikrar_log::values::{PactId, UnitCode};

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

    /// The statements are cached by their type, so their text must not change with values.
    #[test]
    fn storing_a_key_sends_the_same_text_whatever_its_values() {
        let key = |byte: u8, params: &str| StoredKey {
            public_key: [byte; 32],
            sealed: SealedKey {
                params: params.parse().unwrap(),
                salt: [byte; 16],
                nonce: [byte; 24],
                ciphertext: vec![byte; 48],
            },
        };
        let (plain_key, other_key) = (key(1, "m=19456,t=2,p=1"), key(0x27, "m=65536,t=3,p=4"));
        let (first, second) = (
            Nip::try_from("199004152019032004".to_owned()).unwrap(),
            Nip::try_from("198501012010011001".to_owned()).unwrap(),
        );
        let code = [0x27; 32];
        // The entry's body and the guesses' subject both carry `text`.
        let activation = |nip, key, text: &'static str, seconds| Activation {
            nip,
            code_hash: &code,
            key,
            body: text.as_bytes(),
            guesses: text,
            now: DateTime::from_timestamp(seconds, 0).unwrap(),
        };
        let plain = activation(&first, &plain_key, "aktivasi:1990", 1_706_770_800);
        let hostile = activation(&second, &other_key, "x'); DROP TABLE x; --", 1_706_857_200);
        let whole = |new: &Activation, index| {
            let entry = EntryRow::new(index, EntryKind::Key, new.body, new.now);
            text_of::<Pg>(&ActivateWithEntry {
                spend: SpendCode::of(new),
                entry: &entry,
                guesses: new.guesses,
            })
        };
        // The update alone (SQLite's steps) and the whole activation (PostgreSQL's one trip).
        let spend = |new| text_of::<Sqlite>(&SpendCode::of(new));
        for (a, b) in [
            (spend(&plain), spend(&hostile)),
            (whole(&plain, 3), whole(&hostile, 9)),
        ] {
            assert_eq!(a, b);
            assert!(!a.contains("DROP") && !a.contains("aktivasi") && !a.contains("19456"));
        }
    }

    /// The statement is cached by its type, so its text must not change with its values.
    #[test]
    fn counting_an_attempt_with_the_employee_sends_the_same_text_whatever_its_values() {
        let at = |subject, minutes: i64| {
            CountAttempt::at(
                subject,
                DateTime::from_timestamp(1_706_770_800 + minutes * 60, 0).unwrap(),
            )
        };
        let with_employee = |attempt, nip| {
            text_of::<Pg>(&AttemptThenFind {
                attempt,
                nip,
                employee: Option::<Employee>::as_select(),
            })
        };
        let a = with_employee(
            at("tanda-tangan:199004152019032004", 0),
            "199004152019032004",
        );
        let b = with_employee(
            at("x'); DROP TABLE guess_limits; --", 99),
            "x'); DROP TABLE employees; --",
        );
        assert_eq!(a, b);
        assert!(!a.contains("1990") && !a.contains("DROP"), "{a}");
    }
}
