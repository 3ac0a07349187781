//! Which links the crawl follows: same origin, not excluded by robots.txt, not a sign-out link,
//! not a download; and robots.txt itself. PURE.

use url::Url;

/// The token robots.txt groups are matched against.
pub const USER_AGENT_TOKEN: &str = "canenrich-scan";

/// One robots.txt group: its user agents (lower case) and its `(allow, path pattern)` rules.
type Group = (Vec<String>, Vec<(bool, String)>);

/// The `Allow` / `Disallow` rules of robots.txt that apply to this scanner: its own group when
/// one names it, else the `*` group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Robots {
    /// `(allow, path pattern)` in file order.
    rules: Vec<(bool, String)>,
}

impl Robots {
    /// Reads robots.txt. Unknown lines are ignored, as crawlers do.
    pub fn parse(text: &str) -> Robots {
        // Groups: consecutive user-agent lines followed by rules.
        let mut groups: Vec<Group> = Vec::new();
        let mut in_agents = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            let Some((field, value)) = line.split_once(':') else {
                continue;
            };
            let field = field.trim().to_ascii_lowercase();
            let value = value.trim().to_string();
            match field.as_str() {
                "user-agent" => {
                    if !in_agents {
                        groups.push((Vec::new(), Vec::new()));
                    }
                    in_agents = true;
                    if let Some(group) = groups.last_mut() {
                        group.0.push(value.to_ascii_lowercase());
                    }
                }
                "allow" | "disallow" => {
                    in_agents = false;
                    // An empty Disallow allows everything: it adds no rule.
                    if let (Some(group), false) = (groups.last_mut(), value.is_empty()) {
                        group.1.push((field == "allow", value));
                    }
                }
                _ => in_agents = false,
            }
        }
        // RFC 9309: a group names this crawler when one of its user agents is the product token,
        // compared case-insensitively (the values are lower-cased above). Not a substring: a
        // group for `scan` or `c` is somebody else's.
        let own = groups
            .iter()
            .find(|(agents, _)| agents.iter().any(|a| a == USER_AGENT_TOKEN));
        let any = groups
            .iter()
            .find(|(agents, _)| agents.iter().any(|a| a == "*"));
        Robots {
            rules: own
                .or(any)
                .map(|(_, rules)| rules.clone())
                .unwrap_or_default(),
        }
    }

    /// Whether `path` (with its query) may be fetched: the longest matching rule wins, `Allow`
    /// on a tie; no matching rule allows.
    pub fn allows(&self, path: &str) -> bool {
        self.rules
            .iter()
            .filter(|(_, rule)| rule_matches(rule, path))
            .max_by_key(|(allow, rule)| (rule.len(), *allow))
            .is_none_or(|(allow, _)| *allow)
    }
}

/// robots.txt matching: a prefix, `*` for any run of characters, `$` anchoring the end.
fn rule_matches(rule: &str, path: &str) -> bool {
    let (rule, anchored) = match rule.strip_suffix('$') {
        Some(rule) => (rule, true),
        None => (rule, false),
    };
    let parts: Vec<&str> = rule.split('*').collect();
    let Some(rest) = path.strip_prefix(parts[0]) else {
        return false;
    };
    let mut rest = rest;
    for (i, part) in parts.iter().enumerate().skip(1) {
        let last = i == parts.len() - 1;
        if last && anchored {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    !anchored || rest.is_empty()
}

/// Words in a link's address or text that mean following it would end a session or change
/// something.
const SIGN_OUT: &[&str] = &[
    "logout",
    "log-out",
    "log_out",
    "log out",
    "signout",
    "sign-out",
    "sign_out",
    "sign out",
    "logoff",
    "log-off",
    "abmelden",
    "deconnexion",
    "déconnexion",
    "unsubscribe",
    "delete",
];

/// Extensions that are downloads, not pages.
const DOWNLOADS: &[&str] = &[
    ".pdf", ".zip", ".gz", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".mp4", ".mp3",
    ".doc", ".docx", ".xls", ".xlsx", ".csv", ".json", ".xml", ".txt", ".dmg", ".exe",
];

/// Whether a link (its address and its text) looks like signing out or another action.
pub fn is_sign_out(url: &Url, text: &str) -> bool {
    let address = format!("{}?{}", url.path(), url.query().unwrap_or_default()).to_lowercase();
    let text = text.to_lowercase();
    SIGN_OUT
        .iter()
        .any(|word| address.contains(word) || text.contains(word))
}

/// The page `href` leads to, if the crawl should visit it from a page of `origin`: an http(s)
/// link on the same origin, not a download, not a sign-out link, allowed by `robots`. The
/// fragment is dropped so `/a#x` and `/a` are one page.
pub fn follow(origin: &Url, href: &str, text: &str, robots: &Robots) -> Option<Url> {
    let mut url = origin.join(href).ok()?;
    url.set_fragment(None);
    let same_origin = url.origin() == origin.origin();
    let path = url.path().to_ascii_lowercase();
    let download = DOWNLOADS.iter().any(|ext| path.ends_with(ext));
    let robots_path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    (same_origin && !download && !is_sign_out(&url, text) && robots.allows(&robots_path))
        .then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Url {
        Url::parse("http://shop.example/products/").expect("url")
    }

    #[test]
    fn robots_disallow_applies_to_the_star_group_unless_a_group_names_the_scanner() {
        let robots = Robots::parse(
            "User-agent: Googlebot\nDisallow: /\n\nUser-agent: *\nDisallow: /private\nAllow: /private/ok\nDisallow: /*.php$\n",
        );
        assert!(robots.allows("/"));
        assert!(!robots.allows("/private/x"));
        assert!(robots.allows("/private/ok/page"));
        assert!(!robots.allows("/index.php"));
        assert!(robots.allows("/index.php?x=1"));
        let own = Robots::parse(
            "User-agent: *\nDisallow: /\n\nUser-agent: canenrich-scan\nDisallow: /admin\n",
        );
        assert!(own.allows("/shop"));
        assert!(!own.allows("/admin/users"));
        assert!(Robots::parse("User-agent: *\nDisallow:\n").allows("/anything"));
        // Only the product token itself names the scanner, in any case.
        let others = Robots::parse(
            "User-agent: scan\nUser-agent: c\nDisallow: /\n\nUser-agent: *\nDisallow: /cart\n",
        );
        assert!(
            others.allows("/shop"),
            "a group for `scan` or `c` was taken as the scanner's"
        );
        assert!(!others.allows("/cart"));
        let loud = Robots::parse("User-agent: CanEnrich-Scan\nDisallow: /admin\n");
        assert!(!loud.allows("/admin"));
    }

    #[test]
    fn only_same_origin_pages_are_followed() {
        let robots = Robots::parse("User-agent: *\nDisallow: /cart\n");
        let follow =
            |href: &str, text: &str| follow(&origin(), href, text, &robots).map(|u| u.to_string());
        assert_eq!(
            follow("../about#team", "About").as_deref(),
            Some("http://shop.example/about")
        );
        assert_eq!(
            follow("https://shop.example/about", "About"),
            None,
            "another scheme is another origin"
        );
        assert_eq!(follow("http://blog.shop.example/", "Blog"), None);
        assert_eq!(follow("mailto:hi@shop.example", "Mail"), None);
        assert_eq!(follow("/cart/1", "Cart"), None, "robots.txt");
        assert_eq!(follow("/files/terms.pdf", "Terms"), None);
        assert_eq!(follow("/account/logout", "Bye"), None);
        assert_eq!(follow("/session?end=1", "Sign out"), None);
    }
}
