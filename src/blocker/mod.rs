//! Holding back gated tags until their category is accepted, and erasing what refused categories
//! left behind. `plan` decides (pure); `dom` applies the decision to the page.

#[cfg(target_arch = "wasm32")]
pub mod dom;
#[cfg(target_arch = "wasm32")]
pub mod embed;
pub mod plan;
