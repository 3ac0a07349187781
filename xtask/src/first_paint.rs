//! The loader's first paint: the widget's first layer rendered by Yew's server renderer on the
//! host (`canenrich_consent::ui::prerender`), once per built-in language, with and without the
//! Global Privacy Control notice, and the stylesheet rules that markup uses. `cargo xtask dist`
//! writes both into the loader, which paints the banner before the WebAssembly has loaded.

use canenrich_consent::ui::prerender::{self, Painted};

/// Where the loader source holds the first paint (the source runs without it: no paint).
pub const PLACEHOLDER: &str = "/*@first-paint*/ null";

/// Classes the loader sets on the painted markup from the config (`cc-theme-dark`, …), beyond
/// those the markup itself carries.
const CONFIG_CLASS_PREFIXES: [&str; 2] = ["cc-theme-", "cc-position-"];

/// The root the loader paints the markup into (`<div class="cc" lang dir>`, as the widget makes).
const ROOT_CLASS: &str = "cc";

/// `loader` with its placeholder replaced by every pre-rendered first layer and the rules of
/// `css` (the minified widget stylesheet) they need.
pub fn inject(loader: &str, css: &str) -> Result<String, String> {
    if loader.matches(PLACEHOLDER).count() != 1 {
        return Err(format!(
            "the loader must hold `{PLACEHOLDER}` exactly once (where the first paint goes)"
        ));
    }
    let layers = futures::executor::block_on(prerender::first_layers())
        .map_err(|e| format!("pre-rendering the first layer: {e}"))?;
    Ok(loader.replace(PLACEHOLDER, &data(&layers, css)?))
}

/// The loader's `FIRST_PAINT`: `{ css, layers: [{ lang, dir, gpc, digest, theme, position,
/// privacyUrl, html }] }`.
fn data(layers: &[Painted], css: &str) -> Result<String, String> {
    let mut classes: Vec<String> = vec![ROOT_CLASS.to_string()];
    for layer in layers {
        classes.extend(classes_in(&layer.html));
    }
    let entries: Vec<serde_json::Value> = layers
        .iter()
        .map(|layer| {
            serde_json::json!({
                "lang": layer.lang,
                "dir": layer.dir,
                "privacySignal": layer.gpc,
                "digest": layer.digest,
                "theme": layer.theme,
                "position": layer.position,
                "privacyUrl": layer.privacy_url,
                "html": layer.html,
            })
        })
        .collect();
    let data = serde_json::json!({
        "css": first_layer_css(css, &classes),
        "layers": entries,
    });
    serde_json::to_string(&data).map_err(|e| format!("first paint data: {e}"))
}

/// Every class named in a `class="…"` attribute of `html`.
fn classes_in(html: &str) -> Vec<String> {
    html.split(" class=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"'))
        .flat_map(|(value, _)| value.split_whitespace().map(str::to_string))
        .collect()
}

/// The rules of `css` (minified: no comments) that can apply to markup carrying only `classes`
/// (and the theme and position classes): a selector naming any other class is dropped, a rule
/// left without selectors too, and an `@media` block left empty. `@keyframes` stay whole.
fn first_layer_css(css: &str, classes: &[String]) -> String {
    let mut out = String::new();
    for (prelude, body) in blocks(css) {
        let prelude = prelude.trim();
        if prelude.starts_with("@keyframes") {
            out.push_str(&format!("{prelude}{{{body}}}"));
        } else if prelude.starts_with('@') {
            let inner = first_layer_css(body, classes);
            if !inner.is_empty() {
                out.push_str(&format!("{prelude}{{{inner}}}"));
            }
        } else {
            let kept: Vec<&str> = split_top(prelude, ',')
                .into_iter()
                .map(str::trim)
                .filter(|selector| selector_classes(selector).all(|c| is_painted(c, classes)))
                .collect();
            if !kept.is_empty() {
                out.push_str(&format!("{}{{{body}}}", kept.join(",")));
            }
        }
    }
    out
}

fn is_painted(class: &str, classes: &[String]) -> bool {
    classes.iter().any(|c| c == class) || CONFIG_CLASS_PREFIXES.iter().any(|p| class.starts_with(p))
}

/// The top-level `prelude { body }` blocks of `css`, in order.
fn blocks(css: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let mut depth = 0;
        let mut close = None;
        for (i, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else { break };
        found.push((&rest[..open], &rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    found
}

/// `text` split at `separator` outside parentheses and brackets (`:is(.a, .b)` stays whole).
fn split_top(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            c if c == separator && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The classes a selector names (`.cc-banner .cc-text:hover` → `cc-banner`, `cc-text`).
fn selector_classes(selector: &str) -> impl Iterator<Item = &str> {
    selector.split('.').skip(1).map(|rest| {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        &rest[..end]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn only_rules_for_the_painted_markup_stay() {
        let css = ":host{display:block}.cc{color:red}.cc-banner{x:1}.cc-dialog{y:2}\
                   .cc-button:focus-visible,.cc-close:focus-visible{outline:1px}\
                   @media (max-width: 480px){.cc-banner{z:3}.cc-dialog{w:4}}\
                   @media (prefers-color-scheme: dark){.cc-theme-auto{c:d}}\
                   @media print{.cc-service{a:b}}@keyframes cc-enter{from{opacity:0}}\
                   [hidden]{display:none !important}";
        assert_eq!(
            first_layer_css(css, &classes(&["cc", "cc-banner", "cc-button"])),
            ":host{display:block}.cc{color:red}.cc-banner{x:1}.cc-button:focus-visible{outline:1px}\
             @media (max-width: 480px){.cc-banner{z:3}}\
             @media (prefers-color-scheme: dark){.cc-theme-auto{c:d}}\
             @keyframes cc-enter{from{opacity:0}}[hidden]{display:none !important}"
        );
    }

    #[test]
    fn selectors_are_split_only_at_top_level_commas() {
        assert_eq!(
            split_top(".a:is(.b, .c),.d", ','),
            vec![".a:is(.b, .c)", ".d"]
        );
        let named: Vec<&str> = selector_classes(".cc[dir=\"rtl\"] .cc-x:hover").collect();
        assert_eq!(named, vec!["cc", "cc-x"]);
    }

    #[test]
    fn the_classes_of_markup_are_read_from_its_class_attributes() {
        assert_eq!(
            classes_in(r#"<div class="a b"><p class="c" data-class="x">"#),
            classes(&["a", "b", "c"])
        );
    }

    #[test]
    fn the_real_stylesheet_keeps_the_banner_and_drops_the_dialog() {
        let css = crate::dist::minify_css(include_str!("../../styles/widget.css"));
        let painted = futures::executor::block_on(prerender::first_layers()).expect("pre-render");
        let mut names = vec![ROOT_CLASS.to_string()];
        for layer in &painted {
            names.extend(classes_in(&layer.html));
        }
        let first = first_layer_css(&css, &names);
        for kept in [
            ".cc-banner{",
            ".cc-button{",
            ".cc-theme-dark{",
            "@keyframes cc-enter",
            "[data-pressed]",
        ] {
            assert!(first.contains(kept), "{kept} missing");
        }
        for dropped in [".cc-dialog", ".cc-switch", ".cc-reopen", ".cc-embed"] {
            assert!(!first.contains(dropped), "{dropped} kept");
        }
        assert!(
            first.len() < css.len() / 2,
            "{} of {}",
            first.len(),
            css.len()
        );
    }
}
