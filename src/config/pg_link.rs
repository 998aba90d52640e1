//! Whether a PostgreSQL URL reaches its server over the network without checking the server's
//! certificate. libpq's default, `sslmode=prefer`, encrypts when the server offers TLS but
//! accepts any certificate, so someone on the path could sit in the middle of the link that
//! carries sealed keys and rosters; `ikrar serve` warns about such a link (SECURITY.md).

/// A link to a server elsewhere whose certificate is not checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnverifiedLink {
    /// The first host the URL names that is not this machine.
    pub host: String,
    /// The `sslmode` in force (the URL's, else `PGSSLMODE`, else libpq's default).
    pub sslmode: String,
}

/// The `sslmode`s under which libpq checks the server's certificate.
const VERIFYING: [&str; 2] = ["verify-ca", "verify-full"];

/// The unverified network link `url` makes, if any. `env` reads libpq's environment
/// (`PGSSLMODE`, `PGHOST`, `PGHOSTADDR`), which applies where the URL is silent. A Unix socket,
/// `localhost` and loopback addresses never leave the machine.
pub fn unverified_network_link(
    url: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Option<UnverifiedLink> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_query = |key: &str| {
        query
            .rsplit('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_owned())
    };
    let setting = |key: &str| in_query(key).or_else(|| env(&format!("PG{}", key.to_uppercase())));
    let sslmode = setting("sslmode").unwrap_or_else(|| "prefer".into());
    if VERIFYING.contains(&sslmode.as_str()) {
        return None;
    }
    let authority = before_query.split('/').next().unwrap_or("");
    let in_url = authority
        .rsplit_once('@')
        .map_or(authority, |(_, hosts)| hosts);
    // What libpq connects to: an address given outright, else the host named in the query, in
    // the URL itself, or in the environment.
    let hosts = setting("hostaddr")
        .or_else(|| in_query("host"))
        .or_else(|| {
            let named: Vec<_> = in_url.split(',').map(without_port).collect();
            Some(named.join(",")).filter(|h| !h.is_empty())
        })
        .or_else(|| env("PGHOST"))
        .unwrap_or_default();
    hosts
        .split(',')
        .find(|host| !is_this_machine(host))
        .map(|host| UnverifiedLink {
            host: host.to_owned(),
            sslmode,
        })
}

/// `host:port` or `[v6]:port` without the port.
fn without_port(host: &str) -> &str {
    match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host.split(':').next().unwrap_or(host),
    }
}

/// A socket directory, `localhost` or a loopback address (or nothing: libpq's default socket).
fn is_this_machine(host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    host.is_empty()
        || host.starts_with('/')
        || host.starts_with("%2f")
        || host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(url: &str) -> Option<(String, String)> {
        unverified_network_link(url, |_| None).map(|l| (l.host, l.sslmode))
    }

    fn remote(host: &str, mode: &str) -> Option<(String, String)> {
        Some((host.to_owned(), mode.to_owned()))
    }

    #[test]
    fn a_remote_server_without_a_checked_certificate_is_named() {
        assert_eq!(
            link("postgres://ikrar:pw@db.internal:5432/ikrar"),
            remote("db.internal", "prefer")
        );
        assert_eq!(
            link("postgresql://ikrar@10.0.0.7/ikrar?sslmode=require"),
            remote("10.0.0.7", "require")
        );
        assert_eq!(
            link("postgres://ikrar@[2001:db8::5]:5432/ikrar"),
            remote("2001:db8::5", "prefer")
        );
        assert_eq!(
            link("postgres://ikrar@localhost:5432,db2.internal:5432/ikrar"),
            remote("db2.internal", "prefer")
        );
        assert_eq!(
            link("postgres://ikrar@/ikrar?host=db.internal&sslmode=disable"),
            remote("db.internal", "disable")
        );
        assert_eq!(
            link("postgres://ikrar@localhost/ikrar?hostaddr=10.0.0.7"),
            remote("10.0.0.7", "prefer")
        );
    }

    #[test]
    fn a_checked_certificate_or_this_machine_is_fine() {
        for url in [
            "postgres://ikrar@db.internal/ikrar?sslmode=verify-full",
            "postgres://ikrar@db.internal/ikrar?sslmode=verify-ca&connect_timeout=5",
            "postgres://postgres@127.0.0.1:5432/postgres",
            "postgres://postgres@localhost/postgres",
            "postgres://postgres@[::1]:5432/postgres",
            "postgres://ikrar@/ikrar?host=/var/run/postgresql",
            "postgres://ikrar@%2Fvar%2Frun%2Fpostgresql/ikrar",
            "postgres:///ikrar",
        ] {
            assert_eq!(link(url), None, "{url}");
        }
    }

    #[test]
    fn libpq_environment_applies_where_the_url_is_silent() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let url = "postgres://ikrar@db.internal/ikrar";
        assert_eq!(
            unverified_network_link(url, env(&[("PGSSLMODE", "verify-full")])),
            None
        );
        assert_eq!(
            unverified_network_link(
                "postgres://ikrar@db.internal/ikrar?sslmode=prefer",
                env(&[("PGSSLMODE", "verify-full")])
            )
            .map(|l| l.sslmode),
            Some("prefer".into())
        );
        assert_eq!(
            unverified_network_link("postgres:///ikrar", env(&[("PGHOST", "db.internal")]))
                .map(|l| l.host),
            Some("db.internal".into())
        );
        assert_eq!(
            unverified_network_link(url, env(&[("PGHOST", "localhost")])).map(|l| l.host),
            Some("db.internal".into())
        );
        assert_eq!(
            unverified_network_link(
                "postgres://ikrar@localhost/ikrar?host=db.internal",
                env(&[])
            )
            .map(|l| l.host),
            Some("db.internal".into())
        );
    }
}
