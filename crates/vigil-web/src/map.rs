//! A world choropleth map drawn on the server as inline SVG: no script, no style
//! attribute (colours are presentation attributes), nothing from a third party.
//!
//! The shapes are `assets/map/world.txt`, made once by `assets/map/make_world_map.py`
//! from the npm package `world-atlas` 2.0.2 (ISC), itself made from Natural Earth's
//! 1:110m countries (public domain): Equal Earth projection, borders simplified to
//! 1.5 units of a 300-unit-wide map and stored as relative SVG path data (about 6 KB,
//! so a page with a map stays within its 30 KB). Small states that 1:110m leaves out (most island states) are dots, drawn
//! only when they have a value, so they stay visible and can be hovered.
//!
//! Two colourings share one renderer: [`counts`] classes numbers into a few
//! sequential steps, [`categories`] gives each country one of the caller's categories
//! (a UN vote's yes / no / abstain, say). Either way every coloured country carries a
//! `<title>` with its name and value, countries without a value are neutral grey in
//! one shape, a legend names every colour, and the page puts the figures in a table
//! beside the map. Codes the map has no shape for (unknown, withheld groups, codes
//! outside ISO 3166-1) are left off the map and stay in the table.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::OnceLock;

use vigil_domain::country::Countries;

use crate::chart::esc;

const DATA: &str = include_str!("../assets/map/world.txt");

/// Grey of countries without a value.
pub const NO_DATA: &str = "#dfe3e6";
/// Grey of countries whose value is withheld (e.g. a suppressed small count).
pub const WITHHELD: &str = "#8d979f";
/// Sequential steps, light to dark (ColorBrewer OrRd, the lightest step darkened so
/// it stands apart from the no-data grey).
pub const STEPS: [&str; 5] = ["#fdd49e", "#fdae6b", "#f16913", "#c4420c", "#7f2704"];
/// Colours for categorical maps, distinct for the common colour-vision deficiencies
/// (Okabe–Ito): blue, vermilion, bluish green, reddish purple, yellow, sky blue.
pub const CATEGORY_COLOURS: [&str; 6] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
];
/// Classes drawn at most on a numeric map.
pub const MAX_CLASSES: usize = 5;

/// How one country is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// SVG path data, in map units.
    Path(&'static str),
    /// A dot at this point (a state too small for the map's scale).
    Dot(f32, f32),
}

/// The packaged country shapes.
#[derive(Debug)]
pub struct World {
    pub width: u32,
    pub height: u32,
    /// (ISO 3166-1 alpha-2, shape), sorted by code.
    shapes: Vec<(String, Shape)>,
    index: HashMap<String, usize>,
}

impl World {
    /// The shapes, parsed once.
    pub fn get() -> &'static World {
        static WORLD: OnceLock<World> = OnceLock::new();
        WORLD.get_or_init(|| World::parse(DATA))
    }

    /// Parse the data file; lines that do not parse or name no known country are
    /// skipped (the unit tests check that none is).
    fn parse(data: &'static str) -> World {
        let mut lines = data
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
        let (width, height) = lines
            .next()
            .and_then(|l| l.split_once(' '))
            .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
            .unwrap_or((300, 150));
        let countries = Countries::get();
        let mut shapes: Vec<(String, Shape)> = lines
            .filter_map(|l| {
                let mut parts = l.splitn(3, ' ');
                let key = parts.next()?;
                let kind = parts.next()?;
                let rest = parts.next()?;
                let alpha2 = if key.chars().all(|c| c.is_ascii_digit()) {
                    countries.resolve(key)?.alpha2.clone()
                } else if key.len() == 2 && key.chars().all(|c| c.is_ascii_uppercase()) {
                    key.to_owned()
                } else {
                    return None;
                };
                let shape = match kind {
                    "P" => Shape::Path(rest),
                    "D" => {
                        let (x, y) = rest.split_once(' ')?;
                        Shape::Dot(x.parse().ok()?, y.parse().ok()?)
                    }
                    _ => return None,
                };
                Some((alpha2, shape))
            })
            .collect();
        shapes.sort_by(|a, b| a.0.cmp(&b.0));
        shapes.dedup_by(|a, b| a.0 == b.0);
        let index = shapes
            .iter()
            .enumerate()
            .map(|(i, (c, _))| (c.clone(), i))
            .collect();
        World {
            width,
            height,
            shapes,
            index,
        }
    }

    /// The shape of a country by alpha-2 code (upper case), if the map has one.
    pub fn shape(&self, alpha2: &str) -> Option<Shape> {
        self.index
            .get(alpha2)
            .and_then(|&i| self.shapes.get(i))
            .map(|(_, s)| *s)
    }

    /// Every code the map can draw, sorted.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.shapes.iter().map(|(c, _)| c.as_str())
    }
}

/// Words the map shows, in the reader's language.
#[derive(Debug, Clone)]
pub struct MapText<'a> {
    /// Names the map (`<title>`, `aria-label`).
    pub title: &'a str,
    /// Language of country names (`en`, `es`).
    pub lang: &'a str,
    /// Legend entry for countries without a value.
    pub no_data: &'a str,
    /// Legend entry and value text for withheld values.
    pub withheld: &'a str,
}

/// One country's value on a numeric map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Count(i64),
    /// Known but not published (e.g. below the disclosure threshold).
    Withheld,
}

/// One category of a categorical map.
#[derive(Debug, Clone)]
pub struct Category<'a> {
    pub label: &'a str,
    /// A colour as an SVG presentation value (`#rrggbb`).
    pub colour: &'a str,
}

/// An inclusive range of counts and its colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub low: i64,
    pub high: i64,
    pub colour: &'static str,
}

impl Class {
    pub fn label(&self) -> String {
        if self.low == self.high {
            self.low.to_string()
        } else {
            format!("{}–{}", self.low, self.high)
        }
    }
}

/// The largest of 1, 2 or 5 × 10ⁿ at or below `x` (1 below 1).
fn nice_at_most(x: f64) -> i64 {
    let mut best: i64 = 1;
    let mut step: i64 = 1;
    loop {
        for m in [1, 2, 5] {
            match step.checked_mul(m) {
                Some(v) if v as f64 <= x => best = v,
                _ => return best,
            }
        }
        match step.checked_mul(10) {
            Some(s) => step = s,
            None => return best,
        }
    }
}

/// Classes for these counts: at most [`MAX_CLASSES`] (fewer when there are fewer
/// distinct values), from the smallest count to the largest, with upper bounds at
/// "nice" numbers (1, 2, 5, 10, 20, …) at or below points spaced evenly on a log scale
/// between them, the last bound the largest count itself. Counts of zero
/// or less belong to no class.
pub fn classes(values: impl IntoIterator<Item = i64>) -> Vec<Class> {
    let mut positive: Vec<i64> = values.into_iter().filter(|v| *v > 0).collect();
    positive.sort_unstable();
    positive.dedup();
    let (Some(&min), Some(&max)) = (positive.first(), positive.last()) else {
        return Vec::new();
    };
    let n = positive.len().min(MAX_CLASSES);
    let ratio = max as f64 / min as f64;
    let mut highs: Vec<i64> = (1..n)
        .map(|k| nice_at_most(min as f64 * ratio.powf(k as f64 / n as f64)))
        .filter(|h| min <= *h && *h < max)
        .collect();
    highs.push(max);
    highs.sort_unstable();
    highs.dedup();
    let steps = highs.len();
    let mut low = min;
    highs
        .into_iter()
        .enumerate()
        .map(|(i, high)| {
            // Spread the classes over the whole ramp, always ending on its darkest step.
            let step = if steps <= 1 {
                STEPS.len() - 2
            } else {
                (i * (STEPS.len() - 1) + (steps - 1) / 2) / (steps - 1)
            };
            let c = Class {
                low,
                high,
                colour: STEPS.get(step).copied().unwrap_or(NO_DATA),
            };
            low = high + 1;
            c
        })
        .collect()
}

/// The class a count falls in.
pub fn class_of(classes: &[Class], v: i64) -> Option<&Class> {
    classes.iter().find(|c| c.low <= v && v <= c.high)
}

fn country_name(code: &str, lang: &str) -> String {
    Countries::get()
        .by_alpha2(code)
        .map_or_else(|| code.to_owned(), |c| c.name(lang).to_owned())
}

/// A numeric choropleth: `values` maps alpha-2 codes to counts (codes the map has no
/// shape for are skipped, a repeated code keeps its first value).
pub fn counts(text: &MapText, values: &[(String, Value)]) -> String {
    let world = World::get();
    // Classes from the values the map draws, so that the legend describes the map.
    let cls = classes(values.iter().filter_map(|(code, v)| match v {
        Value::Count(n) if world.shape(&code.to_ascii_uppercase()).is_some() => Some(*n),
        _ => None,
    }));
    let mut fills = BTreeMap::new();
    for (code, v) in values {
        let (colour, shown) = match v {
            Value::Count(n) => match class_of(&cls, *n) {
                Some(c) => (c.colour, n.to_string()),
                None => (NO_DATA, n.to_string()),
            },
            Value::Withheld => (WITHHELD, text.withheld.to_owned()),
        };
        fills
            .entry(code.to_ascii_uppercase())
            .or_insert((colour, shown));
    }
    let mut legend: Vec<(&str, String)> = cls.iter().map(|c| (c.colour, c.label())).collect();
    if values.iter().any(|(_, v)| *v == Value::Withheld) {
        legend.push((WITHHELD, text.withheld.to_owned()));
    }
    render(text, &fills, legend)
}

/// A categorical choropleth: `assigned` maps alpha-2 codes to an index into
/// `categories` (codes without a shape or with an index out of range are skipped).
/// The legend lists every category, used or not, in the order given.
pub fn categories(text: &MapText, categories: &[Category], assigned: &[(String, usize)]) -> String {
    let mut fills = BTreeMap::new();
    for (code, i) in assigned {
        if let Some(c) = categories.get(*i) {
            fills
                .entry(code.to_ascii_uppercase())
                .or_insert((c.colour, c.label.to_owned()));
        }
    }
    let legend = categories
        .iter()
        .map(|c| (c.colour, c.label.to_owned()))
        .collect();
    render(text, &fills, legend)
}

const LEGEND_COLUMNS: u32 = 3;
const LEGEND_ROW: u32 = 17;

fn render(
    text: &MapText,
    fills: &BTreeMap<String, (&str, String)>,
    mut legend: Vec<(&str, String)>,
) -> String {
    let world = World::get();
    legend.push((NO_DATA, text.no_data.to_owned()));
    let rows = (legend.len() as u32).div_ceil(LEGEND_COLUMNS);
    let top = world.height + 8;
    let h = top + rows * LEGEND_ROW;
    let w = world.width;
    let mut s = String::with_capacity(24 * 1024);
    let _ = write!(
        s,
        r#"<svg class="chart map" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" font-size="11"><title>{t}</title>"#,
        t = esc(text.title)
    );
    // Every country without a value in one grey shape.
    let _ = write!(
        s,
        r##"<path fill="{NO_DATA}" stroke="#fff" stroke-width=".5" d=""##
    );
    for (code, shape) in &world.shapes {
        if let (Shape::Path(d), false) = (shape, fills.contains_key(code)) {
            s.push_str(d);
        }
    }
    let _ = write!(s, r#""><title>{}</title></path>"#, esc(text.no_data));
    // Coloured countries grouped by colour, each with its name and value.
    let mut by_colour: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (code, (colour, shown)) in fills {
        by_colour
            .entry(colour)
            .or_default()
            .push((code.as_str(), shown.as_str()));
    }
    let mut dots = String::new();
    s.push_str(r##"<g stroke="#fff" stroke-width=".5">"##);
    for (colour, members) in &by_colour {
        let _ = write!(s, r#"<g fill="{colour}">"#);
        for (code, shown) in members {
            let Some(shape) = world.shape(code) else {
                continue;
            };
            let title = esc(&format!("{}: {}", country_name(code, text.lang), shown));
            match shape {
                Shape::Path(d) => {
                    let _ = write!(s, r#"<path d="{d}"><title>{title}</title></path>"#);
                }
                Shape::Dot(x, y) => {
                    let _ = write!(
                        dots,
                        r#"<circle cx="{x:.0}" cy="{y:.0}" r="2" fill="{colour}"><title>{title}</title></circle>"#
                    );
                }
            }
        }
        s.push_str("</g>");
    }
    s.push_str("</g>");
    // Dots over the shapes, outlined, so a small state by a coast stays visible.
    if !dots.is_empty() {
        let _ = write!(s, r##"<g stroke="#1d2327" stroke-width=".6">{dots}</g>"##);
    }
    let col_w = w / LEGEND_COLUMNS;
    for (i, (colour, label)) in legend.iter().enumerate() {
        let i = i as u32;
        let x = (i % LEGEND_COLUMNS) * col_w;
        let y = top + (i / LEGEND_COLUMNS) * LEGEND_ROW;
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{y}" width="11" height="11" fill="{colour}" stroke="#5b6770" stroke-width=".5"/><text x="{tx}" y="{ty}" fill="#1d2327">{l}</text>"##,
            tx = x + 15,
            ty = y + 10,
            l = esc(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// Checks that `s` is well-formed XML in the subset the charts and the map write:
/// tags nest and close, attribute values are quoted and hold no `<`, `&` starts one of
/// the entities [`esc`] writes, and nothing follows the root element. For tests of
/// this renderer and of pages that embed it.
pub fn check_markup(s: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = s.trim();
    let mut closed_root = false;
    while let Some(i) = rest.find(['<', '&']) {
        let (before, at) = rest.split_at(i);
        if before.contains('>') {
            return Err(format!("stray '>' in {before:?}"));
        }
        if closed_root {
            return Err("markup after the root element".into());
        }
        if let Some(entity) = at.strip_prefix('&') {
            let (name, after) = entity.split_once(';').ok_or("unterminated entity")?;
            if !["amp", "lt", "gt", "quot", "#39"].contains(&name) {
                return Err(format!("unknown entity {name}"));
            }
            rest = after;
            continue;
        }
        let inner = at.get(1..).unwrap_or("");
        let (tag, after) = inner.split_once('>').ok_or("unterminated tag")?;
        rest = after;
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            closed_root = stack.is_empty();
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!("bad tag name {name:?}"));
        }
        let mut a = attrs.trim();
        while !a.is_empty() {
            let (key, value_on) = a
                .split_once("=\"")
                .ok_or(format!("unquoted attribute in <{tag}>"))?;
            if key.is_empty() || key.contains([' ', '"', '<', '=']) {
                return Err(format!("bad attribute name {key:?}"));
            }
            let (value, next) = value_on.split_once('"').ok_or("unterminated attribute")?;
            if value.contains('<') {
                return Err(format!("'<' in attribute {key}"));
            }
            a = next.trim_start();
        }
        if self_closing {
            closed_root = stack.is_empty();
        } else {
            stack.push(name.to_owned());
        }
    }
    if !rest.trim().is_empty() && (closed_root || stack.is_empty()) {
        return Err("text outside the root element".into());
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed {stack:?}"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;

    fn text() -> MapText<'static> {
        MapText {
            title: "Incidents <by> country",
            lang: "en",
            no_data: "No data",
            withheld: "Withheld",
        }
    }

    #[test]
    fn every_line_of_the_data_names_a_country() {
        let lines = DATA
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        let w = World::get();
        assert_eq!(w.codes().count(), lines - 1, "a data line did not parse");
        assert_eq!((w.width, w.height), (300, 132));
        for code in [
            "CO", "BR", "FR", "RU", "US", "IN", "CN", "AU", "ZA", "MX", "SO", "JP", "GB",
        ] {
            assert!(matches!(w.shape(code), Some(Shape::Path(_))), "{code}");
        }
        // Island states too small for 1:110m are dots.
        for code in ["BB", "MT", "SG", "MU", "TO", "LC", "FJ", "CY"] {
            assert!(matches!(w.shape(code), Some(Shape::Dot(..))), "{code}");
        }
        assert!(w.shape("XK").is_some());
        assert!(w.shape("AQ").is_none(), "Antarctica is left out");
        assert!(w.shape("ZZ").is_none());
    }

    #[test]
    fn classes_are_nice_and_cover_every_value() {
        let c = classes([1, 3, 7, 12, 40, 120, 0, -2]);
        let labels: Vec<String> = c.iter().map(Class::label).collect();
        assert_eq!(labels, ["1–2", "3–5", "6–10", "11–20", "21–120"]);
        assert_eq!(c.last().unwrap().colour, STEPS[4]);
        for v in [1, 3, 7, 12, 40, 120] {
            assert!(class_of(&c, v).is_some(), "{v}");
        }
        assert!(class_of(&c, 0).is_none());
        let one = classes([4, 4]);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].label(), "4");
        // Classes start at the smallest count.
        let high = classes([9, 12, 12, 17, 21, 21, 28, 35, 41, 80]);
        assert_eq!(
            high.iter().map(Class::label).collect::<Vec<_>>(),
            ["9–10", "11–20", "21–50", "51–80"]
        );
        assert!(classes([0]).is_empty());
        let two = classes([1, 2]);
        assert_eq!(two.iter().map(Class::label).collect::<Vec<_>>(), ["1", "2"]);
        assert_ne!(two[0].colour, two[1].colour);
    }

    #[test]
    fn counts_colour_title_and_escape() {
        let svg = counts(
            &text(),
            &[
                ("CO".into(), Value::Count(120)),
                ("BR".into(), Value::Count(3)),
                ("BB".into(), Value::Count(1)),
                ("FR".into(), Value::Withheld),
                (String::new(), Value::Count(9)),
                ("ZZ".into(), Value::Count(50)),
            ],
        );
        check_markup(&svg).unwrap();
        assert!(svg.contains("&lt;by&gt;") && !svg.contains("<by>"));
        assert!(!svg.contains("style="));
        let cls = classes([120, 3, 1]);
        let co = class_of(&cls, 120).unwrap().colour;
        let Some(Shape::Path(d)) = World::get().shape("CO") else {
            panic!("no shape for CO")
        };
        let co_group = svg.split(&format!(r#"<g fill="{co}">"#)).nth(1).unwrap();
        assert!(co_group.starts_with(&format!(
            r#"<path d="{d}"><title>Colombia: 120</title></path>"#
        )));
        assert!(svg.contains("<title>Brazil: 3</title>"));
        assert!(svg.contains("<circle") && svg.contains("<title>Barbados: 1</title>"));
        assert!(svg.contains(&format!(r#"<g fill="{WITHHELD}"><path d="#)));
        assert!(svg.contains("<title>France: Withheld</title>"));
        // Codes without a shape are left out; countries without data stay grey.
        assert!(!svg.contains("ZZ"));
        let Some(Shape::Path(pe)) = World::get().shape("PE") else {
            panic!("no shape for PE")
        };
        let grey = svg.split("<g ").next().unwrap();
        assert!(grey.contains(NO_DATA) && grey.contains(pe));
        assert!(!grey.contains(d));
        // The legend: every class, the withheld and the no-data entries.
        for l in [">1–2<", ">3–20<", ">21–120<", ">Withheld<", ">No data<"] {
            assert!(svg.contains(l), "{l} in {svg}");
        }
        assert!(
            svg.contains(r#"role="img""#)
                && svg.contains(r#"aria-label="Incidents &lt;by&gt; country""#)
        );
    }

    #[test]
    fn categories_colour_each_country_and_list_every_category() {
        let cats = [
            Category {
                label: "Yes",
                colour: CATEGORY_COLOURS[0],
            },
            Category {
                label: "No",
                colour: CATEGORY_COLOURS[1],
            },
            Category {
                label: "Abstain",
                colour: CATEGORY_COLOURS[4],
            },
        ];
        let svg = categories(
            &MapText {
                lang: "es",
                ..text()
            },
            &cats,
            &[
                ("co".into(), 0),
                ("US".into(), 1),
                ("RU".into(), 7),
                ("MT".into(), 0),
            ],
        );
        check_markup(&svg).unwrap();
        assert!(svg.contains(&format!(r#"<g fill="{}"><path d="#, CATEGORY_COLOURS[0])));
        assert!(svg.contains("<title>Colombia: Yes</title>"));
        assert!(svg.contains("<title>Estados Unidos: No</title>"), "{svg}");
        assert!(svg.contains("<title>Malta: Yes</title>"));
        assert!(!svg.contains("Rusia"), "an index out of range is skipped");
        for l in [">Yes<", ">No<", ">Abstain<", ">No data<"] {
            assert!(svg.contains(l), "{l}");
        }
    }

    #[test]
    fn a_full_map_stays_small() {
        // Every country coloured: the largest the map can be.
        let all: Vec<(String, Value)> = World::get()
            .codes()
            .enumerate()
            .map(|(i, c)| (c.to_owned(), Value::Count(i as i64 + 1)))
            .collect();
        let svg = counts(&text(), &all);
        check_markup(&svg).unwrap();
        assert!(svg.len() < 22_000, "{} bytes", svg.len());
        let none = counts(&text(), &[]);
        check_markup(&none).unwrap();
        assert!(none.len() < 7_000, "{} bytes", none.len());
    }

    #[test]
    fn the_checker_rejects_broken_markup() {
        assert!(check_markup("<a><b></a></b>").is_err());
        assert!(check_markup("<a x=1></a>").is_err());
        assert!(check_markup("<a>&nbsp;</a>").is_err());
        assert!(check_markup("<a>").is_err());
        assert!(check_markup("<a></a><b></b>").is_err());
        assert!(check_markup("<a></a>x").is_err());
        assert!(check_markup("<a x=\"<\"></a>").is_err());
        assert!(check_markup(r#"<a x="1"><b/></a>"#).is_ok());
    }
}
