//! Which language texts are in, by rule: the writing system of their letters,
//! and for Latin script, how many words are English function words. Enough
//! to choose between the English encoders and the multilingual one, and to
//! say when the answer is unsure (short texts, mixed sets, other Latin-script
//! languages).
//!
//! Per text: letters are counted per script. Hangul from 30% of the letters
//! is Korean (Korean text mixes in Han characters and Latin words); kana from
//! 10% is Japanese; otherwise the script with most letters decides: Han is
//! Chinese, and Cyrillic, Arabic, Devanagari, Thai, Greek and Hebrew name
//! their most used language (unsure: other languages share the script).
//! Latin script is English when at least 15% of its words are English
//! function words (the stop-word list), sure from 4 words on; a Latin text
//! without them is "latin" (some other language) when it has letters beyond
//! ASCII, else English but unsure (too short to tell, "Great service!").

use serde::Serialize;

use crate::stopwords::is_english_stop_word;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Hangul,
    Han,
    Kana,
    Cyrillic,
    Arabic,
    Devanagari,
    Thai,
    Greek,
    Hebrew,
}

/// Scripts and the language code reported for each (ISO 639-1); Latin is
/// looked at more closely.
const SCRIPT_LANGUAGE: &[(Script, &str)] = &[
    (Script::Latin, "en"),
    (Script::Han, "zh"),
    (Script::Cyrillic, "ru"),
    (Script::Arabic, "ar"),
    (Script::Devanagari, "hi"),
    (Script::Thai, "th"),
    (Script::Greek, "el"),
    (Script::Hebrew, "he"),
];

impl Script {
    /// All scripts, in `counts` index order.
    const ALL: [Script; 10] = [
        Script::Latin,
        Script::Hangul,
        Script::Han,
        Script::Kana,
        Script::Cyrillic,
        Script::Arabic,
        Script::Devanagari,
        Script::Thai,
        Script::Greek,
        Script::Hebrew,
    ];

    fn name(self) -> &'static str {
        match self {
            Script::Latin => "latin",
            Script::Hangul => "hangul",
            Script::Han => "han",
            Script::Kana => "kana",
            Script::Cyrillic => "cyrillic",
            Script::Arabic => "arabic",
            Script::Devanagari => "devanagari",
            Script::Thai => "thai",
            Script::Greek => "greek",
            Script::Hebrew => "hebrew",
        }
    }
}

/// The script a reported language is written in, and its name in messages.
fn language_script(code: &str) -> Option<(Script, &'static str)> {
    Some(match code {
        "en" => (Script::Latin, "English"),
        "latin" => (Script::Latin, "a Latin-script language other than English"),
        "ko" => (Script::Hangul, "Korean"),
        "ja" => (Script::Kana, "Japanese"),
        "zh" => (Script::Han, "Chinese"),
        "ru" => (Script::Cyrillic, "Russian (or another Cyrillic-script language)"),
        "ar" => (Script::Arabic, "Arabic (or another Arabic-script language)"),
        "hi" => (Script::Devanagari, "Hindi (or another Devanagari-script language)"),
        "th" => (Script::Thai, "Thai"),
        "el" => (Script::Greek, "Greek"),
        "he" => (Script::Hebrew, "Hebrew"),
        _ => return None,
    })
}

fn script_of(c: char) -> Option<Script> {
    if !c.is_alphabetic() {
        return None;
    }
    Some(match c as u32 {
        0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7AF | 0xD7B0..=0xD7FF => Script::Hangul,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => Script::Han,
        0x0400..=0x052F => Script::Cyrillic,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF => Script::Arabic,
        0x0900..=0x097F => Script::Devanagari,
        0x0E00..=0x0E7F => Script::Thai,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
        0x0590..=0x05FF => Script::Hebrew,
        0x0041..=0x024F | 0x1E00..=0x1EFF => Script::Latin,
        _ => return None,
    })
}

/// One text's language: an ISO 639-1 code, `"latin"` (Latin script, not
/// English) or `"und"` (no letters), and whether the rule is sure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextLanguage {
    pub language: &'static str,
    pub sure: bool,
}

/// Share of Latin-script words that must be English function words.
const ENGLISH_SHARE: f64 = 0.15;
/// Words from which a Latin-script verdict is sure.
const SURE_WORDS: usize = 4;

pub fn detect_text(text: &str) -> TextLanguage {
    let mut counts = [0usize; Script::ALL.len()];
    let index = |s: Script| s as usize;
    for c in text.chars() {
        if let Some(s) = script_of(c) {
            counts[index(s)] += 1;
        }
    }
    let letters: usize = counts.iter().sum();
    if letters == 0 {
        return TextLanguage { language: "und", sure: false };
    }
    let share = |s: Script| counts[index(s)] as f64 / letters as f64;
    if share(Script::Hangul) >= 0.3 {
        return TextLanguage { language: "ko", sure: true };
    }
    if share(Script::Kana) >= 0.1 {
        return TextLanguage { language: "ja", sure: true };
    }
    let top = SCRIPT_LANGUAGE.iter().copied().max_by_key(|&(s, _)| counts[index(s)]);
    match top {
        Some((Script::Latin, _)) | None => latin(text),
        // Han alone is Chinese; the others' scripts are shared by several languages.
        Some((script, code)) => TextLanguage { language: code, sure: script == Script::Han },
    }
}

fn latin(text: &str) -> TextLanguage {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’'))
        .filter(|w| w.chars().any(|c| script_of(c) == Some(Script::Latin)))
        .map(|w| w.to_lowercase().replace('’', "'"))
        .collect();
    let function_words = words.iter().filter(|w| is_english_stop_word(w)).count();
    let english = function_words as f64 >= ENGLISH_SHARE * words.len() as f64 && function_words > 0;
    if english {
        return TextLanguage { language: "en", sure: words.len() >= SURE_WORDS };
    }
    if text.chars().any(|c| script_of(c) == Some(Script::Latin) && !c.is_ascii()) {
        return TextLanguage { language: "latin", sure: words.len() >= SURE_WORDS };
    }
    TextLanguage { language: "en", sure: false }
}

/// The language of a set of texts.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LanguageReport {
    /// The language most texts are in (`"und"` when none has letters).
    pub language: &'static str,
    /// The share of texts in it.
    pub share: f64,
    /// Texts per language, most first.
    pub counts: Vec<(&'static str, usize)>,
    /// Whether the English encoders suit the texts: English is the language.
    pub english: bool,
    /// Why the answer may be wrong, when it may: mixed languages, mostly
    /// texts too short to tell, or a script several languages share.
    pub unsure: Option<String>,
}

/// A set counts as one language when this share of its texts are in it.
const MAJORITY: f64 = 0.8;

pub fn detect_language(texts: &[&str]) -> LanguageReport {
    let each: Vec<TextLanguage> = texts.iter().map(|t| detect_text(t)).collect();
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for t in &each {
        match counts.iter_mut().find(|(l, _)| *l == t.language) {
            Some((_, n)) => *n += 1,
            None => counts.push((t.language, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    // Texts without letters say nothing about the set.
    let (language, n) = counts.iter().copied().find(|(l, _)| *l != "und").unwrap_or(("und", 0));
    let with_letters = each.iter().filter(|t| t.language != "und").count();
    let share = if with_letters == 0 { 0.0 } else { n as f64 / with_letters as f64 };
    let sure = each.iter().filter(|t| t.language == language && t.sure).count();
    let unsure = if language == "und" {
        Some("no text has letters".to_string())
    } else if share < MAJORITY {
        let mix: Vec<String> = counts.iter().take(3).map(|(l, c)| format!("{l} {c}")).collect();
        Some(format!("the texts mix languages ({})", mix.join(", ")))
    } else if sure * 2 < n {
        Some("most texts are too short, or in a script several languages share, to tell for sure".to_string())
    } else {
        None
    };
    LanguageReport { language, share, counts, english: language == "en", unsure }
}

/// Vocabulary pieces of one script from which an encoder reads that script.
/// English BERT vocabularies hold a few hundred single Han, kana or Hangul
/// characters (all-MiniLM-L6-v2: 488, 186 and 70), which do not make them read
/// Chinese, Japanese or Korean; multilingual ones hold thousands per script
/// (multilingual-e5-small: Hangul 5,413, Han 17,133).
const READ_PIECES: usize = 1_000;

/// The scripts a tokenizer's vocabulary reads: those with at least
/// [`READ_PIECES`] pieces made only of that script's letters (WordPiece `##`
/// and SentencePiece `▁`/`Ġ` markers aside), in a fixed order.
pub fn vocabulary_scripts<S: AsRef<str>>(pieces: &[S]) -> Vec<&'static str> {
    let mut counts = [0usize; Script::ALL.len()];
    for piece in pieces {
        let mut script = None;
        for c in piece.as_ref().chars().filter(|c| c.is_alphabetic()) {
            match (script, script_of(c)) {
                (_, None) => {
                    script = None;
                    break;
                }
                (None, Some(s)) => script = Some(s),
                (Some(a), Some(b)) if a != b => {
                    script = None;
                    break;
                }
                _ => {}
            }
        }
        if let Some(s) = script {
            counts[s as usize] += 1;
        }
    }
    Script::ALL.iter().filter(|s| counts[**s as usize] >= READ_PIECES).map(|s| s.name()).collect()
}

/// Whether an encoder suits a set of texts, and what to do when it does not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EncoderFit {
    /// The texts' language, as [`detect_language`] reports it.
    pub language: &'static str,
    /// Whether the encoder's vocabulary reads the script of every language
    /// that holds at least a tenth of the texts.
    pub reads: bool,
    /// What to do, when the encoder will not serve the texts well.
    pub advice: Option<String>,
}

/// The multilingual encoder nunchi runs, named in advice.
const MULTILINGUAL: &str = "a multilingual encoder such as multilingual-e5-small (Hub id intfloat/multilingual-e5-small)";
/// A language counts in the advice from this share of the texts.
const NOTABLE_SHARE: f64 = 0.1;

/// Whether `model`, whose vocabulary reads `scripts` ([`vocabulary_scripts`]),
/// suits `texts`: a language it cannot read (Korean for all-MiniLM-L6-v2, whose
/// embeddings of Hangul are near chance) gets advice to use a multilingual
/// encoder, and so does Latin-script text that is not English when the
/// vocabulary reads Latin alone (English-only encoders are the common case).
pub fn encoder_fit(texts: &[&str], scripts: &[&str], model: &str) -> EncoderFit {
    let report = detect_language(texts);
    let with_letters: usize = report.counts.iter().filter(|(l, _)| *l != "und").map(|(_, n)| n).sum();
    let notable = report
        .counts
        .iter()
        .filter(|(l, n)| *l != "und" && *n as f64 >= NOTABLE_SHARE * with_letters as f64)
        .filter_map(|(l, n)| language_script(l).map(|(script, name)| (script, name, *n)));
    let share = |n: usize| format!("{:.0}% of the {with_letters} texts with letters", 100.0 * n as f64 / with_letters as f64);
    for (script, name, n) in notable.clone() {
        if !scripts.contains(&script.name()) {
            return EncoderFit {
                language: report.language,
                reads: false,
                advice: Some(format!(
                    "{} look {name} ({}), which {model}'s vocabulary does not read: its embeddings of them are \
                     near chance. Use {MULTILINGUAL}.",
                    if n == with_letters { "the texts" } else { "some texts" },
                    share(n)
                )),
            };
        }
    }
    let latin_only = scripts == [Script::Latin.name()];
    let advice = notable.filter(|(_, name, _)| latin_only && name.starts_with("a Latin")).map(|(_, name, n)| {
        format!(
            "the texts look like {name} ({}); if {model} was trained on English only, as all-MiniLM-L6-v2 \
             and all-mpnet-base-v2 were, {MULTILINGUAL} reads them better.",
            share(n)
        )
    });
    EncoderFit { language: report.language, reads: true, advice: advice.into_iter().next() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_english_words_decide() {
        let cases = [
            ("The delivery was late and the box was damaged.", "en", true),
            ("배송이 너무 늦었어요 ㅠㅠ", "ko", true),
            ("이 영화 OST가 정말 좋아요, best soundtrack", "ko", true),
            ("配達が遅れました。", "ja", true),
            ("快递太慢了", "zh", true),
            ("La livraison était très en retard, le colis abîmé.", "latin", true),
            ("Great!", "en", false),
            ("Доставка опоздала", "ru", false),
            ("", "und", false),
            ("!!! 123", "und", false),
        ];
        for (text, language, sure) in cases {
            assert_eq!(detect_text(text), TextLanguage { language, sure }, "{text}");
        }
    }

    #[test]
    fn sets_name_their_language_or_why_unsure() {
        let english = ["I want a refund for my order.", "Where is my card?", "The app keeps crashing when I log in."];
        let r = detect_language(&english);
        assert!(r.english && r.unsure.is_none() && r.share == 1.0, "{r:?}");
        let mixed = ["I want a refund for my order.", "환불해 주세요 빨리요", "The app keeps crashing.", "앱이 계속 꺼져요"];
        let r = detect_language(&mixed);
        assert!(r.unsure.as_deref().is_some_and(|u| u.contains("mix")), "{r:?}");
        let r = detect_language(&["", "?!"]);
        assert_eq!((r.language, r.english), ("und", false));
        assert!(detect_language(&[]).unsure.is_some());
    }
}
