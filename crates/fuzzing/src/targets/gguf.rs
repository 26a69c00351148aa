use nunchi_models::ModelFile;

use crate::exercise;

/// nunchi's GGUF reader, the path of `Encoder.fromGguf` and `nunchi --model x.gguf`,
/// then loading and running whatever parsed.
pub fn gguf(data: &[u8]) {
    exercise::model(|| ModelFile::from_gguf_bytes(data));
}
