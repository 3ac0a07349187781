//! The returning-visit core at its floor: see the header of Cargo.toml.
//!
//! Size rules followed here: no `unwrap`/`expect` (their panic messages pull in `core::fmt`), no
//! `format!`, no `BTreeMap`/serde, no `str` indexing or `str::find` (their panics bring `core::fmt`
//! and Unicode tables), plain loops over bytes, and JS does the JSON parsing.

use std::cell::RefCell;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlDocument, HtmlScriptElement};

#[cfg(feature = "outbox")]
mod outbox;

#[cfg(feature = "outbox-js")]
mod outbox_js;

#[cfg(feature = "bump")]
mod bump;

/// The consent cookie's name.
const COOKIE: &str = "canenrich_consent";
/// The category every record accepts.
const NECESSARY: &str = "necessary";
/// The methods a record may name.
const METHODS: [&str; 5] = ["accept_all", "reject_all", "custom", "gpc", "test"];

struct Category {
    name: String,
    cookies: Vec<String>,
    accepted: bool,
}

#[derive(Default)]
struct State {
    categories: Vec<Category>,
    essential: Vec<String>,
    /// Whether a valid stored choice was found.
    consented: bool,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Reads the stored choice, releases what it accepts and erases what it refuses. Returns whether
/// a valid choice was found (if not, the loader fetches the full widget to ask).
#[wasm_bindgen]
pub fn start(config: JsValue) -> bool {
    let Some(document) = document() else {
        return false;
    };
    let header = document
        .unchecked_ref::<HtmlDocument>()
        .cookie()
        .unwrap_or_default();
    let record = cookie_value(&header, COOKIE).and_then(decode);
    let mut state = State {
        categories: read_categories(&config),
        essential: strings(&get(&config, "essentialCookies")),
        consented: record.is_some(),
    };
    if let Some(accepted) = &record {
        for category in &mut state.categories {
            category.accepted = category.name == NECESSARY || list_has(accepted, &category.name);
        }
        release(&document, &state);
        erase(&document, &header, &state);
    }
    let consented = state.consented;
    STATE.with(|cell| *cell.borrow_mut() = state);
    consented
}

/// Whether the stored choice accepts category `name` (`necessary` always).
#[wasm_bindgen(js_name = acceptedCategory)]
pub fn accepted_category(name: &str) -> bool {
    name == NECESSARY || STATE.with(|cell| cell.borrow().accepts(name))
}

/// Whether a script's `document.cookie` assignment may be kept: essential cookies and our own
/// always, deletions always, otherwise cookies of accepted categories, and unlisted cookies only
/// when every category is accepted.
#[wasm_bindgen(js_name = keepsCookie)]
pub fn keeps_cookie(assignment: &str) -> bool {
    let (pair, attributes) = assignment.split_once(';').unwrap_or((assignment, ""));
    let (name, value) = pair.split_once('=').unwrap_or(("", pair));
    let name = name.trim_ascii();
    if name == COOKIE || (value.trim_ascii().is_empty() && deletes(attributes)) {
        return true;
    }
    STATE.with(|cell| cell.borrow().keeps(name))
}

impl State {
    fn accepts(&self, name: &str) -> bool {
        self.consented
            && self
                .categories
                .iter()
                .any(|category| category.accepted && category.name == name)
    }

    fn keeps(&self, name: &str) -> bool {
        if matches_any(&self.essential, name) {
            return true;
        }
        let owner = self
            .categories
            .iter()
            .find(|category| matches_any(&category.cookies, name));
        match owner {
            Some(category) if category.name == NECESSARY => true,
            Some(category) => self.consented && category.accepted,
            None => self.consented && self.categories.iter().all(|category| category.accepted),
        }
    }
}

// ---- The stored record -------------------------------------------------------------------------

/// The accepted list of a valid v1 record (`v1.<uuid>.<revision>.<timestamp>.<method>.<accepted>.
/// <rejected>.<fnv1a hex8>`), or `None` for anything else.
fn decode(value: &str) -> Option<&str> {
    let (body, sum) = value.rsplit_once('.')?;
    if parse_hex8(sum)? != fnv1a(body) {
        return None;
    }
    let mut fields = body.split('.');
    let mut next = || fields.next();
    let (version, id, revision, timestamp, method, accepted, rejected) =
        (next()?, next()?, next()?, next()?, next()?, next()?, next()?);
    let valid = version == "v1"
        && next().is_none()
        && is_uuid_v4(id)
        && is_number(revision)
        && is_number(timestamp)
        && METHODS.contains(&method)
        && is_name_list(accepted)
        && is_name_list(rejected)
        && list_has(accepted, NECESSARY)
        && !accepted.split(':').any(|name| list_has(rejected, name));
    valid.then_some(accepted)
}

/// FNV-1a, 32 bits.
fn fnv1a(text: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    hash
}

/// Eight lower-case hex digits.
fn parse_hex8(text: &str) -> Option<u32> {
    if text.len() != 8 {
        return None;
    }
    let mut value = 0u32;
    for byte in text.bytes() {
        let digit = match byte {
            b'0'..=b'9' => byte - b'0',
            b'a'..=b'f' => byte - b'a' + 10,
            _ => return None,
        };
        value = value << 4 | u32::from(digit);
    }
    Some(value)
}

fn is_uuid_v4(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            14 => *b == b'4',
            19 => matches!(b, b'8' | b'9' | b'a' | b'b'),
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(b),
        })
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.len() <= 16 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Category names (`[a-z][a-z0-9_-]*`, at most 64) joined by `:`, or empty.
fn is_name_list(list: &str) -> bool {
    list.is_empty()
        || list.split(':').all(|name| {
            let bytes = name.as_bytes();
            bytes.len() <= 64
                && bytes.first().is_some_and(u8::is_ascii_lowercase)
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-'))
        })
}

fn list_has(list: &str, name: &str) -> bool {
    list.split(':').any(|item| item == name)
}

// ---- Cookies -----------------------------------------------------------------------------------

/// The value of cookie `name` in a `document.cookie` header.
fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key.trim_ascii() == name).then(|| value.trim_ascii())
    })
}

/// Whether cookie attributes expire the cookie (`Max-Age=0` or a negative one).
fn deletes(attributes: &str) -> bool {
    attributes.split(';').any(|attribute| {
        let (key, value) = attribute.split_once('=').unwrap_or((attribute, ""));
        key.trim_ascii().eq_ignore_ascii_case("max-age")
            && (value.trim_ascii() == "0" || value.trim_ascii().starts_with('-'))
    })
}

/// Expires every cookie present that a refused category lists and nothing keeps, on `Path=/`
/// for the current host and without a domain.
fn erase(document: &Document, header: &str, state: &State) {
    let html = document.unchecked_ref::<HtmlDocument>();
    let host = web_sys::window()
        .and_then(|window| window.location().hostname().ok())
        .unwrap_or_default();
    for pair in header.split(';') {
        let name = pair.split_once('=').map_or(pair, |(name, _)| name).trim_ascii();
        let refused = state
            .categories
            .iter()
            .any(|category| !category.accepted && matches_any(&category.cookies, name));
        if name.is_empty() || !refused || state.keeps(name) {
            continue;
        }
        let mut expiry = String::with_capacity(name.len() + host.len() + 80);
        expiry.push_str(name);
        expiry.push_str("=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/");
        // Failures show in the next read of `document.cookie`; nothing to do about them here.
        let _ = html.set_cookie(&expiry);
        #[cfg(not(feature = "fmt"))]
        {
            expiry.push_str("; Domain=");
            expiry.push_str(&host);
        }
        #[cfg(feature = "fmt")]
        {
            expiry = format!("{expiry}; Domain={host}");
        }
        let _ = html.set_cookie(&expiry);
    }
}

/// Whether `name` matches any of `patterns`.
fn matches_any(patterns: &[String], name: &str) -> bool {
    patterns.iter().any(|pattern| matches(pattern, name))
}

/// Whether `name` matches `pattern`, where `*` stands for any run of characters (also none).
/// Bytes and `get`, not `str::find` and slicing: those bring panic messages and `core::fmt`.
fn matches(pattern: &str, name: &str) -> bool {
    let (pattern, name) = (pattern.as_bytes(), name.as_bytes());
    let (mut p, mut n) = (0, 0);
    // Where the last `*` was and how much of `name` it has taken so far.
    let mut star = None;
    loop {
        match (pattern.get(p), name.get(n)) {
            (Some(b'*'), _) => {
                star = Some((p, n));
                p += 1;
            }
            (Some(a), Some(b)) if a == b => {
                p += 1;
                n += 1;
            }
            (_, Some(_)) => match star {
                // Let the last `*` take one more byte and retry from just after it.
                Some((at, taken)) => {
                    star = Some((at, taken + 1));
                    p = at + 1;
                    n = taken + 1;
                }
                None => return false,
            },
            (Some(_), None) => return false,
            (None, None) => return true,
        }
    }
}

// ---- Held elements -----------------------------------------------------------------------------

/// Releases every held element of an accepted category: inert scripts become live copies, other
/// elements get their `data-src` as `src`.
fn release(document: &Document, state: &State) {
    let Ok(held) = document.query_selector_all("[data-category]") else {
        return;
    };
    for index in 0..held.length() {
        let Some(element) = held.item(index).and_then(|node| node.dyn_into::<Element>().ok()) else {
            continue;
        };
        let category = element.get_attribute("data-category").unwrap_or_default();
        if !state.accepts(&category) {
            continue;
        }
        if element.tag_name() == "SCRIPT" {
            if element.get_attribute("type").as_deref() == Some("text/plain") {
                // A failed copy leaves the inert script in place, which is the safe side.
                let _ = revive_script(document, &element);
            }
        } else if let Some(src) = element.get_attribute("data-src") {
            let _ = element.set_attribute("src", &src);
            let _ = element.remove_attribute("data-src");
        }
    }
}

/// Replaces an inert script with a live copy: same attributes, `data-type` as its type,
/// `data-src` as its address, and ordered execution unless the original asked for `async`.
fn revive_script(document: &Document, old: &Element) -> Result<(), JsValue> {
    let live: HtmlScriptElement = document.create_element("script")?.unchecked_into();
    let attributes = old.attributes();
    for index in 0..attributes.length() {
        let Some(attribute) = attributes.item(index) else {
            continue;
        };
        let name = attribute.name();
        if !matches!(name.as_str(), "type" | "data-type" | "data-src") {
            live.set_attribute(&name, &attribute.value())?;
        }
    }
    if let Some(kind) = old.get_attribute("data-type") {
        live.set_type(&kind);
    }
    live.set_async(old.has_attribute("async"));
    match old.get_attribute("data-src") {
        Some(src) => live.set_src(&src),
        None => live.set_text_content(old.text_content().as_deref()),
    }
    old.replace_with_with_node_1(&live)
}

// ---- The config --------------------------------------------------------------------------------

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// The strings of a JS array (other items and non-arrays are skipped).
fn strings(value: &JsValue) -> Vec<String> {
    let Some(array) = value.dyn_ref::<Array>() else {
        return Vec::new();
    };
    array.iter().filter_map(|item| item.as_string()).collect()
}

/// `config.categories` as `{name: {cookies: [patterns]}}`.
fn read_categories(config: &JsValue) -> Vec<Category> {
    let categories = get(config, "categories");
    let Some(object) = categories.dyn_ref::<Object>() else {
        return Vec::new();
    };
    Object::keys(object)
        .iter()
        .filter_map(|key| {
            let name = key.as_string()?;
            let cookies = strings(&get(&get(&categories, &name), "cookies"));
            Some(Category {
                name,
                cookies,
                accepted: false,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "07070707-0707-4707-8707-070707070707";

    fn record(body: &str) -> String {
        let mut value = body.to_string();
        value.push('.');
        for shift in (0..8).rev() {
            let nibble = (fnv1a(body) >> (shift * 4)) & 0xf;
            value.push(char::from(b"0123456789abcdef"[nibble as usize]));
        }
        value
    }

    #[test]
    fn a_valid_record_gives_its_accepted_list() {
        let body = ["v1", ID, "3", "1764081000000", "custom", "analytics:necessary", "marketing"];
        let value = record(&body.join("."));
        assert_eq!(decode(&value), Some("analytics:necessary"));
        for cut in 0..value.len() {
            assert_eq!(decode(&value[..cut]), None, "{cut}");
        }
        let edited = value.replace("marketing", "marketinh");
        assert_eq!(decode(&edited), None);
    }

    #[test]
    fn inconsistent_records_are_refused() {
        for body in [
            ["v1", ID, "3", "5", "custom", "analytics", ""],
            ["v1", ID, "3", "5", "custom", "necessary:analytics", "analytics"],
            ["v1", ID, "3", "5", "whim", "necessary", ""],
            ["v2", ID, "3", "5", "custom", "necessary", ""],
            ["v1", "not-a-uuid", "3", "5", "custom", "necessary", ""],
            ["v1", ID, "x", "5", "custom", "necessary", ""],
            ["v1", ID, "3", "5", "custom", "Necessary", ""],
        ] {
            assert_eq!(decode(&record(&body.join("."))), None, "{body:?}");
        }
        assert_eq!(decode(&record(&[ID, "v1"].join("."))), None);
    }

    #[test]
    fn patterns_match_with_wildcards() {
        assert!(matches("_ga", "_ga"));
        assert!(!matches("_ga", "_gat"));
        assert!(matches("_ga*", "_ga_X"));
        assert!(matches("*_id", "mk_id"));
        assert!(matches("a*b*c", "aXbYc"));
        assert!(!matches("a*b*c", "aXcYb"));
        assert!(!matches("ab*ba", "aba"));
        assert!(matches("*", ""));
        assert!(matches("a**b", "ab"));
        assert!(matches("*ab", "aab"));
        assert!(!matches("a*", ""));
        assert!(matches("_ga_*", "_ga_"));
    }

    #[test]
    fn assignments_are_read_like_the_browser() {
        assert_eq!(cookie_value("a=1; canenrich_consent=v1.x ; b=2", COOKIE), Some("v1.x"));
        assert!(deletes("; Max-Age=0; Path=/"));
        assert!(!deletes("; Max-Age=60"));
    }
}
