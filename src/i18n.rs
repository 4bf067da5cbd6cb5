//! The interface in English or Simplified Chinese.
//!
//! Strings are written in English in the code, wrapped in [`t`] (a fixed text) or [`tr!`] (a
//! text with named `{placeholders}`); `assets/i18n/zh.toml` maps each English text to its
//! Chinese. A text missing from the catalogue stays English. Texts that live in tables are
//! marked with [`n_`] where they are written and translated with [`t`] where they are shown.
//! A test reads the sources and checks that every marked text has a translation with the same
//! placeholders, and that the catalogue has no stale entries.
//!
//! The language is per thread: the TUI sets it once on the thread that updates and draws;
//! a test sets it on its own thread.

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::OnceLock;

/// The language of the interface and of the reply explanations.
///
/// Serialised as `"en"` / `"zh"`; `"En"` / `"Zh"` are accepted as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    /// English.
    #[default]
    #[serde(rename = "en", alias = "En", alias = "EN")]
    En,
    /// Simplified Chinese.
    #[serde(rename = "zh", alias = "Zh", alias = "ZH")]
    Zh,
}

impl Lang {
    /// Interpret a language tag or POSIX locale name.
    ///
    /// `"zh"`, `"zh_CN.UTF-8"`, `"zh-TW"`, `"ZH_cn"` -> [`Lang::Zh`];
    /// anything else (including `""`, `"C"`, `"POSIX"`) -> [`Lang::En`].
    #[must_use]
    pub fn parse(s: &str) -> Lang {
        let language = s
            .trim()
            .split(['_', '-', '.', '@', ':'])
            .next()
            .unwrap_or_default();
        if language.eq_ignore_ascii_case("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// The language of the user's locale: the first non-empty of `LC_ALL`,
    /// `LC_MESSAGES` and `LANG`, parsed with [`Lang::parse`]; `En` if none is set.
    #[must_use]
    pub fn from_env() -> Lang {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// [`Lang::from_env`] with an injectable environment (for tests).
    fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(lookup)
            .map(|value| value.to_string_lossy().into_owned())
            .find(|value| !value.trim().is_empty())
            .map_or(Lang::En, |value| Lang::parse(&value))
    }
}

/// English text → Simplified Chinese.
pub const ZH_CATALOGUE: &str = include_str!("../assets/i18n/zh.toml");

thread_local! {
    static LANG: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// Show texts in `lang` on this thread from now on.
pub fn set_lang(lang: Lang) {
    LANG.with(|l| l.set(lang));
}

/// The language of this thread.
pub fn lang() -> Lang {
    LANG.with(Cell::get)
}

fn zh() -> &'static HashMap<String, String> {
    static ZH: OnceLock<HashMap<String, String>> = OnceLock::new();
    // The catalogue is checked by a test; a broken one leaves the interface in English.
    ZH.get_or_init(|| toml::from_str(ZH_CATALOGUE).unwrap_or_default())
}

/// `en` in this thread's language.
pub fn t(en: &'static str) -> &'static str {
    match lang() {
        Lang::En => en,
        Lang::Zh => zh().get(en).map_or(en, String::as_str),
    }
}

/// A text that comes as data (a job's skip reason, marked with [`n_`] where it is made),
/// translated when the catalogue has it, else as it is.
pub fn t_data(en: &str) -> String {
    match lang() {
        Lang::En => en.to_string(),
        Lang::Zh => zh().get(en).map_or_else(|| en.to_string(), String::clone),
    }
}

/// Marks a text for translation where it is written (a table entry); [`t`] translates it
/// where it is shown.
pub const fn n_(en: &'static str) -> &'static str {
    en
}

/// Put the values in for `{name}` placeholders.
pub fn fill(text: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match values.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(&v.to_string()),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A text in this thread's language: `tr!("Delete {n} files?", n = count)`.
#[macro_export]
macro_rules! tr {
    ($en:literal) => {
        $crate::i18n::t($en)
    };
    ($en:literal, $($k:ident = $v:expr),+ $(,)?) => {
        $crate::i18n::fill(
            $crate::i18n::t($en),
            &[$((stringify!($k), &$v as &dyn ::std::fmt::Display)),+],
        )
    };
}

/// The `{names}` in a text, sorted.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_parse() {
        for zh in [
            "zh",
            "zh_CN.UTF-8",
            "zh-TW",
            "zh_TW.Big5",
            "ZH_cn",
            " zh ",
            "zh@pinyin",
        ] {
            assert_eq!(Lang::parse(zh), Lang::Zh, "{zh:?}");
        }
        for en in [
            "",
            "C",
            "POSIX",
            "C.UTF-8",
            "en",
            "en_US.UTF-8",
            "de_DE",
            "zhx",
            "z",
            "hz_CN",
        ] {
            assert_eq!(Lang::parse(en), Lang::En, "{en:?}");
        }
    }

    #[test]
    fn lang_from_lookup_follows_posix_precedence() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(*v))
            }
        };
        assert_eq!(Lang::from_lookup(env(&[])), Lang::En);
        assert_eq!(Lang::from_lookup(env(&[("LANG", "zh_CN.UTF-8")])), Lang::Zh);
        assert_eq!(
            Lang::from_lookup(env(&[("LC_MESSAGES", "zh_TW"), ("LANG", "en_US")])),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_lookup(env(&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")])),
            Lang::En
        );
        // Empty values are skipped.
        assert_eq!(
            Lang::from_lookup(env(&[("LC_ALL", ""), ("LC_MESSAGES", " "), ("LANG", "zh")])),
            Lang::Zh
        );
    }

    #[test]
    fn lang_serde() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Config {
            lang: Lang,
        }
        let config: Config = toml::from_str("lang = \"zh\"").unwrap();
        assert_eq!(config.lang, Lang::Zh);
        let config: Config = toml::from_str("lang = \"En\"").unwrap();
        assert_eq!(config.lang, Lang::En);
        assert!(toml::from_str::<Config>("lang = \"fr\"").is_err());
        assert_eq!(Lang::default(), Lang::En);
    }

    /// Every text marked in the sources (`t("…")`, `tr!("…"`, `n_("…")`), with its file.
    fn marked_texts() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        let mut dirs = vec![root];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("i18n.rs") {
                    files.push(p);
                }
            }
        }
        let mut out = Vec::new();
        for f in files {
            let src = std::fs::read_to_string(&f).unwrap();
            // Tests may use the markers on purpose with texts that are not in the catalogue.
            let src = src.split("#[cfg(test)]").next().unwrap_or_default();
            for marker in ["t(", "tr!(", "n_("] {
                for (i, _) in src.match_indices(marker) {
                    // Only a whole identifier: `t(` and not `set(`.
                    let before = src[..i].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    // The text may start on the next line (rustfmt breaks long calls).
                    let Some(body) = src[i + marker.len()..].trim_start().strip_prefix('"') else {
                        continue;
                    };
                    let mut text = String::new();
                    let mut chars = body.chars();
                    while let Some(c) = chars.next() {
                        match c {
                            '"' => break,
                            '\\' => match chars.next() {
                                Some('n') => text.push('\n'),
                                Some('"') => text.push('"'),
                                Some('\\') => text.push('\\'),
                                Some(other) => {
                                    panic!("{}: escape \\{other} in {text:?}", f.display())
                                }
                                None => break,
                            },
                            c => text.push(c),
                        }
                    }
                    out.push((f.display().to_string(), text));
                }
            }
        }
        out
    }

    #[test]
    fn every_marked_text_has_a_chinese_translation_with_the_same_placeholders() {
        let cat: HashMap<String, String> = toml::from_str(ZH_CATALOGUE).expect("zh.toml parses");
        let marked = marked_texts();
        assert!(
            marked.len() > 100,
            "the scan found only {} texts",
            marked.len()
        );
        let mut missing = Vec::new();
        for (file, en) in &marked {
            match cat.get(en) {
                None => missing.push(format!("{file}: {en:?}")),
                Some(zh) => assert_eq!(
                    placeholders(en),
                    placeholders(zh),
                    "{en:?} → {zh:?}: the placeholders differ"
                ),
            }
        }
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "not in assets/i18n/zh.toml:\n{}",
            missing.join("\n")
        );
        let used: std::collections::HashSet<&str> =
            marked.iter().map(|(_, e)| e.as_str()).collect();
        let stale: Vec<&String> = cat.keys().filter(|k| !used.contains(k.as_str())).collect();
        assert!(stale.is_empty(), "in zh.toml but no longer used: {stale:?}");
    }

    #[test]
    fn texts_follow_the_threads_language_and_fill_placeholders() {
        set_lang(Lang::En);
        assert_eq!(t("Make directory"), "Make directory");
        assert_eq!(tr!("Delete {n} files?", n = 3), "Delete 3 files?");
        set_lang(Lang::Zh);
        assert_ne!(t("Make directory"), "Make directory");
        let zh = tr!("Delete {n} files?", n = 3);
        assert!(zh.contains('3') && !zh.contains("{n}"), "{zh}");
        // Not in the catalogue: English.
        assert_eq!(t("no such text"), "no such text");
        set_lang(Lang::En);
        assert_eq!(
            fill("{a} and {b} and {c}", &[("a", &1), ("b", &"x")]),
            "1 and x and {c}"
        );
        assert_eq!(fill("open { brace", &[]), "open { brace");
        assert_eq!(placeholders("{b} {a}"), vec!["a", "b"]);
    }
}
