//! The user's files in the page: the same CSV parser and train/test rule as
//! the CLI and `nunchi eval` (`nunchi_tasks::table`, `nunchi_tasks::split`).

use nunchi_tasks::split::{split_rows as place_rows, SplitRow};
use nunchi_tasks::table::Table;
use wasm_bindgen::prelude::*;

use crate::errors::{input, set, to_js};

/// `{ columns: string[], rows: string[][] }` from a file's text: CSV when
/// `name` ends in `.csv` (the first row is the header), else a row per
/// non-blank line. Fields are trimmed.
#[wasm_bindgen(js_name = readTable)]
pub fn read_table(text: &str, name: &str) -> Result<JsValue, JsValue> {
    let table = Table::read(text, name).map_err(to_js)?;
    let rows: js_sys::Array =
        table.rows.iter().map(|row| row.iter().map(|f| JsValue::from(f.as_str())).collect::<js_sys::Array>()).collect();
    let columns: js_sys::Array = table.columns.iter().map(|c| JsValue::from(c.as_str())).collect();
    let o = js_sys::Object::new();
    set(&o, "columns", columns);
    set(&o, "rows", rows);
    Ok(o.into())
}

/// The project's train/test split of labelled rows: `{ train, test, heldOut }`,
/// `train` and `test` as positions (Uint32Array) into the rows given.
/// `index`: each row's 0-based data row in the file (rows with an empty text
/// left out, their index kept); `labels`: '' for none; `split`: the `split`
/// column's values, or empty when the file has none.
#[wasm_bindgen(js_name = splitRows)]
pub fn split_rows(index: &[u32], labels: Vec<String>, split: Vec<String>) -> Result<JsValue, JsValue> {
    if labels.len() != index.len() || !(split.is_empty() || split.len() == index.len()) {
        return Err(input(format!(
            "splitRows: {} rows, {} labels and {} split values do not line up",
            index.len(),
            labels.len(),
            split.len()
        )));
    }
    let rows: Vec<SplitRow> = index
        .iter()
        .zip(&labels)
        .enumerate()
        .map(|(i, (&index, label))| SplitRow { index: index as usize, label, split: split.get(i).map(String::as_str) })
        .collect();
    let sides = place_rows(&rows).map_err(to_js)?;
    let positions = |p: &[usize]| js_sys::Uint32Array::from(p.iter().map(|&i| i as u32).collect::<Vec<_>>().as_slice());
    let o = js_sys::Object::new();
    set(&o, "train", positions(&sides.train));
    set(&o, "test", positions(&sides.test));
    set(&o, "heldOut", sides.held_out);
    Ok(o.into())
}
