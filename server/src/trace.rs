//! Request logging: one line per request on stderr (method, path, status, latency) through
//! `tower-http`'s `TraceLayer` and `tracing`. The path is logged as the client sent it, still
//! percent-encoded and never decoded, with every control or non-ASCII character escaped, so a
//! request can neither forge log lines nor smuggle terminal escapes. No query string, client
//! address or header is ever logged.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::TraceLayer;
use tracing::Span;

/// Longest path logged, in characters; the rest is replaced by `…`.
const MAX_LOGGED_PATH: usize = 256;

/// `text` with `\`, `"`, control and non-ASCII characters as `\x..` / `\u{..}` escapes, cut
/// to [`MAX_LOGGED_PATH`] characters.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_LOGGED_PATH + 8));
    for (count, c) in text.chars().enumerate() {
        if count == MAX_LOGGED_PATH {
            out.push('…');
            break;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    out
}

/// Makes the span a request's log line belongs to.
type MakeSpan = fn(&Request<Body>) -> Span;
/// Writes the log line.
type OnResponse = fn(&Response<Body>, Duration, &Span);

/// The request log layer: a span per request holding its method and escaped path, and one
/// `INFO` line when the response starts.
pub type Layer =
    TraceLayer<SharedClassifier<ServerErrorsAsFailures>, MakeSpan, (), OnResponse, (), (), ()>;

fn make_span(request: &Request<Body>) -> Span {
    tracing::info_span!(
        "request",
        method = %escape(request.method().as_str()),
        path = %escape(request.uri().path()),
    )
}

fn on_response(response: &Response<Body>, latency: Duration, _span: &Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = format_args!("{:.3}", latency.as_secs_f64() * 1000.0),
    );
}

/// The request log layer (see [`Layer`]).
pub fn layer() -> Layer {
    TraceLayer::new_for_http()
        .make_span_with(make_span as MakeSpan)
        .on_request(())
        .on_response(on_response as OnResponse)
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}

/// Installs the stderr log writer at `level` (`CANENRICH_LOG`: `off`, `error`, `warn`, `info`
/// (the default) or `debug`).
pub fn init(level: Option<&str>) {
    use tracing_subscriber::filter::LevelFilter;
    let filter = match level.map(str::to_ascii_lowercase).as_deref() {
        Some("off") => LevelFilter::OFF,
        Some("error") => LevelFilter::ERROR,
        Some("warn") => LevelFilter::WARN,
        Some("debug") => LevelFilter::DEBUG,
        _ => LevelFilter::INFO,
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(filter)
        .with_target(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_quotes_and_non_ascii_are_escaped() {
        assert_eq!(escape("/a%20b"), "/a%20b");
        assert_eq!(escape("/a\nINFO forged"), "/a\\x0aINFO forged");
        assert_eq!(escape("\u{1b}[31m"), "\\x1b[31m");
        assert_eq!(escape("\"\\"), "\\\"\\\\");
        assert_eq!(escape("é€"), "\\xe9\\u{20ac}");
        assert_eq!(escape("\u{7f}"), "\\x7f");
    }

    #[test]
    fn long_paths_are_cut() {
        let logged = escape(&"a".repeat(1000));
        assert_eq!(logged.chars().count(), MAX_LOGGED_PATH + 1);
        assert!(logged.ends_with('…'));
    }
}
