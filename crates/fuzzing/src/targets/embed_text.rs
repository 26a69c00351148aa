use nunchi_models::{EmbedOptions, Pooling};

use crate::fixtures;
use crate::input;

/// Candidates are cut to this many characters: the scored logits grow with
/// candidates × tokens × vocabulary (32,128), and the point is the text, not the size.
const CANDIDATE_CHARS: usize = 24;

/// Arbitrary text (lossy UTF-8, one text per line, at most 8) embedded by the
/// smallest encoder the tests use, each way it pools; and scored by the tiny
/// T5 (the first line the prompt, the next two the candidates).
pub fn embed_text(data: &[u8]) {
    let text = input::text(data);
    let texts: Vec<&str> = text.split('\n').take(8).collect();
    embed(&texts);
    let candidates: Vec<&str> = texts.iter().skip(1).take(2).map(|c| input::prefix_chars(c, CANDIDATE_CHARS)).collect();
    if !candidates.is_empty() {
        if let Ok(scores) = fixtures::t5().score(texts[0], &candidates) {
            assert_eq!(scores.len(), candidates.len());
            assert!(scores.iter().all(|s| !s.logprob.is_nan()), "{scores:?}");
        }
    }
}

fn embed(texts: &[&str]) {
    let encoder = fixtures::encoder();
    let dim = encoder.dim();
    for pooling in [Pooling::Mean, Pooling::Cls, Pooling::None] {
        let opts = EmbedOptions { pooling, normalize: pooling != Pooling::None };
        let Ok(e) = encoder.embed(texts, &opts) else { continue };
        assert_eq!((e.dims[0], e.dims[e.dims.len() - 1]), (texts.len(), dim));
        assert!(e.data.iter().all(|v| v.is_finite()), "a text embeds to a non-finite value ({pooling:?})");
        assert_eq!(e.truncated.len(), texts.len());
        if pooling == Pooling::Mean {
            // A text's row does not depend on its batch. (The same bits for q8_0
            // layers; this model's are f32, where candle's native matmul may
            // round differently for another number of rows.)
            let alone = encoder.embed(&texts[..1], &opts).map(|a| a.data);
            let close = |a: Vec<f32>| a.iter().zip(&e.data[..dim]).all(|(x, y)| (x - y).abs() <= 1e-5);
            assert!(alone.is_ok_and(close), "the first text embeds differently alone and in its batch");
        }
    }
}
