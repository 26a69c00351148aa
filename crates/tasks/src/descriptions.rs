//! Zero-shot label descriptions written by a user in one line, matched to the
//! labels they describe.
//!
//! Items are separated by `|` (so a description may hold commas), and are
//! either **keyed**, `label=description` (split at the first `=`, so the
//! description may hold more), or **positional**, one per label in the
//! labels' order. Keyed items are matched by name: every label needs exactly
//! one. Positional items are only accepted where the user wrote the labels'
//! order themselves ([`LabelOrder::Given`]); where the order comes from the
//! data (first appearance in a file) a positional list could silently swap
//! labels, so it is refused with the keyed form to use instead. Whitespace
//! around keys and descriptions is trimmed; one form per list, never both.

use nunchi_engine::{Error, Result};

/// Where the labels' order comes from, which decides whether a positional
/// list of descriptions is unambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelOrder {
    /// The user wrote the labels in this order (`--labels`), or the order is
    /// fixed and documented (a built-in dataset).
    Given,
    /// The order is first appearance in a data file: the user cannot see it.
    FromData,
}

/// One description per label, in `labels`' order, from the `|`-separated `spec`.
pub fn match_descriptions(spec: &str, labels: &[String], order: LabelOrder) -> Result<Vec<String>> {
    let items: Vec<&str> = spec.split('|').map(str::trim).filter(|s| !s.is_empty()).collect();
    if items.is_empty() {
        return Err(Error::input("descriptions are empty: give one per label, e.g. \"label=description|…\""));
    }
    let keyed = items.iter().filter(|item| item.contains('=')).count();
    match keyed {
        0 => positional(&items, labels, order),
        n if n == items.len() => by_label(&items, labels),
        _ => Err(Error::input(format!(
            "descriptions mix the keyed form (label=description) and the positional one: use one form for all ({keyed} of {} items are keyed)",
            items.len()
        ))),
    }
}

fn positional(items: &[&str], labels: &[String], order: LabelOrder) -> Result<Vec<String>> {
    if order == LabelOrder::FromData {
        return Err(Error::input(format!(
            "descriptions without labels are ambiguous here: the labels come from the data, in the order {}; \
             name each one, e.g. \"{}\"",
            labels.join(", "),
            keyed_example(labels)
        )));
    }
    if items.len() != labels.len() {
        return Err(Error::input(format!(
            "{} descriptions for {} labels ({}): give one per label, in the same order, or name each one (label=description)",
            items.len(),
            labels.len(),
            labels.join(", ")
        )));
    }
    Ok(items.iter().map(|item| item.to_string()).collect())
}

fn by_label(items: &[&str], labels: &[String]) -> Result<Vec<String>> {
    let pairs = items.iter().map(|item| split_item(item)).collect::<Result<Vec<_>>>()?;
    descriptions_by_label(&pairs, labels)
}

/// One description per label, in `labels`' order, from `(label, description)`
/// pairs in any order (the package's `{ label: description }` objects): every
/// label exactly once, no other; descriptions trimmed and non-empty.
pub fn descriptions_by_label(pairs: &[(&str, &str)], labels: &[String]) -> Result<Vec<String>> {
    let mut found: Vec<Option<String>> = vec![None; labels.len()];
    let (mut unknown, mut twice) = (Vec::new(), Vec::new());
    for &(key, description) in pairs {
        let description = description.trim();
        if description.is_empty() {
            return Err(Error::input(format!("the description of label '{key}' is empty")));
        }
        match labels.iter().position(|l| l == key) {
            None => unknown.push(key),
            Some(i) if found[i].is_some() => twice.push(key),
            Some(i) => found[i] = Some(description.to_string()),
        }
    }
    if !unknown.is_empty() {
        return Err(Error::input(format!(
            "descriptions name labels that do not exist: {} (the labels: {})",
            unknown.join(", "),
            labels.join(", ")
        )));
    }
    if !twice.is_empty() {
        return Err(Error::input(format!("descriptions give these labels more than once: {}", twice.join(", "))));
    }
    let missing: Vec<&str> = labels.iter().zip(&found).filter(|(_, d)| d.is_none()).map(|(l, _)| l.as_str()).collect();
    if !missing.is_empty() {
        return Err(Error::input(format!("descriptions leave out these labels: {} (every label needs one)", missing.join(", "))));
    }
    Ok(found.into_iter().flatten().collect())
}

/// `label=description`, split at the first `=`, both sides trimmed and non-empty.
fn split_item(item: &str) -> Result<(&str, &str)> {
    let (key, description) = item.split_once('=').map(|(k, d)| (k.trim(), d.trim())).unwrap_or((item, ""));
    if key.is_empty() {
        return Err(Error::input(format!("description \"{item}\" names no label before '='")));
    }
    if description.is_empty() {
        return Err(Error::input(format!("the description of label '{key}' is empty")));
    }
    Ok((key, description))
}

/// `negative=…|positive=…`, for error messages.
fn keyed_example(labels: &[String]) -> String {
    labels.iter().map(|l| format!("{l}=…")).collect::<Vec<_>>().join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn message(spec: &str, names: &[&str], order: LabelOrder) -> String {
        match_descriptions(spec, &labels(names), order).expect_err("invalid descriptions").to_string()
    }

    #[test]
    fn keyed_descriptions_follow_the_labels_order_not_the_written_one() {
        let got = match_descriptions(
            " positive = A very positive review | negative=A very negative review ",
            &labels(&["negative", "positive"]),
            LabelOrder::FromData,
        )
        .expect("valid");
        assert_eq!(got, ["A very negative review", "A very positive review"]);
    }

    #[test]
    fn pairs_from_an_object_are_matched_by_name() {
        let l = labels(&["negative", "positive"]);
        let got = descriptions_by_label(&[("positive", " Good "), ("negative", "Bad")], &l).expect("valid");
        assert_eq!(got, ["Bad", "Good"]);
        let e = descriptions_by_label(&[("positive", "Good"), ("neutral", "Meh")], &l).expect_err("unknown").to_string();
        assert!(e.contains("do not exist: neutral"), "{e}");
        let e = descriptions_by_label(&[("positive", "Good")], &l).expect_err("missing").to_string();
        assert!(e.contains("leave out these labels: negative"), "{e}");
        assert!(descriptions_by_label(&[("positive", "Good"), ("negative", "  ")], &l).is_err());
    }

    #[test]
    fn a_keyed_description_keeps_later_equals_signs_and_commas() {
        let got = match_descriptions("a=x = y, or z|b=plain", &labels(&["a", "b"]), LabelOrder::Given).expect("valid");
        assert_eq!(got, ["x = y, or z", "plain"]);
    }

    #[test]
    fn positional_descriptions_follow_labels_the_user_ordered() {
        let got = match_descriptions("Good, really|Bad", &labels(&["positive", "negative"]), LabelOrder::Given).expect("valid");
        assert_eq!(got, ["Good, really", "Bad"]);
        assert!(message("Good|Bad|Meh", &["positive", "negative"], LabelOrder::Given).contains("3 descriptions for 2 labels"));
    }

    #[test]
    fn positional_descriptions_are_refused_when_the_order_comes_from_the_data() {
        let err = message("A very negative review|A very positive review", &["positive", "negative"], LabelOrder::FromData);
        assert!(err.contains("in the order positive, negative"), "{err}");
        assert!(err.contains("positive=…|negative=…"), "{err}");
    }

    #[test]
    fn keyed_descriptions_name_unknown_repeated_and_missing_labels() {
        let names = ["negative", "positive", "neutral"];
        let unknown = message("good=Great|negative=Bad|positive=Good|neutral=Meh", &names, LabelOrder::Given);
        assert!(unknown.contains("do not exist: good") && unknown.contains("negative, positive, neutral"), "{unknown}");
        let twice = message("negative=Bad|negative=Awful|positive=Good|neutral=Meh", &names, LabelOrder::Given);
        assert!(twice.contains("more than once: negative"), "{twice}");
        let missing = message("positive=Good", &names, LabelOrder::Given);
        assert!(missing.contains("leave out these labels: negative, neutral"), "{missing}");
    }

    #[test]
    fn mixed_forms_empty_keys_and_empty_lists_are_refused() {
        assert!(message("positive=Good|Bad", &["positive", "negative"], LabelOrder::Given).contains("mix the keyed form"));
        assert!(message("=Good|negative=Bad", &["positive", "negative"], LabelOrder::Given).contains("names no label"));
        assert!(message("positive=|negative=Bad", &["positive", "negative"], LabelOrder::Given).contains("'positive' is empty"));
        assert!(message(" | ", &["positive", "negative"], LabelOrder::Given).contains("descriptions are empty"));
    }
}
