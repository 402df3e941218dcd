//! Every string the interface shows comes from a Fluent catalogue (`locales/`).
//! English and Spanish are complete; a test checks both define the same messages.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{static_loader, Loader};
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::{langid, LanguageIdentifier};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

pub const LANGUAGES: &[&str] = &["en", "es"];

/// Pick a supported language from an `Accept-Language` header.
pub fn negotiate(accept: &str) -> &'static str {
    let mut best: Option<(f32, &'static str)> = None;
    for part in accept.split(',') {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        if let Some(lang) = LANGUAGES.iter().find(|l| **l == primary) {
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
    }
    best.map_or("en", |(_, l)| l)
}

/// Translations for one request.
#[derive(Debug, Clone)]
pub struct I18n {
    pub lang: &'static str,
    id: LanguageIdentifier,
}

impl I18n {
    pub fn new(lang: &'static str) -> Self {
        let id = if lang == "es" {
            langid!("es")
        } else {
            langid!("en")
        };
        Self { lang, id }
    }

    /// The message `key`.
    pub fn get(&self, key: &str) -> String {
        LOCALES
            .try_lookup(&self.id, key)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message `key` with `$value` filled in.
    pub fn arg(&self, key: &str, value: &str) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Borrowed("value"), FluentValue::from(value.to_owned()));
        LOCALES
            .try_lookup_with_args(&self.id, key, &args)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message `key` with a number `$n` (plural-aware).
    pub fn n(&self, key: &str, n: impl std::borrow::Borrow<i64>) -> String {
        let n = *n.borrow();
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Borrowed("n"), FluentValue::from(n));
        LOCALES
            .try_lookup_with_args(&self.id, key, &args)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message `key` with several named text arguments filled in.
    pub fn args(&self, key: &str, values: &[(&'static str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = values
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES
            .try_lookup_with_args(&self.id, key, &args)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message `prefix-code`, e.g. `status-verified`.
    pub fn code(&self, prefix: &str, code: impl std::fmt::Display) -> String {
        self.get(&format!("{prefix}-{code}"))
    }

    /// A field error as a sentence.
    pub fn error(&self, e: &vigil_domain::validate::FieldError) -> String {
        self.arg(&e.key, e.arg.as_deref().unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;

    fn ids(src: &str) -> std::collections::BTreeSet<String> {
        src.lines()
            .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next().map(str::to_owned))
            .collect()
    }

    /// Every `.ftl` file of a language, concatenated.
    fn catalogue(lang: &str) -> String {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "ftl"))
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn catalogues_define_the_same_messages() {
        let en = ids(&catalogue("en"));
        let es = ids(&catalogue("es"));
        let missing_es: Vec<_> = en.difference(&es).collect();
        let missing_en: Vec<_> = es.difference(&en).collect();
        assert!(missing_es.is_empty(), "missing in Spanish: {missing_es:?}");
        assert!(missing_en.is_empty(), "missing in English: {missing_en:?}");
        assert!(en.len() > 50);
    }

    #[test]
    fn every_message_used_in_code_and_templates_exists() {
        let en = ids(&catalogue("en"));
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        for dir in ["src", "src/pages", "templates"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            for e in entries.filter_map(Result::ok) {
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                for call in [".get(\"", ".arg(\"", ".n(\""] {
                    for part in text.split(call).skip(1) {
                        let key: String = part
                            .chars()
                            .take_while(|c| {
                                c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'
                            })
                            .collect();
                        if part[key.len()..].starts_with('"')
                            && key.contains('-')
                            && !en.contains(&key)
                        {
                            missing.push(format!("{}: {key}", e.path().display()));
                        }
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "messages used but not defined: {missing:?}"
        );
    }

    #[test]
    fn accept_language_is_negotiated() {
        assert_eq!(negotiate("es-CO,es;q=0.9,en;q=0.8"), "es");
        assert_eq!(negotiate("fr-FR, en;q=0.5, es;q=0.7"), "es");
        assert_eq!(negotiate("de"), "en");
        assert_eq!(negotiate(""), "en");
    }

    #[test]
    fn messages_translate_with_arguments() {
        let es = I18n::new("es");
        assert_eq!(es.get("nav-incidents"), "Incidentes");
        assert!(es.arg("err-unknown-code", "xyz").contains("xyz"));
    }
}
