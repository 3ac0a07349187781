//! What to release and what to erase, decided from the consent and the config alone. Pure: the
//! DOM adapter hands in attribute values, cookie names and storage keys, and applies the result.

use crate::config::Config;
use crate::model::{pattern, Consent, NECESSARY};
use crate::storage::outbox;

/// The condition in a `data-category` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// `data-category="analytics"`: runs once the category is accepted.
    Accepted(String),
    /// `data-category="!marketing"`: runs only once a choice refused the category.
    Refused(String),
}

impl Gate {
    /// Reads a `data-category` value. Anything unreadable is `None` and never released.
    pub fn parse(attribute: &str) -> Option<Gate> {
        let value = attribute.trim();
        let (negated, name) = match value.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, value),
        };
        if !crate::model::codec::is_category_name(name) {
            return None;
        }
        let name = name.to_string();
        Some(if negated {
            Gate::Refused(name)
        } else {
            Gate::Accepted(name)
        })
    }

    /// Whether an element behind this gate may run now. `necessary` is open before any choice;
    /// everything else waits for one.
    pub fn is_open(&self, consent: Option<&Consent>) -> bool {
        self.is_open_for(consent, None)
    }

    /// Like [`Gate::is_open`] for an element of `service` (its `data-service`): a service the
    /// visitor switched off stays closed even though its category is accepted.
    pub fn is_open_for(&self, consent: Option<&Consent>, service: Option<&str>) -> bool {
        match (self, consent) {
            (Gate::Accepted(name), _) if name == NECESSARY => true,
            (Gate::Accepted(name), Some(consent)) => consent.accepts_service(name, service),
            (Gate::Refused(name), Some(consent)) => !consent.accepts(name),
            (_, None) => false,
        }
    }
}

/// Cookies and storage keys to remove now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erasure {
    /// Cookie names present on the page that belong to a refused category.
    pub cookies: Vec<String>,
    /// localStorage / sessionStorage keys that belong to a refused category.
    pub storage: Vec<String>,
}

impl Erasure {
    /// Whether there is nothing to erase.
    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty() && self.storage.is_empty()
    }
}

/// What to erase given the present `cookies` and `storage` keys: everything matching a category
/// that is refused (before any choice, every category but `necessary` counts as refused), never an
/// essential cookie nor the widget's own receipt outbox.
pub fn erasure(
    config: &Config,
    consent: Option<&Consent>,
    cookies: &[String],
    storage: &[String],
) -> Erasure {
    let refused: Vec<_> = config
        .categories
        .iter()
        .filter(|c| !c.is_necessary() && !consent.is_some_and(|k| k.accepts(&c.name)))
        .collect();
    let cookies = cookies
        .iter()
        .filter(|name| !pattern::matches_any(&config.essential_cookies, name))
        .filter(|name| {
            refused
                .iter()
                .any(|c| pattern::matches_any(&c.cookies, name))
        })
        .cloned()
        .collect();
    let storage = storage
        .iter()
        .filter(|key| !outbox::is_key(key))
        .filter(|key| {
            refused
                .iter()
                .any(|c| pattern::matches_any(&c.storage, key))
        })
        .cloned()
        .collect();
    Erasure { cookies, storage }
}

/// Cookies and storage keys present before any choice that are neither essential, the widget's
/// own, nor listed by any category: something on the page set them without asking (debug mode
/// reports them as pre-consent leaks).
pub fn leaks(config: &Config, cookies: &[String], storage: &[String]) -> Erasure {
    let listed = |name: &str, patterns: fn(&crate::config::Category) -> &Vec<String>| {
        config
            .categories
            .iter()
            .any(|c| pattern::matches_any(patterns(c), name))
    };
    Erasure {
        cookies: cookies
            .iter()
            .filter(|name| {
                !name.starts_with(OWN_COOKIE_PREFIX)
                    && !pattern::matches_any(&config.essential_cookies, name)
                    && !listed(name, |c| &c.cookies)
            })
            .cloned()
            .collect(),
        storage: storage
            .iter()
            .filter(|key| !outbox::is_key(key) && !listed(key, |c| &c.storage))
            .cloned()
            .collect(),
    }
}

/// Whether a request the page made before any choice is worth reporting as a possible leak: a
/// script, image, frame, beacon or XHR/fetch that is not the widget's own file. Stylesheets and
/// fonts are left out: they rarely track and would drown the report.
pub fn is_reportable_request(initiator: &str, url: &str) -> bool {
    let own = ["canenrich-consent", "canenrich_consent"]
        .iter()
        .any(|name| url.contains(name));
    !own && matches!(
        initiator,
        "script" | "img" | "image" | "iframe" | "beacon" | "fetch" | "xmlhttprequest" | "other"
    )
}

/// Address attributes of a held element, each with the attribute it is moved into when the
/// element is released. The loader holds inserted elements by the reverse move.
pub const DEFERRED: [(&str, &str); 3] = [
    ("data-src", "src"),
    ("data-srcset", "srcset"),
    ("data-href", "href"),
];

/// Cookies the widget itself writes; they are never blocked or erased.
pub const OWN_COOKIE_PREFIX: &str = "canenrich_";

/// Whether a script may keep the cookie `name` it writes through `document.cookie`: essential
/// cookies (`essentialCookies` and the `necessary` category's patterns) and the widget's own
/// always; before a choice nothing else; after one, cookies of accepted categories, and cookies no
/// category lists only when every category is accepted.
pub fn keeps_cookie(config: &Config, consent: Option<&Consent>, name: &str) -> bool {
    let necessary = config
        .categories
        .iter()
        .any(|c| c.is_necessary() && pattern::matches_any(&c.cookies, name));
    if necessary
        || name.starts_with(OWN_COOKIE_PREFIX)
        || pattern::matches_any(&config.essential_cookies, name)
    {
        return true;
    }
    let Some(consent) = consent else {
        return false;
    };
    let owner = config
        .categories
        .iter()
        .find(|c| pattern::matches_any(&c.cookies, name));
    match owner {
        Some(category) => consent.accepts(&category.name),
        None => config.category_names().all(|c| consent.accepts(c)),
    }
}

/// The cookie name and whether the write deletes it, from a `document.cookie` assignment such as
/// `name=value; Max-Age=0; Path=/`. Deleting is always allowed: it can only remove data.
pub fn parse_assignment(assignment: &str) -> (&str, bool) {
    let mut parts = assignment.split(';');
    let first = parts.next().unwrap_or_default();
    let name = first.split_once('=').map_or(first, |(n, _)| n).trim();
    let deletes = parts.any(|attribute| {
        let (key, value) = attribute.split_once('=').unwrap_or((attribute, ""));
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
        (key == "max-age" && value.parse::<i64>().is_ok_and(|age| age <= 0))
            || (key == "expires" && value.contains("1970"))
    });
    (name, deletes)
}

/// Whether erasing on `host` depends on the Public Suffix List: a name with three labels or more
/// (`www.example.co.uk`), where a parent may be a registrable domain (`example.co.uk`) or a public
/// suffix (`co.uk`). IP addresses, `localhost` and two-label names have no parent to decide on.
pub fn needs_suffix_list(host: &str) -> bool {
    !is_ip_address(host) && host.split('.').count() >= 3
}

/// Whether `host`, as `location.hostname` gives it, is an IP address: IPv6 (`[::1]`, with
/// colons) or IPv4, which the URL parser always writes as dotted decimal numbers.
fn is_ip_address(host: &str) -> bool {
    host.contains(':')
        || host
            .split('.')
            .all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit()))
}

/// The registrable domain of `host` (`www.shop.example.co.uk` → `example.co.uk`) according to
/// `list`, the text of the Public Suffix List; `None` when `host` is itself a public suffix.
///
/// # Errors
///
/// The list cannot be read.
pub fn registrable_domain(list: &str, host: &str) -> Result<Option<String>, String> {
    use publicsuffix::Psl;
    let list: publicsuffix::List = list
        .parse()
        .map_err(|err| format!("the Public Suffix List is invalid: {err}"))?;
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    Ok(list
        .domain(host.as_bytes())
        .and_then(|domain| std::str::from_utf8(domain.as_bytes()).ok())
        .map(str::to_string))
}

/// Domains a cookie visible on `host` may have been set for: no `Domain` attribute (`None`), the
/// host itself and each parent up to `registrable`, its registrable domain. While that is not
/// known (the list has not loaded, or could not), every parent with at least two labels: erasing
/// for a public suffix is harmless, the browser ignores it.
pub fn cookie_domains(host: &str, registrable: Option<&str>) -> Vec<Option<String>> {
    let mut domains = vec![None];
    if is_ip_address(host) || !host.contains('.') {
        return domains;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let bound = registrable
        .filter(|domain| host == *domain || host.ends_with(&format!(".{domain}")))
        .map_or(2, |domain| domain.split('.').count());
    for start in 0..=labels.len().saturating_sub(bound) {
        domains.push(Some(labels[start..].join(".")));
    }
    domains
}

/// Paths a cookie visible on `pathname` may have been set for: `/` and every prefix of it.
pub fn cookie_paths(pathname: &str) -> Vec<String> {
    let mut paths = vec!["/".to_string()];
    let mut prefix = String::new();
    for segment in pathname.split('/').filter(|s| !s.is_empty()) {
        prefix.push('/');
        prefix.push_str(segment);
        paths.push(prefix.clone());
        paths.push(format!("{prefix}/"));
    }
    paths
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::Method;

    fn consent(accepted: &[&str]) -> Consent {
        let config = Config::builtin();
        Consent::new(
            crate::model::uuid::v4([3; 16]),
            1,
            1,
            config.category_names(),
            &accepted
                .iter()
                .map(|s| s.to_string())
                .collect::<BTreeSet<_>>(),
            Method::Custom,
        )
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn nothing_optional_runs_before_a_choice() {
        let gate = Gate::parse("analytics").expect("valid");
        assert!(!gate.is_open(None));
        assert!(!Gate::parse("!marketing").expect("valid").is_open(None));
        assert!(Gate::parse("necessary").expect("valid").is_open(None));
    }

    #[test]
    fn an_accepted_category_opens_its_gate_and_a_refused_one_opens_the_negated_gate() {
        let choice = consent(&["analytics"]);
        assert!(Gate::parse("analytics")
            .expect("valid")
            .is_open(Some(&choice)));
        assert!(!Gate::parse("marketing")
            .expect("valid")
            .is_open(Some(&choice)));
        assert!(Gate::parse(" !marketing ")
            .expect("valid")
            .is_open(Some(&choice)));
        assert!(!Gate::parse("!analytics")
            .expect("valid")
            .is_open(Some(&choice)));
    }

    #[test]
    fn a_switched_off_service_keeps_its_tags_closed() {
        let choice = consent(&["marketing"])
            .with_refused_services(BTreeSet::from(["partner-ads".to_string()]));
        let gate = Gate::parse("marketing").expect("valid");
        assert!(!gate.is_open_for(Some(&choice), Some("Partner Ads")));
        assert!(gate.is_open_for(Some(&choice), Some("CanEnrich Video")));
        assert!(gate.is_open_for(Some(&choice), None));
    }

    #[test]
    fn unreadable_gates_never_open() {
        for value in ["", "!", "Analytics", "analytics marketing", "a,b"] {
            assert_eq!(Gate::parse(value), None, "{value:?}");
        }
    }

    #[test]
    fn before_a_choice_every_optional_cookie_is_erased_but_never_an_essential_one() {
        let plan = erasure(
            &Config::builtin(),
            None,
            &names(&[
                "_ga",
                "_ga_DEMO",
                "mk_id",
                "canenrich_session",
                "canenrich_consent",
                "other",
            ]),
            &names(&["_ga_store", "mk_session", "cart"]),
        );
        assert_eq!(plan.cookies, names(&["_ga", "_ga_DEMO", "mk_id"]));
        assert_eq!(plan.storage, names(&["_ga_store", "mk_session"]));
    }

    #[test]
    fn only_refused_categories_are_erased() {
        let plan = erasure(
            &Config::builtin(),
            Some(&consent(&["analytics"])),
            &names(&["_ga", "mk_id"]),
            &names(&["_ga_store", "mk_session"]),
        );
        assert_eq!(plan.cookies, names(&["mk_id"]));
        assert_eq!(plan.storage, names(&["mk_session"]));
        assert!(erasure(
            &Config::builtin(),
            Some(&consent(&["analytics", "marketing"])),
            &names(&["_ga", "mk_id"]),
            &[]
        )
        .is_empty());
    }

    #[test]
    fn the_receipt_outbox_is_never_erased_nor_reported_as_a_leak() {
        let file = crate::config::ConfigFile::parse(
            r#"{"categories":{"analytics":{"storage":["*"]}}}"#,
            "test",
        )
        .expect("valid");
        let config = Config::resolve(&[("test", file)]).expect("valid");
        let keys = names(&["canenrich_outbox.0b5e", "_ga_store"]);
        assert_eq!(
            erasure(&config, None, &[], &keys).storage,
            names(&["_ga_store"])
        );
        assert_eq!(
            leaks(&Config::builtin(), &[], &keys).storage,
            names(&[]),
            "the outbox is the widget's own; _ga_store is listed by analytics"
        );
    }

    #[test]
    fn before_a_choice_scripts_keep_only_essential_and_own_cookies() {
        let config = Config::builtin();
        for name in [
            "canenrich_session",
            "csrf_token",
            "canenrich_consent",
            "canenrich_probe",
        ] {
            assert!(keeps_cookie(&config, None, name), "{name}");
        }
        for name in ["_ga", "mk_id", "theme", "unlisted"] {
            assert!(!keeps_cookie(&config, None, name), "{name}");
        }
    }

    #[test]
    fn cookies_of_the_necessary_category_are_kept_like_essential_ones() {
        let file = crate::config::ConfigFile::parse(
            r#"{"categories":{"necessary":{"cookies":["mysess*"]}}}"#,
            "test",
        )
        .expect("valid");
        let config = Config::resolve(&[("test", file)]).expect("valid");
        let refused = consent(&[]);
        for consent in [None, Some(&refused)] {
            assert!(keeps_cookie(&config, consent, "mysess_1"), "{consent:?}");
            assert!(!keeps_cookie(&config, consent, "other"), "{consent:?}");
        }
        assert!(erasure(&config, None, &names(&["mysess_1"]), &[]).is_empty());
    }

    #[test]
    fn after_a_choice_scripts_keep_cookies_of_accepted_categories_only() {
        let config = Config::builtin();
        let some = consent(&["analytics"]);
        assert!(keeps_cookie(&config, Some(&some), "_ga_DEMO"));
        assert!(!keeps_cookie(&config, Some(&some), "mk_id"));
        assert!(
            !keeps_cookie(&config, Some(&some), "unlisted"),
            "unlisted needs everything accepted"
        );
        let all = consent(&["analytics", "marketing", "personalization"]);
        assert!(keeps_cookie(&config, Some(&all), "unlisted"));
        assert!(keeps_cookie(&config, Some(&all), "mk_id"));
    }

    #[test]
    fn tracker_like_requests_are_reported_but_not_the_widget_or_stylesheets() {
        assert!(is_reportable_request("script", "https://t.example/a.js"));
        assert!(is_reportable_request("img", "/pixel.gif?x=1"));
        assert!(!is_reportable_request(
            "script",
            "/consent/canenrich_consent_core.js"
        ));
        assert!(!is_reportable_request("link", "/site.css"));
        assert!(!is_reportable_request("css", "/font.woff2"));
    }

    #[test]
    fn unlisted_non_essential_data_is_a_leak() {
        let found = leaks(
            &Config::builtin(),
            &names(&["_ga", "canenrich_session", "canenrich_consent", "tracker_x"]),
            &names(&["_ga_store", "cart"]),
        );
        assert_eq!(found.cookies, names(&["tracker_x"]));
        assert_eq!(found.storage, names(&["cart"]));
    }

    #[test]
    fn cookie_assignments_are_read_for_their_name_and_whether_they_delete() {
        assert_eq!(
            parse_assignment("_ga=GA1.1; path=/; max-age=31536000"),
            ("_ga", false)
        );
        assert_eq!(
            parse_assignment(" mk_id = ; Max-Age=0; Path=/"),
            ("mk_id", true)
        );
        assert_eq!(
            parse_assignment("x=; expires=Thu, 01 Jan 1970 00:00:00 GMT"),
            ("x", true)
        );
        assert_eq!(parse_assignment("x=1; max-age=-5"), ("x", true));
        assert_eq!(parse_assignment("flag"), ("flag", false));
        assert_eq!(parse_assignment(""), ("", false));
    }

    /// The Public Suffix List the widget ships (`dist/public_suffix_list.dat` is made from it).
    const LIST: &str = include_str!("../../data/public_suffix_list.dat");

    fn some(names: &[&str]) -> Vec<Option<String>> {
        std::iter::once(None)
            .chain(names.iter().map(|n| Some(n.to_string())))
            .collect()
    }

    #[test]
    fn erasing_stops_at_the_registrable_domain() {
        let host = "www.shop.example.co.uk";
        let registrable = registrable_domain(LIST, host).expect("list");
        assert_eq!(registrable.as_deref(), Some("example.co.uk"));
        assert_eq!(
            cookie_domains(host, registrable.as_deref()),
            some(&[
                "www.shop.example.co.uk",
                "shop.example.co.uk",
                "example.co.uk"
            ])
        );
    }

    #[test]
    fn private_suffixes_count_as_public() {
        // github.io is in the list's private section: alice.github.io is a site of its own.
        let registrable = registrable_domain(LIST, "www.alice.github.io").expect("list");
        assert_eq!(registrable.as_deref(), Some("alice.github.io"));
        assert_eq!(
            cookie_domains("www.alice.github.io", registrable.as_deref()),
            some(&["www.alice.github.io", "alice.github.io"])
        );
        // A wildcard rule (*.compute.amazonaws.com style) and a host that is a suffix itself.
        assert_eq!(
            registrable_domain(LIST, "a.b.kawasaki.jp").expect("list"),
            Some("a.b.kawasaki.jp".to_string())
        );
        assert_eq!(registrable_domain(LIST, "github.io").expect("list"), None);
        // An exception rule (!city.kawasaki.jp) makes the name registrable again.
        assert_eq!(
            registrable_domain(LIST, "www.city.kawasaki.jp").expect("list"),
            Some("city.kawasaki.jp".to_string())
        );
    }

    #[test]
    fn names_the_list_does_not_know_fall_back_to_the_last_label() {
        assert_eq!(
            registrable_domain(LIST, "www.shop.canenrich.test").expect("list"),
            Some("canenrich.test".to_string())
        );
        assert_eq!(
            registrable_domain(LIST, "WWW.Example.COM.").expect("list"),
            Some("example.com".to_string())
        );
        assert!(registrable_domain("not a list", "example.com").is_err());
    }

    #[test]
    fn without_the_list_every_parent_is_tried() {
        assert_eq!(
            cookie_domains("www.shop.example.co.uk", None),
            some(&[
                "www.shop.example.co.uk",
                "shop.example.co.uk",
                "example.co.uk",
                "co.uk"
            ])
        );
        // A registrable domain that does not contain the host is ignored.
        assert_eq!(
            cookie_domains("a.example.com", Some("other.org")),
            some(&["a.example.com", "example.com"])
        );
        assert_eq!(cookie_domains("example.com", None), some(&["example.com"]));
        assert_eq!(cookie_domains("127.0.0.1", None), [None]);
        assert_eq!(cookie_domains("localhost", None), [None]);
        assert!(needs_suffix_list("www.example.com"));
        assert!(!needs_suffix_list("example.com"));
        assert!(!needs_suffix_list("127.0.0.1"));
        assert!(!needs_suffix_list("::1"));
        assert!(!needs_suffix_list("[2001:db8::1]"));
        assert!(!needs_suffix_list("192.168.10.1"));
        assert!(needs_suffix_list("1.example.com"));
        assert_eq!(cookie_domains("[::1]", None), [None]);
    }

    #[test]
    fn cookies_are_erased_on_every_path_prefix() {
        assert_eq!(cookie_paths("/"), ["/"]);
        assert_eq!(
            cookie_paths("/shop/item"),
            ["/", "/shop", "/shop/", "/shop/item", "/shop/item/"]
        );
    }
}
