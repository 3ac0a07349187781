//! The lean core of CanEnrich Consent: what a returning visitor with a valid stored choice runs
//! on every page view, instead of the full widget.
//!
//! The loader picks it once, and only when it can do all of the visit's work: the stored record
//! is valid (the loader decoded it and hands it in), the full build has left the *core settings*
//! for exactly the config sources of this page (`canenrich_consent::core_settings`), no receipt
//! waits in the outbox, and Global Privacy Control does not refuse what the record accepts.
//! Then it releases the held tags the choice allows (scripts in order, frames, images), draws
//! placeholders in refused frames and the "Cookie settings" button, tells Google Consent Mode,
//! announces the choice, and answers the loader's guards.
//!
//! Anything more hands over to the full build through the loader's `upgrade`: a banner or the
//! preferences to show, an API call that records a choice, cookies or storage of a refused
//! category to erase, a choice another tab stored, or inline config that no longer matches the
//! settings. The core never writes a cookie and never decides what the full build decides.
//!
//! Size is the design constraint (`budgets.toml`): no config parsing, no serde, no collections
//! beyond `Vec`, and the rules themselves come from the widget crate's pure modules.

#![warn(missing_docs)]

pub mod choice;
#[cfg(target_arch = "wasm32")]
mod embed;
#[cfg(target_arch = "wasm32")]
mod exports;
#[cfg(target_arch = "wasm32")]
mod page;
pub mod settings;
