//! Times SetFit training steps on all-MiniLM-L6-v2 (f32): a batch of 16 pairs
//! over 32 distinct texts, split into forward (embeddings and loss), backward
//! and the optimizer (clipping and AdamW).
//!
//! cargo run --release -p nunchi-train --example step_time [-- models/all-MiniLM-L6-v2 [steps]]

use std::time::Instant;

use nunchi_engine::Quant;
use nunchi_models::tokenizer::TextTokenizer;
use nunchi_models::{EncoderConfig, ModelFile, Pooling};
use nunchi_train::{AdamW, AdamWOptions, LinearSchedule, Pair, Sequence, TrainableEncoder, Trainer};

const SUBJECTS: [&str; 8] =
    ["The film", "Our waiter", "This phone", "The hotel room", "The update", "Her new novel", "The tour", "Support"];
const VERDICTS: [&str; 4] = [
    "was a delight from start to finish, and I would go again",
    "was a complete waste of time and money, sadly",
    "felt ordinary: nothing to love, nothing to hate either",
    "surprised everyone at our table with how good it turned out",
];

fn main() -> nunchi_engine::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "models/all-MiniLM-L6-v2".into());
    let steps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let file = ModelFile::open(std::path::Path::new(&path), Quant::F32)?;
    let config = EncoderConfig::from_json(&file.config_json)?;
    let tokenizer = TextTokenizer::from_json(&file.tokenizer_json, file.meta.max_tokens)?;
    let encoder = TrainableEncoder::load(&file.weights, config)?;
    drop(file);

    let texts: Vec<String> = SUBJECTS.iter().flat_map(|s| VERDICTS.iter().map(move |v| format!("{s} {v}."))).collect();
    let seqs = texts.iter().map(|t| tokenizer.encode(t).map(|e| (e.ids, e.type_ids))).collect::<Result<Vec<Sequence>, _>>()?;
    let tokens: usize = seqs.iter().map(|(ids, _)| ids.len()).sum();
    let pairs: Vec<Pair> = (0..16).map(|i| Pair { a: i, b: i + 16, label: (i % 2) as f32 }).collect();
    println!("{} texts, {tokens} tokens ({:.1} per text), 16 pairs", seqs.len(), tokens as f64 / seqs.len() as f64);

    let params = encoder.params().to_vec();
    let count: usize = params.iter().map(|p| p.var.elem_count()).sum();
    println!("{count} parameters");
    // The trainer for the loss only; the optimizer is timed on its own.
    let trainer = Trainer::new(encoder, AdamWOptions::default(), 2e-5, LinearSchedule::new(1, 0.0), Pooling::Mean, 0)?;
    let mut optimizer = AdamW::new(&params, AdamWOptions::default())?;
    for step in 0..=steps {
        let t0 = Instant::now();
        let loss = trainer.loss(&seqs, &pairs)?;
        let value = loss.to_scalar::<f32>()?;
        let t1 = Instant::now();
        let grads = loss.backward()?;
        let t2 = Instant::now();
        optimizer.step(&grads, 2e-5)?;
        let t3 = Instant::now();
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
        println!(
            "step {step}{}: loss {value:.5}, forward {:.0} ms, backward {:.0} ms, optimizer {:.0} ms, total {:.0} ms",
            if step == 0 { " (warm-up)" } else { "" },
            ms(t0, t1),
            ms(t1, t2),
            ms(t2, t3),
            ms(t0, t3)
        );
    }
    Ok(())
}
