"""Builds readiness/data/world-map.json, the country shapes of the public world map.

Source: the npm package world-atlas 2.0.2 (Natural Earth 4.1.0 vector data, public domain, as
TopoJSON; package ISC licence). Fetch it once with `npm pack world-atlas@2.0.2`, unpack it, then:

    python scripts/build_world_map.py path/to/package/countries-110m.json

The output holds, per ISO 3166 numeric code, an SVG path in an Equal Earth projection (a
960-unit-wide view box), rounded to 0.1 unit: small enough to inline in a page and draw without
JavaScript. Features without a numeric code (disputed areas) are kept under "unassigned".
"""

import json
import math
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "readiness" / "data" / "world-map.json"
WIDTH = 960.0
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    lam, phi = math.radians(max(-180.0, min(180.0, lon))), math.radians(lat)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


X_MAX = equal_earth(180, 0)[0]
Y_MAX = equal_earth(0, 90)[1]
SCALE = WIDTH / (2 * X_MAX)
HEIGHT = round(2 * Y_MAX * SCALE, 1)


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Keeps a ring that crosses the antimeridian (Fiji) in one piece: longitudes after a jump
    of more than 180 degrees are shifted by 360; what lies past the edge is clipped."""
    if not points:
        return points
    unwrapped = [points[0]]
    for lon, lat in points[1:]:
        previous = unwrapped[-1][0]
        while lon - previous > 180:
            lon -= 360
        while previous - lon > 180:
            lon += 360
        unwrapped.append((lon, lat))
    return unwrapped


def ring_path(points) -> str:
    points = unwrap(points)
    projected = []
    for lon, lat in points:
        x, y = equal_earth(lon, lat)
        cell = (round((x + X_MAX) * SCALE, 1), round((Y_MAX - y) * SCALE, 1))
        if not projected or projected[-1] != cell:
            projected.append(cell)
    if len(projected) < 3:
        return ""
    head, *tail = projected
    return f"M{head[0]:g} {head[1]:g}" + "".join(f"L{x:g} {y:g}" for x, y in tail) + "Z"


def geometry_path(geometry: dict, arcs) -> str:
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return "".join(ring_path(ring_points(ring, arcs)) for polygon in polygons for ring in polygon)


def main(source: str) -> None:
    topology = json.loads(Path(source).read_text())
    arcs = decode_arcs(topology)
    countries, unassigned = {}, []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        path = geometry_path(geometry, arcs)
        if geometry.get("id"):
            countries[geometry["id"]] = countries.get(geometry["id"], "") + path
        else:
            unassigned.append(path)
    OUTPUT.write_text(
        json.dumps(
            {
                "source": "world-atlas 2.0.2 countries-110m (Natural Earth 4.1.0), Equal Earth",
                "viewBox": f"0 0 {WIDTH:g} {HEIGHT:g}",
                "countries": dict(sorted(countries.items())),
                "unassigned": unassigned,
            },
            separators=(",", ":"),
        )
    )
    print(f"{len(countries)} countries, {len(unassigned)} unassigned -> {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1])
