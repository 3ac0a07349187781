#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod blocker;
pub mod config;
pub mod first_paint;
pub mod i18n;
pub mod json;
pub mod model;
pub mod page;
pub mod storage;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod boot;
#[cfg(target_arch = "wasm32")]
mod delivery;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
mod events;
// On the host only for `prerender`, where the UI names the icon and the bottom room and nothing
// else of it is used.
#[cfg(any(target_arch = "wasm32", feature = "prerender"))]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod host;
#[cfg(target_arch = "wasm32")]
mod runtime;
#[cfg(all(target_arch = "wasm32", feature = "ui"))]
mod ui;
// Public on the host: `cargo xtask dist` renders the first layer with it.
#[cfg(all(not(target_arch = "wasm32"), feature = "prerender"))]
pub mod ui;
