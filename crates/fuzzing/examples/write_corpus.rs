//! Writes the generated seed corpus into `fuzz/corpus/<target>/`:
//! `cargo run --release -p nunchi-fuzzing --example write_corpus`.
//! Run it again when a format changes; other files there are left alone.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for (target, name, bytes) in nunchi_fuzzing::seeds::corpus()? {
        let dir = nunchi_fuzzing::corpus::corpus_dir(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(&name), &bytes)?;
        println!("{target}/{name}: {} bytes", bytes.len());
    }
    Ok(())
}
