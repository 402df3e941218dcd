//! Charts drawn on the server as inline SVG: horizontal bars for categories and lines
//! for time. No script, no style attribute (the CSP forbids inline styles; colours are
//! presentation attributes), no third party. Drawn 320 units wide so that text stays
//! legible on a 360 px phone; the stylesheet caps their width on large screens.
//! Each chart names itself (`role="img"`, `<title>`) and every mark carries its value
//! in a `<title>`; the page always puts the same figures in a table beside it.

use std::fmt::Write;

/// Marks' colours: dark enough on white (≥ 4.5:1) and distinct for the common
/// colour-vision deficiencies (Okabe–Ito, darkened).
const COLOURS: &[&str] = &[
    "#7a1f2b", "#0b5f8a", "#8a5a00", "#1e6b3a", "#6a3d9a", "#4d4d4d",
];

const WIDTH: f64 = 320.0;

/// Escape text for SVG (XML) content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A "nice" upper bound for an axis: 1, 2 or 5 × 10ⁿ at or above `max`.
fn nice_max(max: i64) -> i64 {
    if max <= 1 {
        return 1;
    }
    let mut step: i64 = 1;
    loop {
        for m in [1, 2, 5] {
            if let Some(v) = step.checked_mul(m) {
                if v >= max {
                    return v;
                }
            }
        }
        match step.checked_mul(10) {
            Some(s) => step = s,
            None => return max,
        }
    }
}

/// Shorten a label to `n` characters with an ellipsis.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Horizontal bars, one per `(label, value)`, largest scale fitting the largest value.
/// Labels sit above their bar so long names need no margin.
pub fn bars(title: &str, items: &[(String, i64)]) -> String {
    let max = nice_max(items.iter().map(|(_, v)| *v).max().unwrap_or(0));
    let row = 34.0;
    let top = 8.0;
    let h = top + row * items.len() as f64 + 8.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {h}" width="100%" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" font-size="12"><title>{t}</title>"#,
        t = esc(title)
    );
    let room = WIDTH - 48.0;
    for (i, (label, v)) in items.iter().enumerate() {
        let y = top + row * i as f64;
        let w = if max > 0 {
            (*v as f64 / max as f64 * room).max(if *v > 0 { 1.0 } else { 0.0 })
        } else {
            0.0
        };
        let _ = write!(
            s,
            r##"<g><title>{l}: {v}</title><text x="0" y="{ty}" fill="#1d2327">{lc}</text><rect x="0" y="{ry}" width="{w:.1}" height="14" fill="{c}"/><text x="{tx:.1}" y="{vy}" fill="#1d2327">{v}</text></g>"##,
            l = esc(label),
            lc = esc(&clip(label, 44)),
            ty = y + 11.0,
            ry = y + 15.0,
            c = COLOURS.first().copied().unwrap_or("#000"),
            tx = w + 4.0,
            vy = y + 26.5,
        );
    }
    s.push_str("</svg>");
    s
}

/// One line per series over the same ordered x labels (years or months). A legend
/// names the series when there is more than one.
pub fn lines(title: &str, xs: &[String], series: &[(String, Vec<i64>)]) -> String {
    let max = nice_max(
        series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .max()
            .unwrap_or(0),
    );
    // Room on the left for five-digit axis values.
    let (left, right, top, plot_h) = (46.0, 10.0, 10.0, 150.0);
    let legend_rows = if series.len() > 1 { series.len() } else { 0 };
    let h = top + plot_h + 24.0 + 18.0 * legend_rows as f64;
    let plot_w = WIDTH - left - right;
    let n = xs.len();
    let x_at = |i: usize| {
        if n <= 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y_at = |v: i64| top + plot_h - plot_h * v as f64 / max as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {h}" width="100%" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" font-size="11"><title>{t}</title>"#,
        t = esc(title)
    );
    // Axes and three gridlines with their values.
    for k in 0..=2 {
        let v = max * k / 2;
        let y = y_at(v);
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="#d5dade"/><text x="{tx}" y="{ty:.1}" text-anchor="end" fill="#5b6770">{v}</text>"##,
            x2 = WIDTH - right,
            tx = left - 4.0,
            ty = y + 4.0
        );
    }
    // At most six x labels, always the first and the last.
    let every = n.div_ceil(6).max(1);
    for (i, x) in xs.iter().enumerate() {
        if i % every == 0 || i + 1 == n {
            if i + 1 != n && (n - 1 - i) < every && i != 0 {
                continue;
            }
            let anchor = if i == 0 && n > 1 {
                "start"
            } else if i + 1 == n && n > 1 {
                "end"
            } else {
                "middle"
            };
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}" fill="#5b6770">{}</text>"##,
                x_at(i),
                top + plot_h + 16.0,
                esc(x)
            );
        }
    }
    for (si, (name, values)) in series.iter().enumerate() {
        let c = COLOURS.get(si % COLOURS.len()).copied().unwrap_or("#000");
        let pts: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x_at(i), y_at(*v)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{c}" stroke-width="2"/>"#,
            pts.join(" ")
        );
        if n <= 40 {
            for (i, v) in values.iter().enumerate() {
                let _ = write!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{c}"><title>{}{}: {v}</title></circle>"#,
                    x_at(i),
                    y_at(*v),
                    if series.len() > 1 {
                        format!("{}, ", esc(name))
                    } else {
                        String::new()
                    },
                    esc(xs.get(i).map_or("", String::as_str))
                );
            }
        }
        if legend_rows > 0 {
            let y = top + plot_h + 30.0 + 18.0 * si as f64;
            let _ = write!(
                s,
                r##"<rect x="{left}" y="{:.1}" width="12" height="4" fill="{c}"/><text x="{:.1}" y="{:.1}" fill="#1d2327">{}</text>"##,
                y - 4.0,
                left + 18.0,
                y,
                esc(&clip(name, 40))
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_labels_and_scale_to_the_largest() {
        let svg = bars(
            "Incidents <by> type",
            &[("A & B".into(), 10), ("<script>".into(), 5)],
        );
        assert!(svg.contains("A &amp; B: 10"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("<script>"));
        assert!(!svg.contains("style="));
        assert!(svg.contains(r#"width="272.0""#), "{svg}");
        assert!(svg.contains(r#"width="136.0""#), "{svg}");
    }

    #[test]
    fn lines_have_one_polyline_per_series_and_a_legend() {
        let xs: Vec<String> = (2019..2025).map(|y| y.to_string()).collect();
        let svg = lines(
            "t",
            &xs,
            &[
                ("CO".into(), vec![1, 2, 3, 4, 5, 6]),
                ("MX".into(), vec![0; 6]),
            ],
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 12);
        assert!(svg.contains(">2019<") && svg.contains(">2024<"));
        assert!(svg.contains("MX, 2020: 0"));
    }

    #[test]
    fn nice_axis_bounds() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(11), 20);
        assert_eq!(nice_max(201), 500);
    }
}
