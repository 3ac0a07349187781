//! Which site a host belongs to: its registrable domain under the Public Suffix List the widget
//! ships, or the host itself for an IP address, `localhost` or a public suffix. PURE.

use std::sync::OnceLock;

use publicsuffix::{List, Psl};

/// The Public Suffix List the widget ships (`data/public_suffix_list.dat`).
const LIST: &str = include_str!("../../data/public_suffix_list.dat");

fn list() -> &'static Option<List> {
    static LIST_PARSED: OnceLock<Option<List>> = OnceLock::new();
    LIST_PARSED.get_or_init(|| LIST.parse().ok())
}

/// The site of `host`: `www.shop.example.co.uk` → `example.co.uk`; `127.0.0.1` → itself.
pub fn of(host: &str) -> String {
    let host = host
        .trim_end_matches('.')
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let is_ip = host.parse::<std::net::IpAddr>().is_ok();
    if is_ip {
        return host;
    }
    list()
        .as_ref()
        .and_then(|list| list.domain(host.as_bytes()))
        .and_then(|domain| {
            std::str::from_utf8(domain.as_bytes())
                .ok()
                .map(str::to_string)
        })
        .unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains_share_a_site_and_other_names_do_not() {
        assert_eq!(of("www.shop.example.co.uk"), "example.co.uk");
        assert_eq!(of("cdn.example.co.uk"), of("WWW.example.co.uk."));
        assert_ne!(of("shop.example"), of("ads.tracker.test"));
        assert_eq!(of("127.0.0.1"), "127.0.0.1");
        assert_ne!(of("127.0.0.1"), of("localhost"));
        assert_eq!(of("[::1]"), "::1");
    }
}
