//! nunchi errors as JS `Error`s with `code` (E_MODEL_FORMAT, E_INPUT, …).

use wasm_bindgen::JsValue;

pub fn to_js(e: nunchi_engine::Error) -> JsValue {
    let err = js_sys::Error::new(e.message());
    let _ = js_sys::Reflect::set(&err, &"code".into(), &e.code().into());
    err.into()
}

pub fn input(message: impl Into<String>) -> JsValue {
    to_js(nunchi_engine::Error::input(message))
}

/// Sets `key` on a plain JS object.
pub fn set(obj: &js_sys::Object, key: &str, value: impl Into<JsValue>) {
    let _ = js_sys::Reflect::set(obj, &key.into(), &value.into());
}
