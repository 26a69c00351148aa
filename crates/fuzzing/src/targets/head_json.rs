use nunchi_tasks::{Classifier, Rows};

use crate::input;

/// A saved few-shot head (`Classifier::from_json`), the path of
/// `nunchi classify --head` and the package's `loadClassifier`. A head that
/// reads must predict on vectors of its dimension and save to JSON that
/// reads again.
pub fn head_json(data: &[u8]) {
    let Ok(head) = Classifier::from_json(&input::text(data)) else { return };
    // Each weight takes at least a byte of JSON: a larger dimension was not in the file.
    assert!(head.dim <= data.len(), "a head of dimension {} read from {} bytes", head.dim, data.len());
    let x: Vec<f32> = (0..3 * head.dim).map(|i| ((i * 7) % 11) as f32 - 5.0).collect();
    let Ok(rows) = Rows::new(&x, head.dim) else { return };
    if let Ok(p) = head.predict(rows) {
        assert_eq!(p.best.len(), 3);
        assert!(p.best.iter().all(|&b| b < head.labels.len()));
    }
    let _ = head.evaluate(rows, &[0, 1, 0]);
    let saved = head.to_json();
    if let Err(e) = Classifier::from_json(&saved) {
        panic!("a head that read does not read back after saving: {e}\n{saved}");
    }
}
