//! A bare Yew cookie banner: the bench's reference for what Yew alone costs (bytes, start-up).
//! Three buttons that close it; nothing is stored, gated or erased. One inline style pins it to
//! the bottom of the viewport, where the bench looks for a visible banner.

use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[function_component]
fn Banner() -> Html {
    let open = use_state(|| true);
    if !*open {
        return html! {};
    }
    let close = Callback::from(move |_| open.set(false));
    html! {
        <section role="region" aria-label="Cookies" data-testid="banner"
            style="position:fixed;inset:auto 0 0 0;padding:16px;background:#fff;border-top:1px solid #999">
            <h2>{"We use cookies"}</h2>
            <p>{"We use cookies to measure how this site is used and, with your consent, for marketing."}</p>
            <button type="button" onclick={close.clone()}>{"Accept all"}</button>
            <button type="button" onclick={close.clone()}>{"Reject all"}</button>
            <button type="button" onclick={close}>{"Manage preferences"}</button>
        </section>
    }
}

/// Renders the banner into `<div id="yew-floor">` at the end of `<body>`.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let host = document.create_element("div")?;
    host.set_id("yew-floor");
    document.body().ok_or("no body")?.append_child(&host)?;
    yew::Renderer::<Banner>::with_root(host).render();
    Ok(())
}
