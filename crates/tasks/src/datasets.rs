//! Loaders for the labelled data sets in `../shared/data`, with the project's
//! fixed train/test splits, so tests, benchmarks and the documented figures all
//! use the same examples. Each function takes the data set's own folder
//! (e.g. `../shared/data/mr_polarity`).
//!
//! | set | test split | sizes (train / test) |
//! |---|---|---|
//! | movie reviews | line index ≡ 0 (mod 10) within each file | 9,594 / 1,068 |
//! | BANKING77 | the published `train.csv` / `test.csv` | 10,003 / 3,080 |
//! | NSMC (`dev.txt` sample) | data row index ≡ 0 (mod 10) | 36,000 / 4,000 |

use std::path::Path;

use nunchi_engine::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};

use crate::split::{is_held_out, split_rows, SplitRow};
use crate::table::Table;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Labelled {
    pub texts: Vec<String>,
    /// Indices into `label_names`, one per text.
    pub labels: Vec<usize>,
    pub label_names: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Split {
    pub train: Labelled,
    pub test: Labelled,
}

impl Labelled {
    fn new(label_names: &[&str]) -> Self {
        Self { texts: Vec::new(), labels: Vec::new(), label_names: label_names.iter().map(|s| s.to_string()).collect() }
    }
    fn push(&mut self, text: String, label: usize) {
        self.texts.push(text);
        self.labels.push(label);
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::new(ErrorKind::Io, format!("cannot read {}: {e}", path.display())))
}

/// Movie Review polarity (Pang & Lee): `rt-polarity.neg` (label 0,
/// "negative") and `rt-polarity.pos` (label 1, "positive"), one snippet per
/// line. Test: the lines whose 0-based index within their file is ≡ 0 mod 10
/// (534 + 534); train: the rest. Negatives first in both. Blank lines
/// (there are none) would be skipped without shifting the indices.
pub fn movie_reviews(dir: &Path) -> Result<Split> {
    let names = ["negative", "positive"];
    let mut split = Split { train: Labelled::new(&names), test: Labelled::new(&names) };
    for (label, file) in ["rt-polarity.neg", "rt-polarity.pos"].into_iter().enumerate() {
        let text = read(&dir.join(file))?;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let part = if is_held_out(i) { &mut split.test } else { &mut split.train };
            part.push(line.to_string(), label);
        }
    }
    Ok(split)
}

/// BANKING77: `train.csv` and `test.csv` (columns `text` and `category`,
/// in any order, quoted as CSV), labels numbered in `categories.json` order.
pub fn banking77(dir: &Path) -> Result<Split> {
    let path = dir.join("categories.json");
    let names: Vec<String> = serde_json::from_str(&read(&path)?)
        .map_err(|e| Error::input(format!("{} is not a JSON list of names: {e}", path.display())))?;
    if names.is_empty() {
        return Err(Error::input(format!("{} lists no categories", path.display())));
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    Ok(Split { train: banking77_file(&dir.join("train.csv"), &names)?, test: banking77_file(&dir.join("test.csv"), &names)? })
}

fn banking77_file(path: &Path, names: &[&str]) -> Result<Labelled> {
    let bad = |msg: String| Error::input(format!("{}: {msg}", path.display()));
    let table = Table::from_csv(&read(path)?).map_err(|e| bad(e.to_string()))?;
    let text_col = table.require_column("text").map_err(|e| bad(e.to_string()))?;
    let cat_col = table.require_column("category").map_err(|e| bad(e.to_string()))?;
    let mut out = Labelled::new(names);
    for (i, row) in table.rows.iter().enumerate() {
        let category = &row[cat_col];
        let label = names
            .iter()
            .position(|n| n == category)
            .ok_or_else(|| bad(format!("data row {}: unknown category \"{category}\" (not in categories.json)", i + 1)))?;
        out.push(row[text_col].clone(), label);
    }
    Ok(out)
}

/// NSMC sample: `dev.txt`, `id<TAB>document<TAB>label` after a header line,
/// label 1 = positive, 0 = negative. Rows with an empty document are skipped.
/// Test: data rows whose 0-based index (counting every row after the header,
/// skipped ones too, so a row's side never depends on another row) is ≡ 0
/// mod 10; train: the rest.
pub fn nsmc(dir: &Path) -> Result<Split> {
    let path = dir.join("dev.txt");
    let content = read(&path)?;
    let bad = |msg: String| Error::input(format!("{}: {msg}", path.display()));
    let names = ["negative", "positive"];
    let mut split = Split { train: Labelled::new(&names), test: Labelled::new(&names) };
    let mut lines = content.lines();
    let header = lines.next().ok_or_else(|| bad("the file is empty".into()))?;
    let columns: Vec<&str> = header.trim_end_matches('\r').split('\t').collect();
    if columns != ["id", "document", "label"] {
        return Err(bad(format!("expected the header id, document, label; got {}", columns.join(", "))));
    }
    for (i, line) in lines.enumerate() {
        let line = line.trim_end_matches('\r');
        let fields: Vec<&str> = line.split('\t').collect();
        let &[_, document, label] = fields.as_slice() else {
            return Err(bad(format!("line {} has {} fields, expected 3", i + 2, fields.len())));
        };
        let label = match label.trim() {
            "0" => 0,
            "1" => 1,
            other => return Err(bad(format!("line {}: label \"{other}\" is not 0 or 1", i + 2))),
        };
        let document = document.trim();
        if document.is_empty() {
            continue;
        }
        let part = if is_held_out(i) { &mut split.test } else { &mut split.train };
        part.push(document.to_string(), label);
    }
    Ok(split)
}

/// A labelled CSV of the user's own (with a header): a `text` and a `label`
/// column, and optionally a `split` column of `train` / `test`, split by the
/// project's rule ([`crate::split`]). Every row needs a label; rows with an
/// empty text are skipped. Labels are numbered in order of first appearance.
/// This is the file format the demo site reads, with the same parser and the
/// same split, so a page's figures can be checked by `eval`.
pub fn labelled_csv(path: &Path) -> Result<Split> {
    labelled_csv_text(&read(path)?, path)
}

/// [`labelled_csv`] on text already read (`path` names it in messages), for
/// callers that read files their own way.
pub fn labelled_csv_text(content: &str, path: &Path) -> Result<Split> {
    let bad = |msg: String| Error::input(format!("{}: {msg}", path.display()));
    let table = Table::from_csv(content).map_err(|e| bad(e.to_string()))?;
    let text_col = table.require_column("text").map_err(|e| bad(e.to_string()))?;
    let label_col = table.require_column("label").map_err(|e| bad(e.to_string()))?;
    let split_col = table.column("split");

    let mut rows = Vec::new();
    for (index, row) in table.rows.iter().enumerate() {
        if row[text_col].is_empty() {
            continue;
        }
        if row[label_col].is_empty() {
            return Err(bad(format!("data row {} has no label (every row needs one to be evaluated)", index + 1)));
        }
        rows.push(SplitRow { index, label: &row[label_col], split: split_col.map(|c| row[c].as_str()) });
    }
    let sides = split_rows(&rows).map_err(|e| bad(e.to_string()))?;

    // Each row's label number, numbering labels in order of first appearance.
    let mut names: Vec<&str> = Vec::new();
    let label_of: Vec<usize> = rows
        .iter()
        .map(|row| {
            names.iter().position(|n| *n == row.label).unwrap_or_else(|| {
                names.push(row.label);
                names.len() - 1
            })
        })
        .collect();
    let mut split = Split { train: Labelled::new(&names), test: Labelled::new(&names) };
    for (side, positions) in [(&mut split.train, &sides.train), (&mut split.test, &sides.test)] {
        for &p in positions {
            side.push(table.rows[rows[p].index][text_col].clone(), label_of[p]);
        }
    }
    if split.test.texts.is_empty() || split.train.texts.is_empty() {
        return Err(bad(format!(
            "needs both train and test rows (has {} train, {} test)",
            split.train.texts.len(),
            split.test.texts.len()
        )));
    }
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, content: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("nunchi-datasets-{}-{name}.csv", std::process::id()));
        std::fs::write(&path, content).expect("temp file");
        path
    }

    #[test]
    fn labelled_csv_follows_the_split_column_and_numbers_labels_by_appearance() {
        let path = write("split", "label,text,split\npos,\"great, really\",test\nneg,awful,train\npos,fine,train\n");
        let split = labelled_csv(&path).expect("valid file");
        assert_eq!(split.train.label_names, ["pos", "neg"]);
        assert_eq!(split.test.texts, ["great, really"]);
        assert_eq!(split.train.texts, ["awful", "fine"]);
        assert_eq!(split.train.labels, [1, 0]);
    }

    #[test]
    fn labelled_csv_without_a_split_column_holds_out_every_tenth_row() {
        let rows: String = (0..20).map(|i| format!("text {i},{}\n", if i % 2 == 0 { "a" } else { "b" })).collect();
        let split = labelled_csv(&write("rule", &format!("text,label\n{rows}"))).expect("valid file");
        assert_eq!(split.test.texts, ["text 0", "text 10"]);
        assert_eq!(split.train.texts.len(), 18);
    }

    #[test]
    fn labelled_csv_skips_empty_texts_without_moving_other_rows_across_the_split() {
        let rows: String =
            (0..21).map(|i| format!("{},{}\n", if i == 3 { String::new() } else { format!("text {i}") }, i % 2)).collect();
        let split = labelled_csv(&write("empty", &format!("text,label\n{rows}"))).expect("valid file");
        assert_eq!(split.test.texts, ["text 0", "text 10", "text 20"]);
        assert_eq!(split.train.texts.len(), 17);
    }

    #[test]
    fn labelled_csv_rejects_missing_labels_columns_and_unknown_splits() {
        let err = |content: &str| labelled_csv(&write("bad", content)).expect_err("invalid file").to_string();
        assert!(err("text,label\nfine,\n").contains("data row 1 has no label"));
        assert!(err("review,label\nfine,pos\n").contains("no column \"text\""));
        assert!(err("text,label,split\nfine,pos,dev\n").contains("split \"dev\""));
        assert!(err("text,label,split\nfine,pos,train\n").contains("needs both train and test rows"));
    }
}
