//! Keywords that tell clusters (or classes) apart: class-based TF-IDF as in
//! BERTopic. All texts of a class are treated as one document; a term weighs
//! `W(t, c) = tf(t, c) · ln(1 + A / f(t))`, with `tf(t, c)` the count of `t`
//! in class `c`, `f(t)` its count over all classes, and `A` the average number
//! of tokens per class. Words frequent in one class and rare elsewhere win.
//! (BERTopic also L1-normalizes `tf` per class and truncates `A` to an
//! integer; neither changes the order of terms within a class much, and the
//! first not at all.)

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::stopwords::is_stop_word;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Keyword {
    pub term: String,
    pub weight: f32,
}

/// Korean particles stripped from the end of a Hangul word, longest first.
const PARTICLES: &[&str] = &["에서", "으로", "하고", "은", "는", "이", "가", "을", "를", "에", "의", "도", "로", "와", "과"];

fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Hangul compatibility jamo (ㄱ…ㅎ, ㅏ…ㅣ): on their own they are
/// emoticons such as ㅋㅋㅋ (laughter) and ㅠㅠ (tears), not words.
fn is_compat_jamo(c: char) -> bool {
    ('\u{3131}'..='\u{318E}').contains(&c)
}

/// Splits text into lowercase keyword candidates.
///
/// - Tokens are runs of Unicode letters and digits (Hangul and CJK included);
///   an apostrophe (' or ’) inside a word is kept ("don't"), at its ends dropped,
///   and a possessive "'s" removed ("film's" → "film").
/// - Korean attaches particles to words, so a Hangul word of 3+ syllables loses
///   one trailing particle (에서 으로 하고 은 는 이 가 을 를 에 의 도 로 와 과,
///   longest first) if 2+ syllables remain ("영화가" → "영화"). A heuristic: a
///   few nouns ending in such a syllable ("고양이" → "고양") are cut too;
///   good enough for keywords, not for NLP.
/// - Dropped: tokens shorter than 2 characters, pure numbers, tokens of
///   compatibility jamo only (ㅋㅋ), and stop words ([`crate::stopwords`]).
pub fn tokenize(text: &str) -> Vec<String> {
    let lower = text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter_map(|raw| {
            let mut token = raw.trim_matches('\'');
            if token.ends_with("'s") && !is_stop_word(token) {
                token = &token[..token.len() - 2];
            }
            let token = strip_particle(token);
            let keep = token.chars().count() >= 2
                && !token.chars().all(|c| c.is_numeric() || c == '\'')
                && !token.chars().all(is_compat_jamo)
                && !is_stop_word(token);
            keep.then(|| token.to_string())
        })
        .collect()
}

fn strip_particle(token: &str) -> &str {
    if token.chars().count() < 3 || !token.chars().all(is_hangul_syllable) {
        return token;
    }
    for p in PARTICLES {
        if let Some(stem) = token.strip_suffix(p) {
            if stem.chars().count() >= 2 {
                return stem;
            }
        }
    }
    token
}

/// The `top_n` keywords of each class (its texts in `classes[c]`), by c-TF-IDF,
/// heaviest first and alphabetical among equal weights. A class without
/// tokens gets no keywords.
pub fn class_keywords(classes: &[Vec<&str>], top_n: usize) -> Vec<Vec<Keyword>> {
    let counts: Vec<HashMap<String, u64>> = classes
        .iter()
        .map(|texts| {
            let mut m = HashMap::new();
            for t in texts.iter().flat_map(|t| tokenize(t)) {
                *m.entry(t).or_insert(0) += 1;
            }
            m
        })
        .collect();
    let mut total: HashMap<&str, u64> = HashMap::new();
    for m in &counts {
        for (t, &n) in m {
            *total.entry(t.as_str()).or_insert(0) += n;
        }
    }
    let tokens: u64 = total.values().sum();
    let average = tokens as f64 / classes.len().max(1) as f64;
    counts
        .iter()
        .map(|m| {
            let mut scored: Vec<(f64, &str)> =
                m.iter().map(|(t, &tf)| (tf as f64 * (1.0 + average / total[t.as_str()] as f64).ln(), t.as_str())).collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            scored.into_iter().take(top_n).map(|(w, t)| Keyword { term: t.to_string(), weight: w as f32 }).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_tokens() {
        assert_eq!(
            tokenize("The film's plot DIDN'T work — 2 stars, 10/10 for the 21st-century ‘effects’! a"),
            vec!["film", "plot", "work", "stars", "21st", "century", "effects"]
        );
        assert_eq!(tokenize("rock'n'roll isn’t dead"), vec!["rock'n'roll", "dead"]);
    }

    #[test]
    fn korean_tokens() {
        // 영화가 → 영화 (particle), 너무 (stop word), 재밌어요 kept, ㅋㅋㅋ dropped, 배우들의 → 배우들.
        assert_eq!(tokenize("영화가 너무 재밌어요 ㅋㅋㅋ 배우들의 연기"), vec!["영화", "재밌어요", "배우들", "연기"]);
        // Two syllables are never cut; a lone syllable is too short.
        assert_eq!(tokenize("나는 사과 김 가"), vec!["사과"]);
    }

    #[test]
    fn empty_classes_get_no_keywords() {
        let kw = class_keywords(&[vec!["the and"], vec![], vec!["refund please"]], 5);
        assert!(kw[0].is_empty() && kw[1].is_empty());
        assert_eq!(kw[2].len(), 2);
        assert!(class_keywords(&[], 3).is_empty());
    }
}
