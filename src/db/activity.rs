//! What happened lately, for the health page: signatures and activations per minute, NIPs
//! locked now. Counting per minute is the database's work (one grouped read per table, on the
//! `signed_at` and `activated_at` indexes), written in each backend's words for time.

use super::schema::guess_limits;
use super::{Conn, DbError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

/// Per minute since `since`: (minutes after `since`, how many).
pub type PerMinute = Vec<(i64, i64)>;

#[derive(QueryableByName)]
struct Minute {
    #[diesel(sql_type = BigInt)]
    minute: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The statement that counts rows of `table` per minute of `column` since a time (bound twice:
/// as Unix seconds and as a timestamp).
fn per_minute_sql(postgres: bool, table: &str, column: &str) -> String {
    let minute = if postgres {
        format!("CAST(FLOOR((EXTRACT(EPOCH FROM {column}) - $1) / 60) AS BIGINT)")
    } else {
        format!("CAST((CAST(strftime('%s', {column}) AS INTEGER) - ?) / 60 AS BIGINT)")
    };
    let since = if postgres { "$2" } else { "?" };
    format!(
        "SELECT {minute} AS minute, COUNT(*) AS n FROM {table} WHERE {column} >= {since} \
         GROUP BY 1 ORDER BY 1"
    )
}

fn per_minute(
    conn: &mut Conn,
    table: &str,
    column: &str,
    since: DateTime<Utc>,
) -> Result<PerMinute, DbError> {
    let (seconds, at) = (since.timestamp(), since.naive_utc());
    let rows: Vec<Minute> = match conn {
        Conn::Sqlite(c) => diesel::sql_query(per_minute_sql(false, table, column))
            .bind::<BigInt, _>(seconds)
            .bind::<Timestamp, _>(at)
            .load(c),
        Conn::Pg(c) => diesel::sql_query(per_minute_sql(true, table, column))
            .bind::<BigInt, _>(seconds)
            .bind::<Timestamp, _>(at)
            .load(c),
    }?;
    Ok(rows.into_iter().map(|m| (m.minute, m.n)).collect())
}

/// Signatures per minute since `since`.
pub fn signatures_per_minute(conn: &mut Conn, since: DateTime<Utc>) -> Result<PerMinute, DbError> {
    per_minute(conn, "signatures", "signed_at", since)
}

/// Activations (keys stored) per minute since `since`.
pub fn activations_per_minute(conn: &mut Conn, since: DateTime<Utc>) -> Result<PerMinute, DbError> {
    per_minute(conn, "employees", "activated_at", since)
}

/// How many guess-limit subjects (NIPs signing or activating, admins signing in) are locked
/// at `now`.
pub fn locked_now(conn: &mut Conn, now: DateTime<Utc>) -> Result<i64, DbError> {
    Ok(guess_limits::table
        .filter(guess_limits::locked_until.gt(now.naive_utc()))
        .count()
        .get_result(conn)?)
}
