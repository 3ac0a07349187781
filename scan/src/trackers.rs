//! The built-in table of well-known trackers the suggested config is guessed from: PURE data.
//!
//! Each entry names a service, the category a consent notice usually files it under, the cookie
//! and storage name patterns it writes and the hosts it calls. It is deliberately small: it covers
//! the services most sites embed, and anything it does not know goes under `review`. The README
//! lists it; add an entry here (with a test) rather than guessing in code.

use canenrich_consent::model::pattern;

/// One well-known service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracker {
    /// The service as a site owner knows it.
    pub service: &'static str,
    /// The category it usually belongs to (`analytics` or `marketing`).
    pub category: &'static str,
    /// Cookie name patterns (`*` wildcard) it sets.
    pub cookies: &'static [&'static str],
    /// localStorage / sessionStorage key patterns it writes.
    pub storage: &'static [&'static str],
    /// Registrable domains (or hosts) it sends requests to.
    pub hosts: &'static [&'static str],
}

/// The table, most common first.
pub const TRACKERS: &[Tracker] = &[
    Tracker {
        service: "Google Analytics",
        category: "analytics",
        cookies: &["_ga", "_ga_*", "_gid", "_gat*", "__utm*"],
        storage: &[],
        hosts: &[
            "google-analytics.com",
            "analytics.google.com",
            "googletagmanager.com",
        ],
    },
    Tracker {
        service: "Google Ads",
        category: "marketing",
        cookies: &["_gcl_*", "IDE", "DSID", "test_cookie", "__gads", "__gpi"],
        storage: &[],
        hosts: &[
            "doubleclick.net",
            "googleadservices.com",
            "googlesyndication.com",
        ],
    },
    Tracker {
        service: "Meta Pixel",
        category: "marketing",
        cookies: &["_fbp", "_fbc", "fr"],
        storage: &[],
        hosts: &["facebook.net", "facebook.com"],
    },
    Tracker {
        service: "Hotjar",
        category: "analytics",
        cookies: &[
            "_hjSession*",
            "_hjid",
            "_hjFirstSeen",
            "_hjIncludedInSessionSample*",
            "_hjAbsoluteSessionInProgress",
            "_hjTLDTest",
        ],
        storage: &["_hj*"],
        hosts: &["hotjar.com", "hotjar.io"],
    },
    Tracker {
        service: "Mixpanel",
        category: "analytics",
        cookies: &["mp_*"],
        storage: &["mp_*"],
        hosts: &["mixpanel.com", "mxpnl.com"],
    },
    Tracker {
        service: "PostHog",
        category: "analytics",
        cookies: &["ph_*"],
        storage: &["ph_*"],
        hosts: &["posthog.com"],
    },
    Tracker {
        service: "Microsoft Clarity",
        category: "analytics",
        cookies: &["_clck", "_clsk", "CLID"],
        storage: &[],
        hosts: &["clarity.ms"],
    },
    Tracker {
        service: "Segment",
        category: "analytics",
        cookies: &["ajs_anonymous_id", "ajs_user_id"],
        storage: &["ajs_*"],
        hosts: &["segment.com", "segment.io"],
    },
    Tracker {
        service: "Matomo",
        category: "analytics",
        cookies: &["_pk_id*", "_pk_ses*"],
        storage: &[],
        hosts: &["matomo.cloud"],
    },
    Tracker {
        service: "Microsoft Advertising",
        category: "marketing",
        cookies: &["_uetsid", "_uetvid", "MUID"],
        storage: &["_uet*"],
        hosts: &["bing.com"],
    },
    Tracker {
        service: "LinkedIn Insight",
        category: "marketing",
        cookies: &[
            "li_sugr",
            "bcookie",
            "lidc",
            "UserMatchHistory",
            "AnalyticsSyncHistory",
            "li_fat_id",
        ],
        storage: &[],
        hosts: &["linkedin.com", "licdn.com"],
    },
    Tracker {
        service: "TikTok Pixel",
        category: "marketing",
        cookies: &["_ttp", "_tt_enable_cookie"],
        storage: &["tt_*"],
        hosts: &["tiktok.com"],
    },
    Tracker {
        service: "HubSpot",
        category: "marketing",
        cookies: &["__hstc", "__hssc", "__hssrc", "hubspotutk"],
        storage: &[],
        hosts: &["hs-scripts.com", "hs-analytics.net", "hubspot.com"],
    },
    Tracker {
        service: "YouTube",
        category: "marketing",
        cookies: &["YSC", "VISITOR_INFO1_LIVE", "VISITOR_PRIVACY_METADATA"],
        storage: &["yt-*", "ytidb::*"],
        hosts: &["youtube.com", "youtube-nocookie.com", "ytimg.com"],
    },
];

/// The service that sets the cookie `name`, and its pattern for it.
pub fn by_cookie(name: &str) -> Option<(&'static Tracker, &'static str)> {
    TRACKERS.iter().find_map(|tracker| {
        tracker
            .cookies
            .iter()
            .find(|p| pattern::matches(p, name))
            .map(|p| (tracker, *p))
    })
}

/// The service that writes the storage key `key`, and its pattern for it.
pub fn by_storage(key: &str) -> Option<(&'static Tracker, &'static str)> {
    TRACKERS.iter().find_map(|tracker| {
        tracker
            .storage
            .iter()
            .find(|p| pattern::matches(p, key))
            .map(|p| (tracker, *p))
    })
}

/// The service a request to `host` goes to: `host` is one of its hosts or a subdomain of one.
pub fn by_host(host: &str) -> Option<&'static Tracker> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    TRACKERS.iter().find(|tracker| {
        tracker
            .hosts
            .iter()
            .any(|known| host == *known || host.ends_with(&format!(".{known}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_cookies_are_filed_under_their_usual_category() {
        let (ga, pattern) = by_cookie("_ga_ABC123").expect("GA4 session cookie");
        assert_eq!(
            (ga.service, ga.category, pattern),
            ("Google Analytics", "analytics", "_ga_*")
        );
        assert_eq!(
            by_cookie("_fbp").map(|(t, _)| t.category),
            Some("marketing")
        );
        assert_eq!(
            by_cookie("_hjSessionUser_123").map(|(t, _)| t.service),
            Some("Hotjar")
        );
        assert_eq!(
            by_cookie("ph_phc_x_posthog").map(|(t, _)| t.service),
            Some("PostHog")
        );
        assert_eq!(
            by_storage("mp_abc_mixpanel").map(|(t, _)| t.service),
            Some("Mixpanel")
        );
        assert!(by_cookie("session_id").is_none());
    }

    #[test]
    fn hosts_match_themselves_and_their_subdomains_only() {
        assert_eq!(
            by_host("www.google-analytics.com").map(|t| t.service),
            Some("Google Analytics")
        );
        assert_eq!(
            by_host("connect.facebook.net").map(|t| t.service),
            Some("Meta Pixel")
        );
        assert!(by_host("notfacebook.net").is_none());
        assert!(by_host("cdn.example").is_none());
    }
}
