//! Reading texts (and labels) from a file or stdin, writing CSV results.

use std::path::Path;

use nunchi_engine::{Error, ErrorKind, Result};
use nunchi_tasks::table::{is_csv_name, Table};
use nunchi_tasks::trends::check_dates_of_rows;

use crate::text_input::{io_error, lines_of, read_file_lossy, read_lossy};

fn is_csv(path: Option<&Path>) -> bool {
    path.and_then(|p| p.file_name()).and_then(|n| n.to_str()).is_some_and(is_csv_name)
}

/// Rows of a CSV with a header (read by the tasks' one parser), as the named columns.
fn read_csv_columns(path: &Path, columns: &[&str]) -> Result<Vec<Vec<String>>> {
    let text = read_file_lossy(path)?;
    let table = Table::from_csv(&text).map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
    let positions: Vec<usize> = columns
        .iter()
        .map(|c| {
            table.column(c).ok_or_else(|| {
                Error::input(format!("{} has no column '{c}' (its columns: {})", path.display(), table.columns.join(", ")))
            })
        })
        .collect::<Result<_>>()?;
    Ok(table.rows.iter().map(|row| positions.iter().map(|&p| row[p].clone()).collect()).collect())
}

/// Texts to analyse: the `column` of a `.csv` file (with a header), otherwise
/// one text per non-blank line of the file, or of stdin when `path` is `None`;
/// bytes that are not UTF-8 are replaced, with a warning.
pub fn read_texts(path: Option<&Path>, column: &str) -> Result<Vec<String>> {
    let texts: Vec<String> = match path {
        Some(p) if is_csv(Some(p)) => read_csv_columns(p, &[column])?.into_iter().flatten().collect(),
        Some(p) => lines_of(&read_file_lossy(p)?),
        None => lines_of(&read_lossy(std::io::stdin().lock(), "stdin")?),
    };
    let texts: Vec<String> = texts.into_iter().filter(|t| !t.trim().is_empty()).collect();
    if texts.is_empty() {
        return Err(Error::input("no texts in the input: give a file with one text per line, or a CSV"));
    }
    Ok(texts)
}

/// Texts as [`read_texts`] reads them, each with its value in `dates` (a
/// column of the same CSV), for counting topics over time.
pub fn read_dated_texts(path: Option<&Path>, column: &str, dates: &str) -> Result<(Vec<String>, Vec<String>)> {
    let Some(path) = path.filter(|p| is_csv(Some(p))) else {
        return Err(Error::input(format!("a date column ('{dates}') needs a .csv file with a header as --input")));
    };
    let mut texts = Vec::new();
    let mut kept_dates = Vec::new();
    let mut rows = Vec::new();
    for (i, mut row) in read_csv_columns(path, &[column, dates])?.into_iter().enumerate() {
        if !row[0].trim().is_empty() {
            texts.push(std::mem::take(&mut row[0]));
            kept_dates.push(std::mem::take(&mut row[1]));
            rows.push(i + 1);
        }
    }
    if texts.is_empty() {
        return Err(Error::input(format!("{} holds no texts", path.display())));
    }
    // Checked before any embedding, naming the file's own data rows.
    check_dates_of_rows(&kept_dates.iter().map(String::as_str).collect::<Vec<_>>(), &rows)
        .map_err(|e| Error::input(format!("{}: {}", path.display(), e.message())))?;
    Ok((texts, kept_dates))
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
            return Err(Error::input(format!("{} data row {} has no label", path.display(), i + 1)));
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
        Some(p) => Box::new(std::fs::File::create(p).map_err(|e| io_error(p.display(), e))?),
        None => Box::new(std::io::stdout()),
    };
    Ok(csv::Writer::from_writer(sink))
}

pub fn csv_error(e: csv::Error) -> Error {
    Error::new(ErrorKind::Io, format!("writing CSV: {e}"))
}
