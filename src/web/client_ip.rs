//! The address of the client behind the reverse proxies the operator trusts
//! (`IKRAR_TRUSTED_PROXIES`), for the audit trail. Anyone can send `X-Forwarded-For`, so it is
//! read only when the connection itself comes from a trusted proxy, and only as far back as the
//! chain stays trusted: the first hop from the right that is not a trusted proxy is the client,
//! and nothing a client wrote about itself beyond that is taken.

use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The client's address: `peer` (the connection's other end) unless it is a trusted proxy, else
/// the last untrusted hop of `forwarded_for` (the `X-Forwarded-For` values in the order they
/// came). A hop that is no address ends the walk at the last trusted one.
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(&client) {
        return client;
    }
    let hops: Vec<&str> = forwarded_for.iter().flat_map(|v| v.split(',')).collect();
    for hop in hops.into_iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip.to_canonical();
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// An address as proxies write them: `203.0.113.9`, `2001:db8::1`, `[2001:db8::1]`, or with a
/// port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| hop.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn from(peer: &str, forwarded_for: &[&str], trusted: &[&str]) -> IpAddr {
        let trusted: Vec<IpNet> = trusted.iter().map(|net| net.parse().unwrap()).collect();
        client_ip(ip(peer), forwarded_for, &trusted)
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        assert_eq!(
            from("198.51.100.4", &["203.0.113.9"], &[]),
            ip("198.51.100.4")
        );
        assert_eq!(
            from("198.51.100.4", &["203.0.113.9"], &["127.0.0.1/32"]),
            ip("198.51.100.4")
        );
        assert_eq!(
            from("127.0.0.1", &["203.0.113.9"], &["127.0.0.1/32"]),
            ip("203.0.113.9")
        );
        assert_eq!(from("127.0.0.1", &[], &["127.0.0.1/32"]), ip("127.0.0.1"));
    }

    #[test]
    fn a_client_cannot_forge_its_way_past_the_last_untrusted_hop() {
        // The client wrote "192.0.2.1" itself; the proxy appended the address it saw.
        assert_eq!(
            from("10.0.0.2", &["192.0.2.1, 203.0.113.9"], &["10.0.0.0/8"]),
            ip("203.0.113.9")
        );
        // Two trusted proxies in a row, the header split over two lines.
        assert_eq!(
            from(
                "10.0.0.2",
                &["192.0.2.1, 203.0.113.9", "10.0.0.7"],
                &["10.0.0.0/8"]
            ),
            ip("203.0.113.9")
        );
        // A hop that is no address stops the walk at the last trusted one.
        assert_eq!(
            from("10.0.0.2", &["203.0.113.9, bukan-alamat"], &["10.0.0.0/8"]),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn addresses_are_read_as_proxies_write_them() {
        let trusted = &["127.0.0.1/32", "::1/128"];
        assert_eq!(
            from("::ffff:127.0.0.1", &["203.0.113.9:51234"], trusted),
            ip("203.0.113.9")
        );
        assert_eq!(from("::1", &["[2001:db8::5]"], trusted), ip("2001:db8::5"));
        assert_eq!(
            from("::1", &["[2001:db8::5]:443"], trusted),
            ip("2001:db8::5")
        );
    }
}
