//! PURE: the names the widget uses in the site's page, shared with the loader. `cargo xtask dist`
//! writes them into the loader's generated `facts` part, so the two cannot drift (CONTRACT §5).

/// Id of the host element appended to `<body>`, which holds the widget's shadow root.
pub const HOST_ID: &str = "canenrich-consent";

/// Id of the `<script type="application/json">` element holding an inline config.
pub const INLINE_CONFIG_ID: &str = "canenrich-consent-config";

/// The cookie icon of the "Cookie settings" button (a static path, no script or style).
pub const COOKIE_ICON: &str = "M12 2a10 10 0 1 0 10 10 4 4 0 0 1-5-5 4 4 0 0 1-5-5Zm-4.5 9a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Zm3 5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Zm5-1a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3ZM9 6.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Z";
