//! The guess limits' rules over time, on the configured backend: five attempts per window of
//! fifteen minutes, then a lock of fifteen minutes; a window or a lock that has ended starts
//! afresh. Times are given, not waited for.

use crate::common::TestApp;
use chrono::{DateTime, Duration, TimeZone, Utc};
use ikrar::db::guess_limits::{self, Attempt, MAX_ATTEMPTS};
use ikrar::db::Conn;

const SUBJECT: &str = "tanda-tangan:199004152019032004";

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 2, 1, 7, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn attempt(conn: &mut Conn, minutes: i64) -> Attempt {
    guess_limits::begin_attempt(conn, SUBJECT, at(minutes)).unwrap()
}

/// Makes `n` attempts at `minutes`, each allowed.
fn allowed(conn: &mut Conn, minutes: i64, n: i32) {
    for i in 0..n {
        assert_eq!(
            attempt(conn, minutes),
            Attempt::Allowed,
            "attempt {i} at {minutes}"
        );
    }
}

#[tokio::test]
async fn five_attempts_per_window_then_a_lock_that_ends() {
    let app = TestApp::spawn().await;
    let mut conn = app.app.db.conn().unwrap();
    let conn = &mut conn;

    allowed(conn, 0, MAX_ATTEMPTS);
    // The sixth in the window locks for fifteen minutes from then.
    assert_eq!(attempt(conn, 3), Attempt::Locked(at(18)));
    // While locked every attempt is refused and the lock does not grow.
    assert_eq!(attempt(conn, 10), Attempt::Locked(at(18)));
    assert_eq!(attempt(conn, 17), Attempt::Locked(at(18)));
    // Once it has ended, a fresh window of five.
    allowed(conn, 18, MAX_ATTEMPTS);
    assert_eq!(attempt(conn, 19), Attempt::Locked(at(34)));
}

#[tokio::test]
async fn a_window_that_ended_starts_again_and_success_forgets() {
    let app = TestApp::spawn().await;
    let mut conn = app.app.db.conn().unwrap();
    let conn = &mut conn;

    allowed(conn, 0, 4);
    // The window began at minute 0; at minute 15 it is over and the count starts again.
    allowed(conn, 15, MAX_ATTEMPTS);
    assert!(matches!(attempt(conn, 16), Attempt::Locked(_)));

    guess_limits::clear(conn, SUBJECT).unwrap();
    allowed(conn, 16, MAX_ATTEMPTS);
}

#[tokio::test]
async fn the_fifth_failure_locks_at_once() {
    let app = TestApp::spawn().await;
    let mut conn = app.app.db.conn().unwrap();
    let conn = &mut conn;

    allowed(conn, 0, MAX_ATTEMPTS - 1);
    guess_limits::record_failure(conn, SUBJECT, at(1)).unwrap();
    assert_eq!(
        attempt(conn, 2),
        Attempt::Allowed,
        "four failures do not lock"
    );
    guess_limits::record_failure(conn, SUBJECT, at(2)).unwrap();
    assert_eq!(attempt(conn, 3), Attempt::Locked(at(17)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_attempts_get_five_through_at_most() {
    let app = TestApp::spawn().await;
    let db = &app.app.db;
    let outcomes: Vec<Attempt> = std::thread::scope(|s| {
        let attempts: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    let mut conn = db.conn().unwrap();
                    (0..3).map(|_| attempt(&mut conn, 0)).collect::<Vec<_>>()
                })
            })
            .collect();
        attempts
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect()
    });
    let through = outcomes.iter().filter(|a| **a == Attempt::Allowed).count();
    assert_eq!(through, MAX_ATTEMPTS as usize, "{outcomes:?}");
}
