//! Reading the user's files into a table: CSV (RFC 4180, the first row is the
//! header) or plain text (one row per non-blank line). The CLI, `eval` and the
//! demo page (through the wasm bindings) all read files here, so a file means
//! the same rows everywhere.

use nunchi_engine::{Error, Result};
use serde::Serialize;

/// Named columns and rows of trimmed strings, every row as wide as the header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A CSV file's text. Quoted fields may hold commas, doubled quotes and
    /// line breaks; rows whose fields are all blank are skipped; short rows are
    /// padded with empty fields and long ones cut to the header; an unnamed
    /// column is called `column N`.
    pub fn from_csv(text: &str) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(strip_bom(text).as_bytes());
        let mut records = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| Error::input(format!("not a valid CSV file: {e}")))?;
            let fields: Vec<String> = record.iter().map(|f| f.trim().to_string()).collect();
            if fields.iter().any(|f| !f.is_empty()) {
                records.push(fields);
            }
        }
        let mut records = records.into_iter();
        let header = records.next().unwrap_or_default();
        let columns: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, name)| if name.is_empty() { format!("column {}", i + 1) } else { name.clone() })
            .collect();
        let rows = records
            .map(|mut row| {
                row.resize(columns.len(), String::new());
                row
            })
            .collect();
        Ok(Self { columns, rows })
    }

    /// Plain text: one `text` column, a row per non-blank line.
    pub fn from_lines(text: &str) -> Self {
        let rows = strip_bom(text).lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| vec![l.to_string()]).collect();
        Self { columns: vec!["text".to_string()], rows }
    }

    /// A file's text by its name: `.csv` (any case) as CSV, anything else as lines.
    pub fn read(text: &str, name: &str) -> Result<Self> {
        if is_csv_name(name) {
            Self::from_csv(text)
        } else {
            Ok(Self::from_lines(text))
        }
    }

    /// The position of the column called `name`, ignoring case.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.eq_ignore_ascii_case(name))
    }

    /// Like [`Table::column`], with an error that lists the columns there are.
    pub fn require_column(&self, name: &str) -> Result<usize> {
        self.column(name).ok_or_else(|| Error::input(format!("no column \"{name}\" (columns: {})", self.columns.join(", "))))
    }

    /// One column's values, row by row.
    pub fn values(&self, column: usize) -> Vec<&str> {
        self.rows.iter().map(|row| row[column].as_str()).collect()
    }
}

/// Whether a file name says CSV.
pub fn is_csv_name(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("csv"))
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_keep_quoted_commas_quotes_and_line_breaks() {
        let t = Table::from_csv("\u{feff}text, label \r\n\"great, \"\"really\"\"\",pos\n\"two\nlines\",neg\n").expect("valid");
        assert_eq!(t.columns, ["text", "label"]);
        assert_eq!(t.rows, [["great, \"really\"", "pos"], ["two\nlines", "neg"]]);
    }

    #[test]
    fn csv_skips_blank_rows_pads_short_ones_and_names_unnamed_columns() {
        let t = Table::from_csv("text,,split\n\n , ,\nfine\nok,x,test,extra\n").expect("valid");
        assert_eq!(t.columns, ["text", "column 2", "split"]);
        assert_eq!(t.rows, [["fine", "", ""], ["ok", "x", "test"]]); // fields past the header are dropped
        assert_eq!(t.column("SPLIT"), Some(2));
        assert!(t.require_column("label").expect_err("no label column").to_string().contains("columns: text, column 2, split"));
    }

    #[test]
    fn text_files_are_one_row_per_non_blank_line() {
        let t = Table::read("  first \r\n\n second\n", "notes.TXT").expect("lines");
        assert_eq!(t.columns, ["text"]);
        assert_eq!(t.rows, [["first"], ["second"]]);
        assert!(is_csv_name("a.CSV") && !is_csv_name("csv") && !is_csv_name("a.csv.txt"));
    }
}
