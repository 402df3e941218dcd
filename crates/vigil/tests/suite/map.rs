//! The world choropleth map (vigil-web `map.rs`): the packaged shapes, numeric and
//! categorical colourings on hand-built values, well-formed and small SVG, and the map
//! on the statistics page and at `/statistics/map.svg` on both engines.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::http::{header, StatusCode};
use vigil_domain::model::*;
use vigil_domain::Role;
use vigil_store::Access;
use vigil_web::map::{self, Category, MapText, Shape, Value, World};

use crate::support::{self, backend_tests, TestDb};
use crate::web::Browser;

backend_tests!(
    the_statistics_page_maps_counts_by_country,
    the_map_alone_as_svg_follows_the_filters,
);

const TEXT: MapText<'static> = MapText {
    title: "Incidents by country",
    lang: "en",
    no_data: "No data",
    withheld: "Withheld",
};

/// The `<svg class="chart map" …>…</svg>` inside a page.
fn map_in(html: &str) -> Option<&str> {
    let start = html.find(r#"<svg class="chart map""#)?;
    let len = html[start..].find("</svg>")? + "</svg>".len();
    Some(&html[start..start + len])
}

/// The colour group (`<g fill="…">…</g>`) a country's title sits in.
fn fill_of<'a>(svg: &'a str, title: &str) -> Option<&'a str> {
    let at = svg.find(&format!("<title>{title}</title>"))?;
    let open = svg[..at].rfind(r#"<g fill=""#)? + r#"<g fill=""#.len();
    Some(&svg[open..open + 7])
}

#[test]
fn the_shapes_cover_large_and_small_countries() {
    let w = World::get();
    for code in ["CO", "BR", "FR", "RU", "MX", "GT", "HN", "PH", "IN", "CD"] {
        assert!(
            matches!(w.shape(code), Some(Shape::Path(d)) if d.starts_with('M') && d.ends_with('z')),
            "{code} has an outline"
        );
    }
    // Small island states the 1:110m set leaves out are dots at their place.
    for code in ["BB", "MT", "SG", "TO", "KI", "MV"] {
        assert!(matches!(w.shape(code), Some(Shape::Dot(..))), "{code}");
    }
    let Some(Shape::Dot(x, y)) = w.shape("MT") else {
        panic!("Malta")
    };
    let Some(Shape::Dot(sx, sy)) = w.shape("SG") else {
        panic!("Singapore")
    };
    assert!(x < sx && y < sy, "Malta lies west and north of Singapore");
    assert!(w.codes().count() > 230, "{}", w.codes().count());
}

#[test]
fn a_hand_built_count_map_gets_its_classes_colours_and_titles() {
    let values: Vec<(String, Value)> = [("CO", 40), ("BR", 9), ("FR", 1), ("RU", 2), ("MT", 5)]
        .iter()
        .map(|(c, n)| ((*c).to_owned(), Value::Count(*n)))
        .chain([
            ("GT".to_owned(), Value::Withheld),
            (String::new(), Value::Count(7)),
        ])
        .collect();
    let svg = map::counts(&TEXT, &values);
    map::check_markup(&svg).unwrap();
    // 1, 2, 5, 9, 40 -> four classes (bounds 2, 5, 10 and the largest), light to dark.
    let cls = map::classes([40, 9, 1, 2, 5]);
    let labels: Vec<String> = cls.iter().map(map::Class::label).collect();
    assert_eq!(labels, ["1–2", "3–5", "6–10", "11–40"]);
    assert_eq!(fill_of(&svg, "Colombia: 40"), Some(map::STEPS[4]));
    assert_eq!(fill_of(&svg, "Brazil: 9"), Some(map::STEPS[3]));
    assert_eq!(fill_of(&svg, "France: 1"), Some(map::STEPS[0]));
    assert_eq!(fill_of(&svg, "Guatemala: Withheld"), Some(map::WITHHELD));
    assert!(svg.contains(&format!(
        r#"fill="{}"><title>Malta: 5</title></circle>"#,
        map::STEPS[1]
    )));
    // Countries without data are one grey shape under the coloured ones.
    let Some(Shape::Path(peru)) = World::get().shape("PE") else {
        panic!("Peru")
    };
    let grey = svg.split("<g ").next().unwrap();
    assert!(grey.contains(map::NO_DATA) && grey.contains(peru));
    assert!(!svg.contains("Peru"));
    // The legend names every class and the two greys.
    for l in labels
        .iter()
        .map(String::as_str)
        .chain(["Withheld", "No data"])
    {
        assert!(svg.contains(&format!(">{l}</text>")), "legend {l}");
    }
    assert!(svg.contains(r#"role="img" aria-label="Incidents by country""#));
    assert!(!svg.contains("style="));
}

#[test]
fn a_categorical_map_for_a_vote() {
    let cats = [
        Category {
            label: "Yes",
            colour: map::CATEGORY_COLOURS[0],
        },
        Category {
            label: "No",
            colour: map::CATEGORY_COLOURS[1],
        },
        Category {
            label: "Abstain",
            colour: map::CATEGORY_COLOURS[4],
        },
    ];
    let votes: Vec<(String, usize)> = [("CO", 0), ("BR", 0), ("US", 1), ("IN", 2), ("BB", 0)]
        .iter()
        .map(|(c, i)| ((*c).to_owned(), *i))
        .collect();
    let svg = map::categories(
        &MapText {
            title: "Votación",
            lang: "es",
            no_data: "Sin datos",
            withheld: "Reservado",
        },
        &cats,
        &votes,
    );
    map::check_markup(&svg).unwrap();
    assert_eq!(fill_of(&svg, "Brasil: Yes"), Some(map::CATEGORY_COLOURS[0]));
    assert_eq!(
        fill_of(&svg, "Estados Unidos: No"),
        Some(map::CATEGORY_COLOURS[1])
    );
    assert_eq!(
        fill_of(&svg, "India: Abstain"),
        Some(map::CATEGORY_COLOURS[4])
    );
    assert!(svg.contains("<title>Barbados: Yes</title></circle>"));
    for l in ["Yes", "No", "Abstain", "Sin datos"] {
        assert!(svg.contains(&format!(">{l}</text>")), "{l}");
    }
}

#[test]
fn maps_stay_well_under_the_page_budget() {
    let empty = map::counts(&TEXT, &[]);
    map::check_markup(&empty).unwrap();
    assert!(empty.len() < 7_000, "empty map: {} bytes", empty.len());
    // Thirty countries coloured: a busy statistics page.
    let some: Vec<(String, Value)> = World::get()
        .codes()
        .step_by(8)
        .enumerate()
        .map(|(i, c)| (c.to_owned(), Value::Count(i as i64 * 3 + 1)))
        .collect();
    assert!(some.len() >= 30);
    let svg = map::counts(&TEXT, &some);
    map::check_markup(&svg).unwrap();
    assert!(svg.len() < 9_000, "30 countries: {} bytes", svg.len());
    // Every country at once (a UN vote): still under 22 KB.
    let all: Vec<(String, usize)> = World::get()
        .codes()
        .enumerate()
        .map(|(i, c)| (c.to_owned(), i % 3))
        .collect();
    let cats: Vec<Category> = ["Yes", "No", "Abstain"]
        .iter()
        .zip(map::CATEGORY_COLOURS)
        .map(|(l, c)| Category {
            label: l,
            colour: c,
        })
        .collect();
    let svg = map::categories(&TEXT, &cats, &all);
    map::check_markup(&svg).unwrap();
    assert!(svg.len() < 22_000, "every country: {} bytes", svg.len());
}

// ---------------------------------------------------------------- on the page

fn incident(title: &str, country: &str, victim: Id) -> IncidentInput {
    IncidentInput {
        country: country.into(),
        ..support::simple_incident(title, "2024-05-01", victim)
    }
}

/// Colombia 3, Malta 2, Brazil 1 (in 2023).
async fn data_set(a: &Access) {
    let p = support::create_person(a, "Name Withheld").await.id;
    for (t, c) in [
        ("A", "CO"),
        ("B", "CO"),
        ("C", "CO"),
        ("D", "MT"),
        ("E", "MT"),
    ] {
        a.create_incident(&incident(t, c, p))
            .await
            .expect("incident");
    }
    let mut br = incident("F", "BR", p);
    br.start_date = "2023-02-01".into();
    a.create_incident(&br).await.expect("incident");
}

async fn signed_in(db: &TestDb, role: Role) -> Browser {
    let user = db.user(role).await;
    let mut b = Browser::new(db);
    b.login(&user.username, support::PASSWORD).await;
    assert!(b.has_session());
    b
}

async fn the_statistics_page_maps_counts_by_country(db: TestDb) {
    data_set(&db.access(Role::Admin).await).await;
    let mut b = signed_in(&db, Role::Analyst).await;
    let page = b.get("/statistics?by=country").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.body.clone();
    let svg = map_in(&html).expect("a map on the page");
    map::check_markup(svg).unwrap();
    let cls = map::classes([3, 2, 1]);
    assert_eq!(
        fill_of(svg, "Colombia: 3"),
        Some(map::class_of(&cls, 3).unwrap().colour)
    );
    assert!(svg.contains("<title>Brazil: 1</title>"));
    assert!(svg.contains("<title>Malta: 2</title></circle>"));
    assert!(svg.contains(">No data</text>"));
    // Beside it the bar chart and the table with the same figures.
    assert!(html.contains(r#"<svg class="chart" "#), "the bar chart");
    assert!(html.contains("<td>Colombia</td><td class=\"num\">3</td>"));
    assert!(html.contains("Natural Earth"), "the source under the map");
    assert!(html.contains(r#"href="/statistics/map.svg?by=country"#));
    assert!(!html.contains("style="));
    // Page weight: the HTML and the stylesheet within 30 KB.
    let css = b.get("/static/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    let weight = html.len() + css.body.len();
    assert!(weight <= 30 * 1024, "{weight} bytes");

    // Filtered: Brazil's incident is outside 2024.
    let page = b.get("/statistics?by=country&year=2024").await;
    let svg = map_in(&page.body).expect("map").to_owned();
    assert!(!svg.contains("Brazil"));
    assert!(svg.contains("<title>Colombia: 3</title>"));
    // No map when country is not the only grouping.
    for path in [
        "/statistics?by=year",
        "/statistics?by=year&by2=country",
        "/statistics?by=country&by2=year",
        "/statistics",
    ] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(map_in(&page.body).is_none(), "{path}");
    }
    // In Spanish: names and legend.
    b.lang = Some("es");
    let page = b.get("/statistics?by=country").await;
    let svg = map_in(&page.body).expect("map").to_owned();
    assert!(svg.contains("<title>Brasil: 1</title>"));
    assert!(svg.contains(">Sin datos</text>"));
}

async fn the_map_alone_as_svg_follows_the_filters(db: TestDb) {
    data_set(&db.access(Role::Admin).await).await;
    let mut b = signed_in(&db, Role::Analyst).await;
    let res = b.get("/statistics/map.svg?measure=victims").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.headers.get(header::CONTENT_TYPE).unwrap(),
        "image/svg+xml; charset=utf-8"
    );
    let body = res.body.clone();
    let svg = body
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("an XML declaration");
    map::check_markup(svg).unwrap();
    assert!(svg.contains("<title>Colombia: 3</title>"));
    assert!(svg.contains("<title>Brazil: 1</title>"));
    // The grouping is always by country, whatever `by` says; filters apply.
    let res = b.get("/statistics/map.svg?by=year&country=BR").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("<title>Brazil: 1</title>"));
    assert!(!res.body.contains("Colombia"));
    // Bad filters are refused, naming the field.
    let res = b.get("/statistics/map.svg?from=2024-13").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.starts_with("from: "), "{}", res.body);
    // Signed out: no map.
    let res = Browser::new(&db).get("/statistics/map.svg").await;
    assert_ne!(res.status, StatusCode::OK);
}
