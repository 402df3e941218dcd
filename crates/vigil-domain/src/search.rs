//! Filters for finding incidents and persons. They round-trip through URL query
//! strings, so a filtered list is a link one can share.

use serde::{Deserialize, Serialize};

/// Filters over incidents; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[serde(default)]
pub struct IncidentFilter {
    /// Full-text query over titles, narratives and names the reader may see.
    pub q: String,
    /// Country (code or name).
    pub country: String,
    pub region: String,
    pub year: Option<i32>,
    pub violation_type: String,
    pub status: String,
    pub perpetrator_type: String,
    /// Linked business sector.
    pub sector: String,
    /// A characteristic of at least one victim (e.g. `indigenous`).
    pub characteristic: String,
    /// 1-based page number.
    pub page: Option<u32>,
}

/// Filters over persons.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[serde(default)]
pub struct PersonFilter {
    /// Full-text query over codes and, for readers allowed to see them, legal names.
    pub q: String,
    pub kind: String,
    pub characteristic: String,
    pub sector: String,
    pub sdg_group: String,
    pub page: Option<u32>,
}

pub const PAGE_SIZE: u32 = 50;

impl IncidentFilter {
    pub fn page(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }

    /// The query string for this filter at another page (for pagination links).
    pub fn query_for_page(&self, page: u32) -> String {
        let mut f = self.clone();
        f.page = if page <= 1 { None } else { Some(page) };
        to_query(&f)
    }
}

impl PersonFilter {
    pub fn page(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }

    pub fn query_for_page(&self, page: u32) -> String {
        let mut f = self.clone();
        f.page = if page <= 1 { None } else { Some(page) };
        to_query(&f)
    }
}

/// Serialise a filter as a query string, leaving out empty fields.
pub(crate) fn to_query<T: Serialize>(f: &T) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(f) else {
        return String::new();
    };
    let mut parts = Vec::new();
    for (k, v) in map {
        let s = match v {
            serde_json::Value::String(s) if !s.is_empty() => s,
            serde_json::Value::Number(n) => n.to_string(),
            _ => continue,
        };
        parts.push(format!("{}={}", k, encode(&s)));
    }
    parts.join("&")
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match; a lower bound when `total_capped` is set.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    /// Counting stopped at `total`: more match than that. Large lists and searches
    /// count at most [`TOTAL_CAP`] rows past the page shown, so a million matches cost
    /// no more to show than a thousand.
    #[serde(default)]
    pub total_capped: bool,
}

/// How many rows past the current page a list counts before it says "more than".
pub const TOTAL_CAP: u32 = 1_000;

impl<T> Page<T> {
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per - 1) / per)
            .unwrap_or(u32::MAX)
            .max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_make_shareable_query_strings() {
        let f = IncidentFilter {
            q: "río & tierra".into(),
            country: "CO".into(),
            year: Some(2024),
            ..Default::default()
        };
        let q = f.query_for_page(3);
        assert!(q.contains("country=CO"));
        assert!(q.contains("year=2024"));
        assert!(q.contains("page=3"));
        assert!(q.contains("q=r%C3%ADo+%26+tierra"));
        assert!(!q.contains("status="));
    }
}
