//! Human-readable explanations of FTP reply codes, in English and Simplified
//! Chinese, for skiff's log panel.
//!
//! The table lives in `assets/reply-codes.toml` and is embedded at compile
//! time. Each listed code has a one-sentence `meaning`, where the user can act
//! on it a `hint`, and where worth saying the usual `causes` of the reply.
//! Codes that are not listed fall back to an explanation
//! of their class (first digit), so every code in `100..=699` can be explained.
//!
//! ```
//! use skiff::ftp::replies::{book, Lang};
//! let ex = book().explain(425, Lang::En).expect("425 is in the table");
//! assert!(ex.hint.as_deref().is_some_and(|h| h.contains("active")));
//! ```

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

pub use crate::i18n::Lang;

/// The embedded reply table (see `assets/reply-codes.toml`).
const EMBEDDED: &str = include_str!("../../assets/reply-codes.toml");

/// The class of a reply, given by its first digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyClass {
    /// 1xx: positive preliminary reply (another reply follows).
    Preliminary,
    /// 2xx: positive completion reply.
    Completion,
    /// 3xx: positive intermediate reply (more input needed).
    Intermediate,
    /// 4xx: transient negative reply (a retry may work).
    TransientNegative,
    /// 5xx: permanent negative reply.
    PermanentNegative,
    /// 6xx: protected reply (RFC 2228).
    Protected,
    /// Anything outside `100..=699`.
    Unknown,
}

impl ReplyClass {
    /// Classify a reply code; codes outside `100..=699` are [`ReplyClass::Unknown`].
    #[must_use]
    pub fn of(code: u16) -> ReplyClass {
        match code {
            100..=199 => ReplyClass::Preliminary,
            200..=299 => ReplyClass::Completion,
            300..=399 => ReplyClass::Intermediate,
            400..=499 => ReplyClass::TransientNegative,
            500..=599 => ReplyClass::PermanentNegative,
            600..=699 => ReplyClass::Protected,
            _ => ReplyClass::Unknown,
        }
    }
}

/// The explanation of one reply code in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// What the reply means (one short sentence).
    pub meaning: String,
    /// What the user can do about it, if anything.
    pub hint: Option<String>,
    /// Why servers usually send it, if worth saying.
    pub causes: Option<String>,
}

/// Both languages of one entry; Chinese falls back to English when missing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    en: Explanation,
    zh: Option<Explanation>,
}

impl Entry {
    fn get(&self, lang: Lang) -> &Explanation {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => self.zh.as_ref().unwrap_or(&self.en),
        }
    }
}

/// Class meanings used when the table lacks a `[classes.N]` entry (and for the
/// fallback book if the embedded table ever failed to parse). The TOML file is
/// the authoritative, richer source.
const BUILTIN_CLASSES: [(&str, &str); 6] = [
    ("Positive preliminary reply.", "肯定的初步应答。"),
    ("Positive completion reply.", "肯定的完成应答。"),
    ("Positive intermediate reply.", "肯定的中间应答。"),
    (
        "Transient negative reply; a retry may work.",
        "暂时性否定应答，重试可能会成功。",
    ),
    ("Permanent negative reply.", "永久性否定应答。"),
    ("Protected reply.", "受保护的应答。"),
];

/// A table of reply-code explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyBook {
    codes: BTreeMap<u16, Entry>,
    /// Index 0 is class 1 (1xx) ... index 5 is class 6 (6xx). Always filled.
    classes: [Entry; 6],
}

impl Default for ReplyBook {
    /// A book without exact codes: only the built-in class explanations.
    fn default() -> Self {
        ReplyBook {
            codes: BTreeMap::new(),
            classes: BUILTIN_CLASSES.map(|(en, zh)| Entry {
                en: Explanation {
                    meaning: en.to_owned(),
                    hint: None,
                    causes: None,
                },
                zh: Some(Explanation {
                    meaning: zh.to_owned(),
                    hint: None,
                    causes: None,
                }),
            }),
        }
    }
}

impl ReplyBook {
    /// Parse the table embedded in the binary.
    ///
    /// # Errors
    ///
    /// Only if the embedded file is broken; it is covered by tests, so an
    /// error here is a bug.
    pub fn embedded() -> Result<ReplyBook, toml::de::Error> {
        Self::parse(EMBEDDED)
    }

    /// Parse a table in the format of `assets/reply-codes.toml`.
    ///
    /// Rejects unknown keys, code keys that are not three digits in
    /// `100..=699`, class keys other than `1`..=`6`, and empty meanings.
    /// Blank `hint` and `causes` values are treated as absent.
    /// Missing `[classes.N]` tables are filled with built-in text.
    ///
    /// # Errors
    ///
    /// A TOML syntax error, an unknown or missing field, or one of the
    /// checks above failing.
    pub fn parse(text: &str) -> Result<ReplyBook, toml::de::Error> {
        let raw: RawBook = toml::from_str(text)?;
        let mut book = ReplyBook::default();
        for (key, entry) in raw.codes {
            let code = parse_code_key(&key)
                .ok_or_else(|| invalid(format!("invalid reply code key `codes.{key}`")))?;
            book.codes
                .insert(code, entry.build(&format!("codes.{key}"))?);
        }
        for (key, entry) in raw.classes {
            let class = parse_class_key(&key)
                .ok_or_else(|| invalid(format!("invalid reply class key `classes.{key}`")))?;
            book.classes[class - 1] = entry.build(&format!("classes.{key}"))?;
        }
        Ok(book)
    }

    /// Explain `code` in `lang`: the exact code if listed, otherwise the
    /// explanation of its class. `None` only for codes outside `100..=699`.
    #[must_use]
    pub fn explain(&self, code: u16, lang: Lang) -> Option<&Explanation> {
        if !(100..=699).contains(&code) {
            return None;
        }
        let entry = self
            .codes
            .get(&code)
            .unwrap_or(&self.classes[usize::from(code / 100) - 1]);
        Some(entry.get(lang))
    }

    /// The codes that have their own entry, in ascending order.
    pub fn codes(&self) -> impl Iterator<Item = u16> + '_ {
        self.codes.keys().copied()
    }
}

/// The process-wide reply book, parsed once on first use.
///
/// Never panics: should the embedded table fail to parse, the book holds only
/// the built-in class explanations.
pub fn book() -> &'static ReplyBook {
    static BOOK: OnceLock<ReplyBook> = OnceLock::new();
    BOOK.get_or_init(|| ReplyBook::embedded().unwrap_or_default())
}

// ---------------------------------------------------------------------------
// Deserialisation
// ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBook {
    #[serde(default)]
    codes: BTreeMap<String, RawEntry>,
    #[serde(default)]
    classes: BTreeMap<String, RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    en: RawExplanation,
    zh: Option<RawExplanation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExplanation {
    meaning: String,
    hint: Option<String>,
    causes: Option<String>,
}

impl RawEntry {
    fn build(self, at: &str) -> Result<Entry, toml::de::Error> {
        Ok(Entry {
            en: self.en.build(&format!("{at}.en"))?,
            zh: self
                .zh
                .map(|zh| zh.build(&format!("{at}.zh")))
                .transpose()?,
        })
    }
}

impl RawExplanation {
    fn build(self, at: &str) -> Result<Explanation, toml::de::Error> {
        let meaning = self.meaning.trim();
        if meaning.is_empty() {
            return Err(invalid(format!("empty `meaning` in `{at}`")));
        }
        let optional = |text: Option<String>| {
            text.map(|text| text.trim().to_owned())
                .filter(|text| !text.is_empty())
        };
        Ok(Explanation {
            meaning: meaning.to_owned(),
            hint: optional(self.hint),
            causes: optional(self.causes),
        })
    }
}

fn invalid(message: String) -> toml::de::Error {
    <toml::de::Error as serde::de::Error>::custom(message)
}

/// `"425"` -> `Some(425)`; anything but three ASCII digits in `100..=699` -> `None`.
fn parse_code_key(key: &str) -> Option<u16> {
    if key.len() != 3 || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse().ok().filter(|code| (100..=699).contains(code))
}

/// `"1"`..=`"6"` -> `Some(1..=6)`.
fn parse_class_key(key: &str) -> Option<usize> {
    match key.as_bytes() {
        [digit @ b'1'..=b'6'] => Some(usize::from(digit - b'0')),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code in the reply tables of the Chinese seed documents.
    const SEED_CODES: &[u16] = &[
        110, 120, 125, 150, 200, 202, 211, 212, 213, 214, 215, 220, 221, 225, 226, 227, 230, 250,
        257, 331, 332, 350, 421, 425, 426, 450, 451, 452, 500, 501, 502, 503, 504, 530, 532, 550,
        551, 552, 553,
    ];

    /// Codes sent by modern servers (EPSV/EPRT, AUTH TLS, RFC 2228 security).
    const MODERN_CODES: &[u16] = &[229, 232, 234, 235, 334, 336, 522, 533, 534, 631, 632, 633];

    fn embedded() -> ReplyBook {
        ReplyBook::embedded().expect("embedded reply-codes.toml must parse")
    }

    fn entry(book: &ReplyBook, code: u16) -> &Entry {
        book.codes
            .get(&code)
            .unwrap_or_else(|| panic!("code {code} missing"))
    }

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn embedded_table_parses() {
        let book = embedded();
        assert!(book.codes().count() >= SEED_CODES.len() + MODERN_CODES.len());
        // The process-wide book is the embedded one, not the fallback.
        assert_eq!(super::book(), &book);
    }

    #[test]
    fn seed_and_modern_codes_have_both_languages() {
        let book = embedded();
        for &code in SEED_CODES.iter().chain(MODERN_CODES) {
            let entry = entry(&book, code);
            assert!(!entry.en.meaning.is_empty(), "{code}: empty en meaning");
            let zh = entry
                .zh
                .as_ref()
                .unwrap_or_else(|| panic!("{code}: zh missing"));
            assert!(!zh.meaning.is_empty(), "{code}: empty zh meaning");
        }
    }

    #[test]
    fn every_entry_is_translated_consistently() {
        let book = embedded();
        let entries = book.codes.values().chain(book.classes.iter());
        for entry in entries {
            let zh = entry.zh.as_ref().expect("every entry has zh");
            assert!(
                entry.en.meaning.is_ascii(),
                "en meaning not ASCII: {:?}",
                entry.en.meaning
            );
            assert!(has_cjk(&zh.meaning), "zh meaning untranslated: {zh:?}");
            assert_eq!(
                entry.en.hint.is_some(),
                zh.hint.is_some(),
                "hint present in one language only: {:?}",
                entry.en
            );
            if let Some(hint) = &zh.hint {
                assert!(has_cjk(hint), "zh hint untranslated: {hint:?}");
            }
            assert_eq!(
                entry.en.causes.is_some(),
                zh.causes.is_some(),
                "causes present in one language only: {:?}",
                entry.en
            );
            if let Some(causes) = &entry.en.causes {
                assert!(causes.is_ascii(), "en causes not ASCII: {causes:?}");
            }
            if let Some(causes) = &zh.causes {
                assert!(has_cjk(causes), "zh causes untranslated: {causes:?}");
            }
        }
    }

    #[test]
    fn codes_are_sorted_and_in_range() {
        let codes: Vec<u16> = embedded().codes().collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
        assert!(codes.iter().all(|c| (100..=699).contains(c)));
        assert!(
            !codes.contains(&10054),
            "10054 is a socket error, not a reply"
        );
    }

    #[test]
    fn required_hints_mention_the_key_idea() {
        // (code, words the en hint must contain, words the zh hint must contain)
        let required: &[(u16, &[&str], &[&str])] = &[
            (
                421,
                &["reconnect", "busy", "idle"],
                &["重新连接", "繁忙", "空闲"],
            ),
            (
                425,
                &["active", "passive", "firewall", "NAT"],
                &["主动", "被动", "防火墙", "NAT"],
            ),
            (
                426,
                &["active", "passive", "firewall", "NAT"],
                &["主动", "被动", "防火墙", "NAT"],
            ),
            (450, &["later"], &["稍后"]),
            (451, &["server", "retry"], &["服务器", "重试"]),
            (452, &["space", "quota"], &["空间", "配额"]),
            (
                500,
                &["support", "understand", "skiff"],
                &["不支持", "skiff"],
            ),
            (501, &["support", "skiff"], &["不支持", "skiff"]),
            (502, &["support", "skiff"], &["不支持", "skiff"]),
            (503, &["support", "skiff"], &["不支持", "skiff"]),
            (504, &["support", "skiff"], &["不支持", "skiff"]),
            (522, &["EPSV", "protocol"], &["EPSV", "协议"]),
            (
                530,
                &["user name", "password", "anonymous"],
                &["用户名", "密码", "匿名"],
            ),
            (534, &["TLS"], &["TLS"]),
            (550, &["exists", "permission"], &["存在", "权限"]),
            (552, &["space", "quota"], &["空间", "配额"]),
            (
                553,
                &["file name", "characters", "permission"],
                &["文件名", "字符", "权限"],
            ),
        ];
        let book = embedded();
        for &(code, en_words, zh_words) in required {
            let entry = entry(&book, code);
            let en = entry.en.hint.as_deref().unwrap_or_default();
            let zh = entry.get(Lang::Zh).hint.as_deref().unwrap_or_default();
            for word in en_words {
                assert!(en.contains(word), "{code}: en hint lacks {word:?}: {en:?}");
            }
            for word in zh_words {
                assert!(zh.contains(word), "{code}: zh hint lacks {word:?}: {zh:?}");
            }
        }
    }

    #[test]
    fn informational_codes_have_no_hint() {
        let book = embedded();
        for code in [150, 200, 226, 227, 229, 230, 234, 250, 257, 331] {
            assert_eq!(entry(&book, code).en.hint, None, "{code}");
        }
        for code in [200, 226, 250] {
            assert_eq!(entry(&book, code).en.causes, None, "{code}");
        }
    }

    #[test]
    fn negative_codes_have_causes_in_both_languages() {
        let book = embedded();
        let negative: Vec<u16> = book
            .codes()
            .filter(|code| (400..600).contains(code))
            .collect();
        assert!(negative.len() >= 20, "too few 4xx/5xx codes: {negative:?}");
        for code in negative {
            let entry = entry(&book, code);
            for (lang, explanation) in [("en", &entry.en), ("zh", entry.get(Lang::Zh))] {
                let causes = explanation.causes.as_deref().unwrap_or_default();
                assert!(!causes.trim().is_empty(), "{code}: no {lang} causes");
            }
        }
    }

    #[test]
    fn required_causes_mention_the_key_idea() {
        // (code, words the en causes must contain, words the zh causes must contain)
        let required: &[(u16, &[&str], &[&str])] = &[
            (
                421,
                &["connections", "idle", "shutting down"],
                &["连接数", "空闲", "关闭"],
            ),
            (
                425,
                &["firewall", "NAT", "passive port range"],
                &["防火墙", "NAT", "被动端口"],
            ),
            (452, &["full", "quota"], &["已满", "配额"]),
            (503, &["RNTO", "RNFR", "PASS", "USER"], &["RNTO", "RNFR"]),
            (522, &["IPv6", "EPSV"], &["IPv6", "EPSV"]),
            (
                530,
                &["password", "anonymous", "TLS"],
                &["密码", "匿名", "TLS"],
            ),
            (
                550,
                &["does not exist", "permission", "chroot", "not empty"],
                &["不存在", "权限", "chroot", "非空"],
            ),
            (552, &["quota"], &["配额"]),
            (553, &["characters", "overwrite"], &["字符", "覆盖"]),
        ];
        let book = embedded();
        for &(code, en_words, zh_words) in required {
            let entry = entry(&book, code);
            let en = entry.en.causes.as_deref().unwrap_or_default();
            let zh = entry.get(Lang::Zh).causes.as_deref().unwrap_or_default();
            for word in en_words {
                assert!(en.contains(word), "{code}: en causes lack {word:?}: {en:?}");
            }
            for word in zh_words {
                assert!(zh.contains(word), "{code}: zh causes lack {word:?}: {zh:?}");
            }
        }
    }

    #[test]
    fn explain_prefers_exact_code() {
        let book = embedded();
        let en = book.explain(425, Lang::En).unwrap();
        assert_eq!(en.meaning, "The data connection could not be opened.");
        let zh = book.explain(425, Lang::Zh).unwrap();
        assert_eq!(zh.meaning, "无法打开数据连接。");
        assert!(zh.hint.as_deref().unwrap().contains("主动"));
    }

    #[test]
    fn explain_falls_back_to_class() {
        let book = embedded();
        for (code, class) in [(199, 1), (299, 2), (399, 3), (499, 4), (599, 5), (699, 6)] {
            assert!(!book.codes.contains_key(&code));
            for lang in [Lang::En, Lang::Zh] {
                assert_eq!(
                    book.explain(code, lang),
                    Some(book.classes[class - 1].get(lang)),
                    "{code} {lang:?}"
                );
            }
        }
        assert!(
            book.explain(299, Lang::En)
                .unwrap()
                .meaning
                .contains("completion")
        );
        assert!(
            book.explain(499, Lang::En)
                .unwrap()
                .meaning
                .contains("retry")
        );
        assert!(
            book.explain(499, Lang::Zh)
                .unwrap()
                .meaning
                .contains("暂时")
        );
        assert!(
            book.explain(699, Lang::En)
                .unwrap()
                .meaning
                .contains("Protected")
        );
    }

    #[test]
    fn explain_rejects_codes_outside_range() {
        let book = embedded();
        for code in [0, 1, 99, 700, 999, 10054, u16::MAX] {
            assert_eq!(book.explain(code, Lang::En), None, "{code}");
            assert_eq!(book.explain(code, Lang::Zh), None, "{code}");
        }
        assert!(book.explain(100, Lang::En).is_some());
        assert!(book.explain(699, Lang::Zh).is_some());
    }

    #[test]
    fn reply_class_of() {
        assert_eq!(ReplyClass::of(150), ReplyClass::Preliminary);
        assert_eq!(ReplyClass::of(226), ReplyClass::Completion);
        assert_eq!(ReplyClass::of(331), ReplyClass::Intermediate);
        assert_eq!(ReplyClass::of(421), ReplyClass::TransientNegative);
        assert_eq!(ReplyClass::of(550), ReplyClass::PermanentNegative);
        assert_eq!(ReplyClass::of(631), ReplyClass::Protected);
        assert_eq!(ReplyClass::of(99), ReplyClass::Unknown);
        assert_eq!(ReplyClass::of(700), ReplyClass::Unknown);
        assert_eq!(ReplyClass::of(10054), ReplyClass::Unknown);
    }

    #[test]
    fn parse_custom_table_and_missing_zh_falls_back_to_en() {
        let book = ReplyBook::parse(
            r#"
            [codes.421]
            en = { meaning = "Closing.", hint = "  ", causes = " Too many users. " }
            [codes.425]
            en = { meaning = "No data connection.", causes = "" }
            [classes.4]
            en = { meaning = "Try again." }
            zh = { meaning = "再试一次。" }
            "#,
        )
        .unwrap();
        assert_eq!(book.codes().collect::<Vec<_>>(), vec![421, 425]);
        let zh = book.explain(421, Lang::Zh).unwrap();
        assert_eq!(zh.meaning, "Closing.");
        assert_eq!(zh.hint, None, "blank hint is dropped");
        assert_eq!(
            zh.causes.as_deref(),
            Some("Too many users."),
            "causes are trimmed"
        );
        assert_eq!(
            book.explain(425, Lang::En).unwrap().causes,
            None,
            "empty causes are dropped"
        );
        assert_eq!(book.explain(450, Lang::En).unwrap().causes, None);
        assert_eq!(book.explain(450, Lang::Zh).unwrap().meaning, "再试一次。");
        // Classes missing from the table use the built-in text.
        assert_eq!(
            book.explain(250, Lang::En).unwrap().meaning,
            BUILTIN_CLASSES[1].0
        );
    }

    #[test]
    fn parse_rejects_bad_tables() {
        let bad = [
            "[codes.42]\nen = { meaning = \"x\" }",
            "[codes.0425]\nen = { meaning = \"x\" }",
            "[codes.700]\nen = { meaning = \"x\" }",
            "[codes.099]\nen = { meaning = \"x\" }",
            "[codes.abc]\nen = { meaning = \"x\" }",
            "[classes.7]\nen = { meaning = \"x\" }",
            "[classes.0]\nen = { meaning = \"x\" }",
            "[codes.425]\nen = { meaning = \" \" }",
            "[codes.425]\nzh = { meaning = \"x\" }",
            "[codes.425]\nen = { meaning = \"x\", hnit = \"typo\" }",
            "[codes.425]\nen = { meaning = \"x\", cause = \"typo\" }",
            "[codes.425]\nen = { meaning = \"x\", causes = 1 }",
            "[codes.425]\nen = { meaning = \"x\" }\nfr = { meaning = \"x\" }",
            "[code.425]\nen = { meaning = \"x\" }",
            "not toml at all",
        ];
        for text in bad {
            assert!(ReplyBook::parse(text).is_err(), "accepted: {text:?}");
        }
        let err = ReplyBook::parse("[codes.42]\nen = { meaning = \"x\" }").unwrap_err();
        assert!(err.to_string().contains("codes.42"), "{err}");
    }

    #[test]
    fn default_book_explains_every_class() {
        let book = ReplyBook::default();
        assert_eq!(book.codes().count(), 0);
        for code in (100..=699).step_by(50) {
            for lang in [Lang::En, Lang::Zh] {
                assert!(!book.explain(code, lang).unwrap().meaning.is_empty());
            }
        }
    }
}
