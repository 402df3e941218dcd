#!/usr/bin/env python3
"""Build `world.txt`, the country shapes that Vigil's choropleth map draws (src/map.rs).

Source: the npm package `world-atlas` 2.0.2 (ISC licence, Copyright 2013-2019 Michael
Bostock), TopoJSON made from Natural Earth's 1:110m and 1:50m "Admin 0 - Countries"
(public domain). Get it with `npm pack world-atlas@2.0.2` and unpack it; nothing is
fetched at build or run time, only this script's output is kept in the repository.

    python3 make_world_map.py path/to/package > world.txt

What it does:
- Shapes: countries-110m.json. Each shared border (TopoJSON arc) is projected with
  the Equal Earth projection (equal-area, so areas compare fairly on a choropleth),
  scaled to WIDTH units, simplified once (Douglas-Peucker, TOLERANCE units) and
  rounded to whole units, so that neighbours keep one common border. Rings that
  vanish at this scale are dropped; a country left with none becomes a dot.
- Dots: countries (mostly small island states) that 1:110m leaves out are taken from
  countries-50m.json as a dot at the centre of their largest ring.
- Antarctica is left out (no population to document; it would take a fifth of the height).
- Features without an ISO code: Northern Cyprus is drawn with CY and Somaliland with SO
  (the ISO 3166-1 codes their incidents are recorded under); Kosovo keys as XK.

Output: comment lines (#), then `W H` (the viewBox), then one line per country:
`KEY P d` (SVG path data, relative) or `KEY D x y` (a dot), KEY being the ISO 3166-1
numeric code, or XK.
"""
import json
import math
import sys

WIDTH = 300
TOLERANCE = 1.5
SKIP = {"010"}  # Antarctica
MERGE = {"N. Cyprus": "196", "Somaliland": "706", "Kosovo": "XK"}

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon, lat):
    lam, phi = math.radians(lon), math.radians(lat)
    t = math.asin(M * math.sin(phi))
    t2 = t * t
    t6 = t2 * t2 * t2
    x = lam * math.cos(t) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = t * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, -y


def decode_arcs(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def split_at_antimeridian(arc):
    """Cut an arc where it crosses 180°: pieces, each wholly on one side."""
    pieces = [[arc[0]]]
    for (x1, y1), (x2, y2) in zip(arc, arc[1:]):
        if abs(x2 - x1) > 180:
            side = 180.0 if x1 > 0 or (x1 == 0 and x2 < 0) else -180.0
            x2u = x2 + 2 * side
            t = (side - x1) / (x2u - x1) if x2u != x1 else 0.0
            yc = y1 + t * (y2 - y1)
            if pieces[-1][-1] != (side, yc):
                pieces[-1].append((side, yc))
            pieces.append([(-side, yc)])
            if (x2, y2) != (-side, yc):
                pieces[-1].append((x2, y2))
        else:
            pieces[-1].append((x2, y2))
    return pieces


def rings_of(geom):
    if geom["type"] == "Polygon":
        return [geom["arcs"]]
    if geom["type"] == "MultiPolygon":
        return geom["arcs"]
    return []


def ring_points(ring, arcs):
    pts = []
    for a in ring:
        p = arcs[a] if a >= 0 else arcs[~a][::-1]
        pts.extend(p if not pts else p[1:])
    return pts


def ring_parts(ring, pieces):
    """A ring's points as polygons on either side of 180° (one when it does not cross).

    `pieces[a]` is arc a as its pieces; a jump separates consecutive pieces."""
    segs = [[]]
    for a in ring:
        ps = pieces[a] if a >= 0 else [p[::-1] for p in pieces[~a][::-1]]
        for k, p in enumerate(ps):
            if k > 0:
                segs.append([])
            cur = segs[-1]
            cur.extend(p if not cur else p[1:])
    if len(segs) == 1:
        return segs
    # The ring starts inside a segment: its last segment continues its first.
    segs[0] = segs[-1] + segs[0][1:]
    segs.pop()
    sides = [[], []]
    for i, s in enumerate(segs):
        sides[i % 2].extend(s)
    return [s for s in sides if s]


def dp(pts, tol):
    if len(pts) < 3:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        (x1, y1), (x2, y2) = pts[i], pts[j]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        best, idx = -1.0, -1
        for k in range(i + 1, j):
            x0, y0 = pts[k]
            if norm == 0:
                d = math.hypot(x0 - x1, y0 - y1)
            else:
                d = abs(dy * x0 - dx * y0 + x2 * y1 - y2 * x1) / norm
            if d > best:
                best, idx = d, k
        if best > tol:
            keep[idx] = True
            stack.append((i, idx))
            stack.append((idx, j))
    return [p for p, k in zip(pts, keep) if k]


def area(pts):
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]))


def main(pkg):
    topo = json.load(open(f"{pkg}/countries-110m.json"))
    geoms = topo["objects"]["countries"]["geometries"]
    raw = decode_arcs(topo)
    pieces = [split_at_antimeridian(arc) for arc in raw]
    # Fit the kept countries' bounding box to WIDTH.
    used = set()
    for g in geoms:
        key = g.get("id") or MERGE.get(g["properties"]["name"])
        if key in SKIP:
            continue
        for poly in rings_of(g):
            for ring in poly:
                used.update(a if a >= 0 else ~a for a in ring)
    flat = [equal_earth(*p) for a in used for piece in pieces[a] for p in piece]
    xs = [x for x, _ in flat]
    ys = [y for _, y in flat]
    x0, y0 = min(xs), min(ys)
    scale = WIDTH / (max(xs) - x0)
    height = math.ceil((max(ys) - y0) * scale)

    def to_units(p):
        return ((p[0] - x0) * scale, (p[1] - y0) * scale)

    full_pieces = [
        [[to_units(equal_earth(*p)) for p in piece] for piece in arc] for arc in pieces
    ]
    simplified = [
        [
            [
                (round(x), round(y))
                for x, y in dp([to_units(equal_earth(*p)) for p in piece], TOLERANCE)
            ]
            for piece in arc
        ]
        if i in used
        else [[]]
        for i, arc in enumerate(pieces)
    ]

    shapes = {}  # key -> list of rings (integer points)
    order = []
    for g in geoms:
        key = g.get("id") or MERGE.get(g["properties"]["name"])
        if not key or key in SKIP:
            continue
        if key not in shapes:
            shapes[key] = {"rings": [], "dot": None}
            order.append(key)
        best = None
        for poly in rings_of(g):
            for ri, ring in enumerate(poly):
                for pts in ring_parts(ring, simplified):
                    clean = []
                    for p in pts:
                        if not clean or clean[-1] != p:
                            clean.append(p)
                    while len(clean) > 1 and clean[0] == clean[-1]:
                        clean.pop()
                    if len(clean) >= 3 and abs(area(clean)) >= 0.5:
                        shapes[key]["rings"].append(clean)
                for full in ring_parts(ring, full_pieces):
                    if ri == 0 and (best is None or abs(area(full)) > abs(area(best))):
                        best = full
        if best:
            shapes[key]["dot"] = centre(best)

    # Small states only the 1:50m set has.
    t50 = json.load(open(f"{pkg}/countries-50m.json"))
    pieces50 = [
        [[to_units(equal_earth(*p)) for p in piece] for piece in split_at_antimeridian(arc)]
        for arc in decode_arcs(t50)
    ]
    for g in t50["objects"]["countries"]["geometries"]:
        key = g.get("id")
        if not key or key in SKIP or key in shapes:
            continue
        best = None
        for poly in rings_of(g):
            for ring in ring_parts(poly[0], pieces50):
                if best is None or abs(area(ring)) > abs(area(best)):
                    best = ring
        if best:
            shapes[key] = {"rings": [], "dot": centre(best)}
            order.append(key)

    print("# Country shapes for Vigil's choropleth map; generated by make_world_map.py.")
    print("# Source: world-atlas 2.0.2 (ISC, Copyright 2013-2019 Michael Bostock), from")
    print("# Natural Earth 1:110m and 1:50m Admin 0 countries (public domain).")
    print(f"# Equal Earth projection, {WIDTH} units wide, simplified to {TOLERANCE} units.")
    print(f"{WIDTH} {height}")
    for key in sorted(order):
        s = shapes[key]
        if s["rings"]:
            d = []
            for ring in s["rings"]:
                (px, py) = ring[0]
                part = [f"M{px} {py}l"]
                nums = []
                for x, y in ring[1:]:
                    nums += [x - px, y - py]
                    px, py = x, y
                part.append(join(nums))
                part.append("z")
                d.append("".join(part))
            print(f"{key} P {''.join(d)}")
        else:
            x, y = s["dot"]
            print(f"{key} D {x:.1f} {y:.1f}")


def centre(ring):
    a = area(ring)
    if abs(a) < 1e-9:
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        return (sum(xs) / len(xs), sum(ys) / len(ys))
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        f = x1 * y2 - x2 * y1
        cx += (x1 + x2) * f
        cy += (y1 + y2) * f
    return (cx / (6 * a), cy / (6 * a))


def join(nums):
    out = ""
    for n in nums:
        if out and n >= 0:
            out += " "
        out += str(n)
    return out


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
