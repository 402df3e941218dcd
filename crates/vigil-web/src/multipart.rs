//! A small `multipart/form-data` reader over a body already buffered (the session
//! guard and the upload handlers read the body whole, within the upload limit). Only
//! what forms send: named parts, an optional filename and content type. It must never
//! trust a part's headers for anything but labels: types are checked by content.

use axum::http::{header, HeaderMap};

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: &'a [u8],
}

impl Part<'_> {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(self.data).into_owned()
    }
}

/// The boundary of a `multipart/form-data` request, if it is one.
pub fn boundary(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mut params = ct.split(';');
    if !params
        .next()?
        .trim()
        .eq_ignore_ascii_case("multipart/form-data")
    {
        return None;
    }
    params.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The parts of `body`; `None` if it is not well formed.
pub fn parse<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<Part<'a>>> {
    let delim = format!("--{boundary}");
    let sep = format!("\r\n--{boundary}");
    let mut pos = find(body, delim.as_bytes(), 0)? + delim.len();
    let mut parts = Vec::new();
    loop {
        let rest = body.get(pos..)?;
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        if !rest.starts_with(b"\r\n") {
            return None;
        }
        pos += 2;
        let head_end = find(body, b"\r\n\r\n", pos)?;
        let head = std::str::from_utf8(body.get(pos..head_end)?).ok()?;
        let data_start = head_end + 4;
        let data_end = find(body, sep.as_bytes(), data_start)?;
        let mut part = Part {
            name: String::new(),
            filename: None,
            content_type: None,
            data: body.get(data_start..data_end)?,
        };
        for line in head.split("\r\n") {
            let (k, v) = line.split_once(':')?;
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                part.name = param(v, "name")?;
                part.filename = param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(v.trim().to_owned());
            }
        }
        parts.push(part);
        pos = data_end + sep.len();
    }
}

/// A `key="value"` parameter of a header value.
fn param(v: &str, key: &str) -> Option<String> {
    v.split(';').skip(1).find_map(|p| {
        let (k, val) = p.split_once('=')?;
        (k.trim() == key).then(|| {
            let val = val.trim();
            val.strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or(val)
                .replace("\\\"", "\"")
        })
    })
}

/// The first text field called `name`.
pub fn field(parts: &[Part<'_>], name: &str) -> Option<String> {
    parts
        .iter()
        .find(|p| p.name == name && p.filename.is_none())
        .map(Part::text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_read() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a b.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-\r\n--X\r\n--XyZ--\r\n";
        let parts = parse(body, "XyZ").unwrap_or_default();
        assert_eq!(parts.len(), 2);
        assert_eq!(field(&parts, "csrf").as_deref(), Some("tok"));
        let f = parts.get(1).cloned();
        assert_eq!(
            f.as_ref().and_then(|p| p.filename.as_deref()),
            Some("a b.pdf")
        );
        assert_eq!(f.map(|p| p.data), Some(&b"%PDF-\r\n--X"[..]));
        assert!(parse(b"garbage", "XyZ").is_none());
        assert!(parse(b"--XyZ\r\nno end", "XyZ").is_none());
    }

    #[test]
    fn the_boundary_comes_from_the_content_type() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            "multipart/form-data; boundary=\"abc\""
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(boundary(&h).as_deref(), Some("abc"));
        h.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(boundary(&h), None);
    }
}
