//! Who the client is behind a reverse proxy. Without `--trusted-proxy` the TCP peer is the client
//! and every `Forwarded` / `X-Forwarded-*` header is ignored (anyone can send them). With it, a
//! request whose peer is a trusted proxy takes its client from those headers: the rightmost
//! address that is not itself a trusted proxy, since everything left of that point was written
//! by a party we do not trust. The same rule decides whether the request came over https.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

/// An address range such as `10.0.0.0/8`, `fd00::/8` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{text}` is not an IP address or CIDR range such as 10.0.0.0/8");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().map_err(|_| bad())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(digits) => digits
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max && !digits.starts_with('+'))
                .ok_or_else(bad)?,
            None => max,
        };
        Ok(Self {
            network: mask(canonical(network), prefix),
            prefix,
        })
    }
}

impl Cidr {
    /// Whether `address` is in this range.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        address.is_ipv4() == self.network.is_ipv4() && mask(address, self.prefix) == self.network
    }
}

/// `address` with all but its first `prefix` bits cleared.
fn mask(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let kept = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(bits & kept))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let kept = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(bits & kept))
        }
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, as a dual-stack socket reports IPv4 peers)
/// as the IPv4 address it is.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    ranges: Vec<Cidr>,
}

impl TrustedProxies {
    /// Trusts exactly `ranges`.
    pub fn new(ranges: Vec<Cidr>) -> Self {
        Self { ranges }
    }

    /// How many ranges are trusted.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether no proxy is trusted (forwarding headers are ignored).
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.ranges.iter().any(|range| range.contains(address))
    }

    /// The client of a request that reached us from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> Client {
        let peer = canonical(peer);
        let direct = Client {
            address: peer,
            https: false,
        };
        if !self.trusts(peer) {
            return direct;
        }
        let hops = hops(headers);
        if hops.is_empty() {
            return direct;
        }
        // Walk from the nearest hop outwards; `https` follows the hop that reported the client.
        let mut client = direct;
        for hop in hops.iter().rev() {
            let Some(address) = hop.address else {
                // "unknown", an obfuscated name or garbage: nothing further left can be
                // attributed, so the last trusted hop stands for the client.
                break;
            };
            client = Client {
                address: canonical(address),
                https: hop.https,
            };
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

/// One hop of a forwarding chain: the address a proxy saw, and whether that connection was https.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hop {
    address: Option<IpAddr>,
    https: bool,
}

/// The chain from `Forwarded` if present, else `X-Forwarded-For` with `X-Forwarded-Proto`;
/// leftmost first, as proxies append.
fn hops(headers: &HeaderMap) -> Vec<Hop> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|item| item.trim().to_owned())
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .map(|element| {
                let mut hop = Hop {
                    address: None,
                    https: false,
                };
                for pair in element.split(';') {
                    let Some((key, value)) = pair.trim().split_once('=') else {
                        continue;
                    };
                    let value = value.trim().trim_matches('"');
                    if key.trim().eq_ignore_ascii_case("for") {
                        hop.address = node_address(value);
                    } else if key.trim().eq_ignore_ascii_case("proto") {
                        hop.https = value.eq_ignore_ascii_case("https");
                    }
                }
                hop
            })
            .collect();
    }
    let addresses = values("x-forwarded-for");
    let protos = values("x-forwarded-proto");
    let count = addresses.len();
    addresses
        .iter()
        .enumerate()
        .map(|(index, address)| {
            // One proto per hop when the proxies kept them aligned; otherwise only the nearest
            // proxy's (the rightmost) is known, and it applies to every hop.
            let proto = if protos.len() == count {
                protos.get(index)
            } else {
                protos.last()
            };
            Hop {
                address: node_address(address),
                https: proto.is_some_and(|p| p.eq_ignore_ascii_case("https")),
            }
        })
        .collect()
}

/// The IP address in a forwarding node: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711`
/// or a bare `2001:db8::1`.
fn node_address(node: &str) -> Option<IpAddr> {
    if let Ok(address) = node.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    let inside = node.strip_prefix('[')?.split(']').next()?;
    inside.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// The client of one request, as decided by [`TrustedProxies::client`]; middleware puts it in
/// the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// The client's address. Used for rate limits only; never stored or logged.
    pub address: IpAddr,
    /// Whether the client reached the (trusted) proxy over https.
    pub https: bool,
}

impl Client {
    /// The rate-limit bucket: the IPv4 address, or the /64 an IPv6 address is in (one subscriber
    /// or host usually holds a whole /64, so per-address buckets would be free to multiply).
    pub fn bucket(&self) -> IpAddr {
        match self.address {
            IpAddr::V6(_) => mask(self.address, 64),
            v4 => v4,
        }
    }
}

/// Middleware: works out the request's [`Client`] once and stores it in its extensions. Without
/// connection info (in-process tests) the peer is `0.0.0.0`.
pub async fn identify(
    axum::extract::State(state): axum::extract::State<crate::Shared>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let client = state.proxies.client(peer, request.headers());
    request.extensions_mut().insert(client);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn proxies(ranges: &[&str]) -> TrustedProxies {
        TrustedProxies::new(ranges.iter().map(|r| r.parse().expect("range")).collect())
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn without_trusted_proxies_forwarding_headers_are_ignored() {
        let spoofed = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("x-forwarded-proto", "https"),
            ("forwarded", "for=198.51.100.8;proto=https"),
        ]);
        let client = TrustedProxies::default().client(ip("192.0.2.1"), &spoofed);
        assert_eq!(
            client,
            Client {
                address: ip("192.0.2.1"),
                https: false
            }
        );
        // A peer that is not one of the trusted proxies is not believed either.
        let client = proxies(&["10.0.0.0/8"]).client(ip("192.0.2.1"), &spoofed);
        assert_eq!(client.address, ip("192.0.2.1"));
        assert!(!client.https);
    }

    #[test]
    fn the_client_is_the_rightmost_address_that_is_not_a_trusted_proxy() {
        let trusted = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        let chain = headers(&[
            ("x-forwarded-for", "203.0.113.9, 198.51.100.7"),
            ("x-forwarded-for", "10.1.2.3"),
        ]);
        // 203.0.113.9 was written by 198.51.100.7, whom nobody vouches for: it is not believed.
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &chain).address,
            ip("198.51.100.7")
        );
        let all_trusted = headers(&[("x-forwarded-for", "10.0.0.5, 10.0.0.6")]);
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &all_trusted).address,
            ip("10.0.0.5")
        );
        let garbage = headers(&[("x-forwarded-for", "203.0.113.9, unknown, 10.0.0.6")]);
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &garbage).address,
            ip("10.0.0.6")
        );
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &HeaderMap::new()).address,
            ip("127.0.0.1")
        );
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for_and_carries_proto_per_hop() {
        let trusted = proxies(&["127.0.0.1"]);
        let both = headers(&[
            (
                "forwarded",
                "for=\"[2001:db8:cafe::17]:4711\";proto=https, for=192.0.2.60;proto=http",
            ),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &both),
            Client {
                address: ip("192.0.2.60"),
                https: false
            }
        );
        let https = headers(&[("forwarded", "for=192.0.2.60:80;proto=https;by=10.0.0.1")]);
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &https),
            Client {
                address: ip("192.0.2.60"),
                https: true
            }
        );
    }

    #[test]
    fn x_forwarded_proto_is_believed_only_from_a_trusted_proxy() {
        let trusted = proxies(&["127.0.0.1"]);
        let request = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("x-forwarded-proto", "https"),
        ]);
        assert!(trusted.client(ip("127.0.0.1"), &request).https);
        assert!(!trusted.client(ip("127.0.0.2"), &request).https);
        assert!(
            trusted.client(ip("::ffff:127.0.0.1"), &request).https,
            "an IPv4-mapped peer is the IPv4 proxy"
        );
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_slash_64() {
        let one = Client {
            address: ip("2001:db8:1:2:aaaa::1"),
            https: false,
        };
        let same = Client {
            address: ip("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            https: false,
        };
        let other = Client {
            address: ip("2001:db8:1:3::1"),
            https: false,
        };
        assert_eq!(one.bucket(), same.bucket());
        assert_ne!(one.bucket(), other.bucket());
        let v4 = Client {
            address: ip("192.0.2.1"),
            https: false,
        };
        assert_eq!(v4.bucket(), ip("192.0.2.1"));
    }

    #[test]
    fn cidr_ranges_match_by_prefix() {
        let range: Cidr = "10.0.0.0/8".parse().expect("range");
        assert!(range.contains(ip("10.255.0.1")));
        assert!(!range.contains(ip("11.0.0.1")));
        assert!(!range.contains(ip("::1")));
        let v6: Cidr = "fd00::/8".parse().expect("range");
        assert!(v6.contains(ip("fd12::1")));
        assert!(!v6.contains(ip("fe80::1")));
        let any: Cidr = "0.0.0.0/0".parse().expect("range");
        assert!(any.contains(ip("203.0.113.1")));
        for bad in ["10.0.0.0/33", "10.0.0.0/+8", "host", "::/129", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }
}
