#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod blocker;
pub mod config;
pub mod i18n;
pub mod json;
pub mod model;
pub mod storage;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod boot;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
mod events;
#[cfg(target_arch = "wasm32")]
mod host;
#[cfg(target_arch = "wasm32")]
mod runtime;
#[cfg(all(target_arch = "wasm32", feature = "ui"))]
mod ui;
