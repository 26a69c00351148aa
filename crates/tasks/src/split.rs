//! The project's train/test rule for a user's labelled rows, in one place:
//! `nunchi eval` and the demo page (through the wasm bindings) both split here,
//! so the page's figures can be checked by `eval` on the same file.
//!
//! - A `split` column decides where it has a value: `test` or `train` (any
//!   case). A blank value is treated as below.
//! - Without one, when every row is labelled, the data rows whose 0-based
//!   index in the file is ≡ 0 (mod 10) are test ([`is_held_out`]). A row with
//!   an empty text is dropped but still counted, so dropping it never moves
//!   another row to the other side.
//! - Otherwise labelled rows train and unlabelled rows are the ones to
//!   predict (test without a truth).

use nunchi_engine::{Error, Result};

/// One of every `HOLD_OUT_EVERY` rows is held out for testing.
pub const HOLD_OUT_EVERY: usize = 10;

/// Whether the data row at 0-based `index` is held out when nothing else
/// decides its side.
pub fn is_held_out(index: usize) -> bool {
    index.is_multiple_of(HOLD_OUT_EVERY)
}

/// A row to place: its 0-based data row index in the file, its label (blank:
/// none) and its `split` value, if the file has that column.
#[derive(Debug, Clone, Copy)]
pub struct SplitRow<'a> {
    pub index: usize,
    pub label: &'a str,
    pub split: Option<&'a str>,
}

/// Positions (into the rows given) of the train and test rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sides {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
    /// True when the every-10th rule chose the test rows.
    pub held_out: bool,
}

/// Places each row on its side (module docs). Rows with a blank label on the
/// train side of a `split` column are left out: there is nothing to train on.
pub fn split_rows(rows: &[SplitRow]) -> Result<Sides> {
    let has_split = rows.iter().any(|r| r.split.is_some_and(|s| !s.trim().is_empty()));
    let all_labelled = !rows.is_empty() && rows.iter().all(|r| !r.label.trim().is_empty());
    let mut sides = Sides { held_out: !has_split && all_labelled, ..Sides::default() };
    for (position, row) in rows.iter().enumerate() {
        let labelled = !row.label.trim().is_empty();
        let split = row.split.map(str::trim).unwrap_or("");
        let to_test = if split.eq_ignore_ascii_case("test") {
            true
        } else if split.eq_ignore_ascii_case("train") {
            if !labelled {
                continue;
            }
            false
        } else if !split.is_empty() {
            return Err(Error::input(format!("data row {}: split \"{split}\" is not train or test", row.index + 1)));
        } else if sides.held_out {
            is_held_out(row.index)
        } else {
            !labelled
        };
        if to_test { &mut sides.test } else { &mut sides.train }.push(position);
    }
    Ok(sides)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows<'a>(labels: &[&'a str], split: Option<&[&'a str]>, skip: &[usize]) -> Vec<SplitRow<'a>> {
        (0..labels.len())
            .filter(|i| !skip.contains(i))
            .map(|i| SplitRow { index: i, label: labels[i], split: split.map(|s| s[i]) })
            .collect()
    }

    #[test]
    fn every_tenth_data_row_is_test_counting_rows_with_empty_texts() {
        let labels = ["a"; 25];
        // Row 3 has an empty text: dropped, and rows 10 and 20 stay test.
        let given = rows(&labels, None, &[3]);
        let sides = split_rows(&given).expect("valid");
        let test: Vec<usize> = sides.test.iter().map(|&p| given[p].index).collect();
        assert_eq!(test, [0, 10, 20]);
        assert_eq!(sides.train.len(), 21);
        assert!(sides.held_out);
    }

    #[test]
    fn a_split_column_decides_and_blank_values_fall_back_to_the_labels() {
        let labels = ["a", "b", "", "", "a"];
        let split = ["TEST", "train", "train", "", " "];
        let sides = split_rows(&rows(&labels, Some(&split), &[])).expect("valid");
        assert_eq!(sides.test, [0, 3]); // row 2 is unlabelled on the train side: left out
        assert_eq!(sides.train, [1, 4]);
        assert!(!sides.held_out);
    }

    #[test]
    fn unlabelled_rows_are_the_ones_to_predict() {
        let sides = split_rows(&rows(&["a", "", "b", ""], None, &[])).expect("valid");
        assert_eq!((sides.train, sides.test, sides.held_out), (vec![0, 2], vec![1, 3], false));
    }

    #[test]
    fn an_unknown_split_value_is_an_input_error() {
        let err = split_rows(&rows(&["a"], Some(&["dev"]), &[])).expect_err("dev is not a side");
        assert!(err.to_string().contains("data row 1: split \"dev\""), "{err}");
    }
}
