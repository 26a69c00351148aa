//! Reading texts (and labels) from a file or stdin, writing CSV results.

use std::io::{BufRead, Read};
use std::path::Path;

use nunchi_engine::{Error, ErrorKind, Result};

fn io_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Io, format!("{}: {e}", path.display()))
}

fn is_csv(path: Option<&Path>) -> bool {
    path.and_then(|p| p.extension()).is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// Rows of a CSV with a header, as the named columns.
fn read_csv_columns(path: &Path, columns: &[&str]) -> Result<Vec<Vec<String>>> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| io_error(path, e))?;
    let header = reader.headers().map_err(|e| io_error(path, e))?.clone();
    let positions: Vec<usize> = columns
        .iter()
        .map(|c| {
            header.iter().position(|h| h.trim() == *c).ok_or_else(|| {
                let have: Vec<&str> = header.iter().collect();
                Error::input(format!("{} has no column '{c}' (its columns: {})", path.display(), have.join(", ")))
            })
        })
        .collect::<Result<_>>()?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| io_error(path, e))?;
        let row: Vec<String> = positions
            .iter()
            .map(|&p| {
                record.get(p).map(str::to_string).ok_or_else(|| {
                    Error::input(format!("{} row {} has no value in column {}", path.display(), i + 2, p + 1))
                })
            })
            .collect::<Result<_>>()?;
        rows.push(row);
    }
    Ok(rows)
}

/// Texts to analyse: the `column` of a `.csv` file (with a header), otherwise
/// one text per non-blank line of the file, or of stdin when `path` is `None`.
pub fn read_texts(path: Option<&Path>, column: &str) -> Result<Vec<String>> {
    let texts: Vec<String> = match path {
        Some(p) if is_csv(Some(p)) => read_csv_columns(p, &[column])?.into_iter().flatten().collect(),
        Some(p) => {
            let file = std::fs::File::open(p).map_err(|e| io_error(p, e))?;
            std::io::BufReader::new(file).lines().collect::<std::io::Result<_>>().map_err(|e| io_error(p, e))?
        }
        None => {
            let mut all = String::new();
            std::io::stdin().read_to_string(&mut all)?;
            all.lines().map(str::to_string).collect()
        }
    };
    let texts: Vec<String> = texts.into_iter().filter(|t| !t.trim().is_empty()).collect();
    if texts.is_empty() {
        return Err(Error::input("no texts in the input: give a file with one text per line, or a CSV"));
    }
    Ok(texts)
}

/// Labelled texts from a CSV: the texts, each text's label index, and the
/// label names in order of first appearance.
pub struct LabelledTexts {
    pub texts: Vec<String>,
    pub labels: Vec<usize>,
    pub names: Vec<String>,
}

pub fn read_labelled(path: &Path, text_column: &str, label_column: &str) -> Result<LabelledTexts> {
    if !is_csv(Some(path)) {
        return Err(Error::input(format!("{}: labelled data must be a .csv file with a header", path.display())));
    }
    let mut out = LabelledTexts { texts: Vec::new(), labels: Vec::new(), names: Vec::new() };
    for (i, row) in read_csv_columns(path, &[text_column, label_column])?.into_iter().enumerate() {
        let (text, label) = (&row[0], row[1].trim());
        if text.trim().is_empty() {
            continue;
        }
        if label.is_empty() {
            return Err(Error::input(format!("{} row {} has no label", path.display(), i + 2)));
        }
        let index = match out.names.iter().position(|n| n == label) {
            Some(index) => index,
            None => {
                out.names.push(label.to_string());
                out.names.len() - 1
            }
        };
        out.texts.push(text.clone());
        out.labels.push(index);
    }
    if out.texts.is_empty() {
        return Err(Error::input(format!("{} holds no labelled texts", path.display())));
    }
    Ok(out)
}

/// Splits a comma-separated option value, dropping blanks.
pub fn split_list(value: &str, separator: char) -> Vec<String> {
    value.split(separator).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// A CSV writer on the output file, or stdout.
pub fn csv_writer(path: Option<&Path>) -> Result<csv::Writer<Box<dyn std::io::Write>>> {
    let sink: Box<dyn std::io::Write> = match path {
        Some(p) => Box::new(std::fs::File::create(p).map_err(|e| io_error(p, e))?),
        None => Box::new(std::io::stdout()),
    };
    Ok(csv::Writer::from_writer(sink))
}

pub fn csv_error(e: csv::Error) -> Error {
    Error::new(ErrorKind::Io, format!("writing CSV: {e}"))
}
