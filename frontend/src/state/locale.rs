//! What the browser says about how the person writes times: 12- or 24-hour clocks, from the
//! default locale's `Intl.DateTimeFormat` (so "en-US" reads "2:05 PM" and "en-GB" "14:05").
//! Read once; the text layer takes it as a parameter.

use std::sync::OnceLock;

use js_sys::{Array, Intl, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::text::format::HourCycle;

/// The hour cycle of the browser's locale; 24-hour when it cannot tell.
pub(crate) fn hour_cycle() -> HourCycle {
    static CYCLE: OnceLock<HourCycle> = OnceLock::new();
    *CYCLE.get_or_init(|| {
        let options = Object::new();
        let _ = Reflect::set(&options, &"hour".into(), &"numeric".into());
        let resolved = Intl::DateTimeFormat::new(&Array::new(), &options).resolved_options();
        let twelve = Reflect::get(&resolved, &"hour12".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        // Some engines answer only with the cycle's name.
        let cycle = Reflect::get(&resolved, &"hourCycle".into()).unwrap_or(JsValue::UNDEFINED);
        let named_twelve = matches!(cycle.as_string().as_deref(), Some("h11" | "h12"));
        if twelve || named_twelve {
            HourCycle::H12
        } else {
            HourCycle::H24
        }
    })
}
