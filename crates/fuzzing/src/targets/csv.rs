use std::path::Path;

use nunchi_tasks::datasets::labelled_csv_text;
use nunchi_tasks::table::Table;
use nunchi_tasks::trends::{check_dates, topic_trends, PERIOD_NAMES};

use crate::input;

/// The user's files as every reader takes them: a table (CSV or lines), a
/// labelled CSV with its train/test split, and a `date` column's dates
/// counted per period.
pub fn csv(data: &[u8]) {
    let text = input::text(data);
    if let Ok(table) = Table::from_csv(&text) {
        assert!(table.rows.iter().all(|row| row.len() == table.columns.len()), "a row is not as wide as the header");
        for name in ["text", "label", "date"] {
            if let Ok(column) = table.require_column(name) {
                let values = table.values(column);
                if name == "date" && check_dates(&values).is_ok() {
                    trends(&values);
                }
            }
        }
    }
    let lines = Table::from_lines(&text);
    assert!(lines.rows.iter().all(|row| row.len() == 1 && !row[0].is_empty()));
    if let Ok(split) = labelled_csv_text(&text, Path::new("fuzz.csv")) {
        for side in [&split.train, &split.test] {
            assert_eq!(side.texts.len(), side.labels.len());
            assert!(side.labels.iter().all(|&l| l < side.label_names.len()));
        }
    }
}

/// Counts the dated rows in two alternating topics over every period.
fn trends(dates: &[&str]) {
    let topics: Vec<Option<usize>> = (0..dates.len()).map(|i| (i % 3 < 2).then_some(i % 3)).collect();
    let positive: Vec<f32> = (0..dates.len()).map(|i| (i % 5) as f32 / 4.0).collect();
    for &(_, period) in PERIOD_NAMES {
        if let Ok(t) = topic_trends(&topics, 2, dates, period, Some(&positive)) {
            assert_eq!(t.sizes.len(), 2);
            let counted: usize = t.sizes.iter().flatten().sum::<usize>() + t.other.iter().sum::<usize>();
            assert_eq!(counted, dates.len(), "every dated row is counted once");
        }
    }
}
