//! PURE: the names the widget uses in the site's page, shared with the loader. `cargo xtask dist`
//! writes them into the loader's generated `facts` part, so the two cannot drift (CONTRACT §5).

/// Id of the host element appended to `<body>`, which holds the widget's shadow root.
pub const HOST_ID: &str = "canenrich-consent";

/// Id of the `<script type="application/json">` element holding an inline config.
pub const INLINE_CONFIG_ID: &str = "canenrich-consent-config";
