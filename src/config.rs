//! Configuration from the environment (docs/INTERFACE.md), with defaults that work on a fresh machine,
//! validated once at start.

pub mod pg_link;

use crate::keys::Argon2Params;
use chrono::NaiveDate;
use chrono_tz::Tz;
use ikrar_log::cosignature::WitnessKey;
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};

/// Where the data lives.
#[derive(Clone)]
pub enum DatabaseUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://…`), passed to libpq as given. It may hold a
    /// password, so it is kept as a secret: neither `Debug` nor `Display` shows it.
    Postgres(SecretString),
}

impl DatabaseUrl {
    /// The PostgreSQL URL as libpq needs it, password included; `None` for SQLite.
    pub fn postgres_url(&self) -> Option<&str> {
        match self {
            DatabaseUrl::Sqlite(_) => None,
            DatabaseUrl::Postgres(url) => Some(url.expose_secret()),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

impl std::fmt::Display for DatabaseUrl {
    /// The database as messages may name it: a PostgreSQL password is never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "{}", path.display()),
            DatabaseUrl::Postgres(url) => {
                let url = url.expose_secret();
                let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
                match rest.split_once('@') {
                    Some((user, host)) => match user.split_once(':') {
                        Some((name, _password)) => write!(f, "{scheme}://{name}:***@{host}"),
                        None => write!(f, "{scheme}://{user}@{host}"),
                    },
                    None => write!(f, "{url}"),
                }
            }
        }
    }
}

/// Everything ikrar reads from its environment. Its `Debug` shows no secret: the database
/// password and the audit token are [`SecretString`]s.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    pub bind: String,
    pub origin: String,
    pub log_key_path: PathBuf,
    pub tz: Tz,
    pub public_url: String,
    pub audit_token: Option<SecretString>,
    pub argon2: Argon2Params,
    /// Database connections per app server and the wait for one (`IKRAR_DB_POOL`,
    /// `IKRAR_DB_TIMEOUT` in seconds).
    pub pool: PoolSettings,
    /// At most this many log entries are written in one transaction (`IKRAR_APPEND_BATCH`);
    /// 1 writes every entry in a transaction of its own.
    pub append_batch: usize,
    /// Witnesses asked to cosign each new checkpoint (`IKRAR_WITNESSES`).
    pub witnesses: Vec<WitnessConfig>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`IKRAR_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<IpNet>,
    /// Open connections one client address may hold (`IKRAR_CONNECTIONS_PER_CLIENT`; trusted
    /// proxies are not counted).
    pub connections_per_client: usize,
    /// Where `GET /metrics` (Prometheus) is served (`IKRAR_METRICS_BIND`); nowhere if unset.
    pub metrics_bind: Option<String>,
}

/// A witness the log asks for cosignatures: its key and where its `add-checkpoint` is.
#[derive(Debug, Clone, PartialEq)]
pub struct WitnessConfig {
    /// The verifier key as given (`name+keyid+base64`).
    pub key_text: String,
    pub key: WitnessKey,
    /// The submission prefix: `add-checkpoint` is posted to `{url}/add-checkpoint`.
    pub url: String,
}

/// Reads `IKRAR_WITNESSES`: `VERIFIERKEY URL` pairs separated by commas.
fn parse_witnesses(text: &str) -> Result<Vec<WitnessConfig>, ConfigError> {
    text.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key_text, url) = pair.split_once(char::is_whitespace).ok_or_else(|| {
                invalid("IKRAR_WITNESSES", format!("harus `KUNCI URL`: {pair}"))
            })?;
            let key = WitnessKey::parse(key_text)
                .map_err(|e| invalid("IKRAR_WITNESSES", format!("{e}: {key_text}")))?;
            let url = url.trim().trim_end_matches('/').to_owned();
            if !url.starts_with("http://") || url.contains(char::is_whitespace) {
                return Err(invalid(
                    "IKRAR_WITNESSES",
                    format!("alamat saksi harus diawali http:// (tanda tangan saksi diperiksa, isinya publik): {url}"),
                ));
            }
            Ok(WitnessConfig {
                key_text: key_text.to_owned(),
                key,
                url,
            })
        })
        .collect()
}

/// Connections per client address unless `IKRAR_CONNECTIONS_PER_CLIENT` says otherwise: a hall
/// of phones behind one NAT keeps one or two each.
pub const DEFAULT_CONNECTIONS_PER_CLIENT: usize = 1024;

/// Log entries per transaction unless `IKRAR_APPEND_BATCH` says otherwise.
pub const DEFAULT_APPEND_BATCH: usize = 256;

/// A setting that cannot be used, named with the variable it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: {message}")]
    Invalid { var: &'static str, message: String },
}

fn invalid(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        var,
        message: message.into(),
    }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(env_var)
    }

    /// Reads the configuration through `lookup`, which returns a variable's value if set.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let data_dir = PathBuf::from(lookup("IKRAR_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database = match lookup("DATABASE_URL") {
            Some(url) => parse_database_url(&url)?,
            None => DatabaseUrl::Sqlite(data_dir.join("ikrar.db")),
        };
        let bind = lookup("IKRAR_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let origin = lookup("IKRAR_ORIGIN").unwrap_or_else(|| "ikrar.localhost/log".into());
        if origin.is_empty() || origin.contains(char::is_whitespace) || origin.contains('+') {
            return Err(invalid(
                "IKRAR_ORIGIN",
                "origin tidak boleh kosong, berisi spasi, atau '+'",
            ));
        }
        let log_key_path = lookup("IKRAR_LOG_KEY")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("log-key.pem"));
        let tz_name = lookup("IKRAR_TZ").unwrap_or_else(|| "Asia/Jakarta".into());
        let tz: Tz = tz_name
            .parse()
            .map_err(|_| invalid("IKRAR_TZ", format!("zona waktu tidak dikenal: {tz_name}")))?;
        let public_url = lookup("IKRAR_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(invalid(
                "IKRAR_PUBLIC_URL",
                "harus diawali http:// atau https://",
            ));
        }
        let argon2 = match lookup("IKRAR_ARGON2") {
            Some(text) => text
                .parse::<Argon2Params>()
                .map_err(|e| invalid("IKRAR_ARGON2", e.to_string()))?,
            None => Argon2Params::DEFAULT,
        };
        if !argon2.meets_minimum() && lookup("IKRAR_ALLOW_WEAK_ARGON2").as_deref() != Some("1") {
            return Err(invalid(
                "IKRAR_ARGON2",
                format!(
                    "parameter di bawah minimum {} (hanya untuk pengujian, dengan IKRAR_ALLOW_WEAK_ARGON2=1)",
                    Argon2Params::DEFAULT
                ),
            ));
        }
        let pool = PoolSettings {
            size: number(&lookup, "IKRAR_DB_POOL", 1..=512)?
                .unwrap_or(PoolSettings::default().size as u64) as u32,
            timeout: number(&lookup, "IKRAR_DB_TIMEOUT", 1..=600)?.map_or(
                PoolSettings::default().timeout,
                std::time::Duration::from_secs,
            ),
        };
        let append_batch = number(&lookup, "IKRAR_APPEND_BATCH", 1..=4096)?
            .map_or(DEFAULT_APPEND_BATCH, |n| n as usize);
        let witnesses = match lookup("IKRAR_WITNESSES") {
            Some(text) => parse_witnesses(&text)?,
            None => Vec::new(),
        };
        let trusted_proxies = match lookup("IKRAR_TRUSTED_PROXIES") {
            Some(text) => parse_trusted_proxies(&text)?,
            None => Vec::new(),
        };
        let connections_per_client = number(&lookup, "IKRAR_CONNECTIONS_PER_CLIENT", 8..=65_536)?
            .map_or(DEFAULT_CONNECTIONS_PER_CLIENT, |n| n as usize);
        Ok(Config {
            metrics_bind: lookup("IKRAR_METRICS_BIND"),
            pool,
            trusted_proxies,
            connections_per_client,
            append_batch,
            witnesses,
            data_dir,
            database,
            bind,
            origin,
            log_key_path,
            tz,
            public_url,
            audit_token: lookup("IKRAR_AUDIT_TOKEN").map(SecretString::from),
            argon2,
        })
    }

    /// Listens on `bind` instead; the public URL follows unless it was set explicitly.
    pub fn set_bind(&mut self, bind: String) {
        if self.public_url == format!("http://{}", self.bind) {
            self.public_url = format!("http://{bind}");
        }
        self.bind = bind;
    }

    /// Today's date in the deployment's time zone (NIP rules are about calendar dates).
    pub fn today(&self) -> NaiveDate {
        chrono::Utc::now().with_timezone(&self.tz).date_naive()
    }
}

/// A variable of the process environment; an empty one counts as unset.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A whole number in `range` from the variable `var`, if set.
fn number(
    lookup: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Option<u64>, ConfigError> {
    let Some(text) = lookup(var) else {
        return Ok(None);
    };
    match text.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(Some(n)),
        _ => Err(invalid(
            var,
            format!(
                "harus bilangan bulat {}–{}, bukan {text:?}",
                range.start(),
                range.end()
            ),
        )),
    }
}

/// Addresses or networks (CIDR) separated by commas.
fn parse_trusted_proxies(text: &str) -> Result<Vec<IpNet>, ConfigError> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    invalid(
                        "IKRAR_TRUSTED_PROXIES",
                        format!("bukan alamat IP atau jaringan (CIDR): {entry:?}"),
                    )
                })
        })
        .collect()
}

fn parse_database_url(url: &str) -> Result<DatabaseUrl, ConfigError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(invalid("DATABASE_URL", "sqlite:// memerlukan path berkas"));
        }
        return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DatabaseUrl::Postgres(SecretString::from(url)));
    }
    Err(invalid(
        "DATABASE_URL",
        "harus diawali sqlite:// atau postgres://",
    ))
}

/// How many connections each app server keeps, and how long a request waits for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    pub size: u32,
    pub timeout: std::time::Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            size: 8,
            timeout: std::time::Duration::from_secs(30),
        }
    }
}

/// Reads a settings file (`KEY=VALUE` lines, `#` comments, values optionally quoted: what
/// systemd's `EnvironmentFile=` reads) into the process environment, over what is set there,
/// so that a command run by hand sees the deployment the service sees. The file holds
/// `DATABASE_URL` with its password: one that others may read is refused.
pub fn load_env_file(path: &Path) -> Result<(), ConfigError> {
    let shown = path.display().to_string();
    let unreadable = |why: String| invalid("--env-file", format!("{shown}: {why}"));
    let metadata = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(unreadable(format!(
                "dapat dibaca pengguna lain (mode {mode:o}); jalankan: chmod 600 {shown}"
            )));
        }
    }
    let _ = metadata;
    let pairs = dotenvy::from_path_iter(path).map_err(|e| unreadable(e.to_string()))?;
    for pair in pairs {
        let (key, value) = pair.map_err(|e| unreadable(e.to_string()))?;
        // Run once, before any thread starts (main), so no one reads the environment meanwhile.
        std::env::set_var(key, value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_work_on_a_fresh_machine() {
        let c = config(&[]).unwrap();
        assert!(
            matches!(&c.database, DatabaseUrl::Sqlite(p) if p == &PathBuf::from("./data/ikrar.db"))
        );
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.origin, "ikrar.localhost/log");
        assert_eq!(c.log_key_path, PathBuf::from("./data/log-key.pem"));
        assert_eq!(c.tz, chrono_tz::Asia::Jakarta);
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert_eq!(c.argon2, Argon2Params::DEFAULT);
        assert!(c.audit_token.is_none());
        let mut moved = c.clone();
        moved.set_bind("0.0.0.0:9000".into());
        assert_eq!(moved.public_url, "http://0.0.0.0:9000");
    }

    #[test]
    fn debug_shows_no_secret() {
        let c = config(&[
            ("DATABASE_URL", "postgres://ikrar:rahasia-db@db/ikrar"),
            ("IKRAR_AUDIT_TOKEN", "rahasia-token"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("rahasia"), "{shown}");
        assert!(shown.contains("postgres://ikrar:***@db/ikrar"), "{shown}");
        let token = c.audit_token.as_ref().map(|t| t.expose_secret().to_owned());
        assert_eq!(token.as_deref(), Some("rahasia-token"));
    }

    #[test]
    fn variables_override_and_are_checked() {
        let c = config(&[
            ("IKRAR_DATA_DIR", "/srv/ikrar"),
            ("IKRAR_TZ", "Asia/Makassar"),
            ("IKRAR_PUBLIC_URL", "https://ikrar.example.go.id/"),
        ])
        .unwrap();
        assert!(
            matches!(&c.database, DatabaseUrl::Sqlite(p) if p == &PathBuf::from("/srv/ikrar/ikrar.db"))
        );
        assert_eq!(c.public_url, "https://ikrar.example.go.id");
        assert!(config(&[("IKRAR_TZ", "Mars/Olympus")]).is_err());
        assert!(config(&[("IKRAR_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal")]).is_err());
        assert_eq!(
            config(&[("IKRAR_TRUSTED_PROXIES", " 127.0.0.1 ,10.0.0.0/8,")])
                .unwrap()
                .trusted_proxies,
            ["127.0.0.1/32", "10.0.0.0/8"].map(|n| n.parse::<IpNet>().unwrap())
        );
        assert!(config(&[("DATABASE_URL", "mysql://x")]).is_err());
        assert!(config(&[("DATABASE_URL", "sqlite://")]).is_err());
        assert_eq!(
            config(&[("DATABASE_URL", "postgres://ikrar@db.internal/ikrar")])
                .unwrap()
                .database
                .postgres_url(),
            Some("postgres://ikrar@db.internal/ikrar")
        );
        let secret = DatabaseUrl::Postgres("postgres://ikrar:rahasia@db/ikrar".into());
        assert_eq!(secret.to_string(), "postgres://ikrar:***@db/ikrar");
        assert!(config(&[("IKRAR_ARGON2", "m=1024,t=1,p=1")]).is_err());
        assert!(config(&[
            ("IKRAR_ARGON2", "m=1024,t=1,p=1"),
            ("IKRAR_ALLOW_WEAK_ARGON2", "1")
        ])
        .is_ok());
        assert!(config(&[("IKRAR_ARGON2", "m=65536,t=3,p=1")]).is_ok());
        let pooled = config(&[("IKRAR_DB_POOL", "32"), ("IKRAR_DB_TIMEOUT", "5")]).unwrap();
        assert_eq!(pooled.pool.size, 32);
        assert_eq!(pooled.pool.timeout, std::time::Duration::from_secs(5));
        assert_eq!(config(&[]).unwrap().pool, PoolSettings::default());
        for bad in ["0", "-1", "delapan", "100000"] {
            assert!(config(&[("IKRAR_DB_POOL", bad)]).is_err(), "{bad}");
        }
        assert_eq!(config(&[]).unwrap().append_batch, DEFAULT_APPEND_BATCH);
        assert_eq!(
            config(&[("IKRAR_APPEND_BATCH", "1")]).unwrap().append_batch,
            1
        );
        for bad in ["0", "5000", "banyak"] {
            assert!(config(&[("IKRAR_APPEND_BATCH", bad)]).is_err(), "{bad}");
        }
    }

    #[test]
    fn witnesses_are_key_and_url_pairs() {
        let signer = |seed: u8| {
            let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
            ikrar_log::cosignature::WitnessSigner::new("saksi.test", key)
                .unwrap()
                .verifier_key()
        };
        let (one, two) = (signer(1), signer(2));
        let list = format!("{one} http://10.0.0.5:8090/, {two}  http://saksi.test");
        let witnesses = config(&[("IKRAR_WITNESSES", &list)]).unwrap().witnesses;
        assert_eq!(witnesses.len(), 2);
        assert_eq!(witnesses[0].url, "http://10.0.0.5:8090");
        assert_eq!(witnesses[1].key_text, two);
        assert!(config(&[]).unwrap().witnesses.is_empty());
        for bad in [
            one.clone(),
            format!("{one} ftp://saksi"),
            format!("{one} https://saksi.test"),
            "bukan-kunci http://saksi".to_owned(),
        ] {
            assert!(config(&[("IKRAR_WITNESSES", &bad)]).is_err(), "{bad}");
        }
    }
}
