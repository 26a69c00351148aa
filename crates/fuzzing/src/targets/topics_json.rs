use nunchi_tasks::topics::DEFAULT_RADIUS_SCALE;
use nunchi_tasks::{Rows, TopicModel};

use crate::input;

/// A saved topic model (`TopicModel::from_json`), the path of
/// `nunchi assign --topics` and the package's `loadTopics`: placing new
/// vectors, naming and merging topics, and saving again.
pub fn topics_json(data: &[u8]) {
    let Ok(mut model) = TopicModel::from_json(&input::text(data)) else { return };
    assert!(model.dim <= data.len(), "topics of dimension {} read from {} bytes", model.dim, data.len());
    let x: Vec<f32> = (0..3 * model.dim).map(|i| ((i * 5) % 7) as f32 - 3.0).collect();
    if let Ok(rows) = Rows::new(&x, model.dim) {
        if let Ok(placed) = model.assign(rows, DEFAULT_RADIUS_SCALE) {
            assert_eq!(placed.len(), 3);
            assert!(placed.iter().all(|p| p.topic.is_none_or(|t| t < model.topics.len())));
        }
    }
    let _ = model.check_encoder(&model.model.clone(), model.dim);
    model.topics.iter().for_each(|t| drop(t.name()));
    if model.topics.len() >= 2 {
        let _ = model.merge(0, model.topics.len() - 1);
    }
    let _ = model.to_json();
}
