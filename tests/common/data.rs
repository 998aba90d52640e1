//! Each test's own data: a temporary directory and, when `IKRAR_TEST_DATABASE_URL` names a
//! PostgreSQL server, a fresh database there, created from a migrated template and dropped when
//! the test ends. Without that variable the database is the default SQLite file in the
//! directory.

use diesel::connection::SimpleConnection;
use diesel::{PgConnection, RunQueryDsl};
use ikrar::config::DatabaseUrl;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The variable that sends the integration tests to PostgreSQL: a URL of a database the tests
/// may connect to in order to create and drop their own (e.g. `postgres://postgres@127.0.0.1/test`).
pub const PG_VARIABLE: &str = "IKRAR_TEST_DATABASE_URL";

/// A test's directory and database.
pub struct DataDir {
    dir: tempfile::TempDir,
    database: Option<TestDatabase>,
}

impl DataDir {
    /// A new, empty directory and (on PostgreSQL) a new, migrated, empty database.
    pub fn new() -> DataDir {
        DataDir {
            dir: tempfile::tempdir().expect("temp dir"),
            database: std::env::var(PG_VARIABLE)
                .ok()
                .filter(|v| !v.is_empty())
                .map(|server| TestDatabase::create(&server)),
        }
    }

    /// A new directory and database made into a deployment with `ikrar migrate` (schema and
    /// log key), as an operator sets one up before importing a roster or making accounts.
    pub fn deployed() -> DataDir {
        let data = DataDir::new();
        let out = super::ikrar_in(&data, &["migrate"]);
        assert!(out.status.success(), "ikrar migrate: {}", super::text(&out));
        data
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `DATABASE_URL` for this test's processes; `None` means the SQLite default.
    pub fn database_url(&self) -> Option<&str> {
        self.database.as_ref().map(|d| d.url.as_str())
    }

    /// The database as the app's configuration names it.
    pub fn database(&self) -> DatabaseUrl {
        match self.database_url() {
            Some(url) => DatabaseUrl::Postgres(url.into()),
            None => DatabaseUrl::Sqlite(self.path().join("ikrar.db")),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.database.is_some()
    }
}

/// A database of its own on the test server, dropped (connections and all) with the value.
struct TestDatabase {
    server: String,
    name: String,
    url: String,
}

impl TestDatabase {
    fn create(server: &str) -> TestDatabase {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let template = template(server);
        let name = format!(
            "ikrar_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        // One statement per call: PostgreSQL runs a multi-statement string as one transaction,
        // and CREATE/DROP DATABASE refuse to run inside one.
        let mut admin = admin(server);
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .and_then(|()| {
                admin.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            })
            .expect("create the test database");
        TestDatabase {
            url: with_database(server, &name),
            server: server.to_owned(),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let dropped = admin(&self.server).batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
        if let Err(e) = dropped {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// A connection to the server's own database, for CREATE and DROP DATABASE.
fn admin(server: &str) -> PgConnection {
    ikrar::db::establish_postgres(server)
        .unwrap_or_else(|e| panic!("{PG_VARIABLE}={server}: cannot connect: {e}"))
}

/// `server` with its database name replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').unwrap_or((server, ""));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    }
}

/// The name of a database migrated to this build's `migrations/postgres`, created once per
/// migration set (under an advisory lock, so test processes running side by side take turns)
/// and then copied for each test: copying is much faster than migrating.
fn template(server: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("ikrar_template_{}", migrations_digest());
        let mut admin = admin(server);
        admin
            .batch_execute("SELECT pg_advisory_lock(7305894101)")
            .expect("template lock");
        let exists: i64 = diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM pg_database WHERE datname = '{name}'"
        ))
        .get_result::<Count>(&mut admin)
        .expect("look for the template")
        .n;
        if exists == 0 {
            let building = format!("{name}_building");
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .and_then(|()| admin.batch_execute(&format!("CREATE DATABASE {building}")))
                .expect("create the template");
            ikrar::db::Db::migrate(&DatabaseUrl::Postgres(
                with_database(server, &building).into(),
            ))
            .expect("migrate the template");
            admin
                .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                .expect("name the template");
        }
        admin
            .batch_execute("SELECT pg_advisory_unlock(7305894101)")
            .expect("template unlock");
        name
    })
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// A short digest of the PostgreSQL migrations, so that a changed migration gets a new template.
fn migrations_digest() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<_> = walk(&root);
    files.sort();
    let mut hash = Sha256::new();
    for file in files {
        hash.update(
            file.strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .as_bytes(),
        );
        hash.update(std::fs::read(&file).expect("read migration"));
    }
    hex::encode(&hash.finalize()[..6])
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("migrations dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
