"""Convert Natural Earth 1:110m countries (npm ``world-atlas``) to the small Europe outline JSON.

Run once when the outlines should change; the output is committed::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/make_europe_map.py package/countries-110m.json \
        /usr/share/iso-codes/json/iso_3166-1.json hcn_ld/web/static/maps/europe-110m.json

TopoJSON arcs are decoded (delta + quantisation), polygons with no point in the Europe box are
dropped, vertices are clamped to a slightly larger box and rounded to 0.01 degrees.
ISO alpha-2/alpha-3 codes come from Debian's ``iso-codes`` table (numeric -> alpha).
"""

from __future__ import annotations

import json
import sys

#: lon/lat box shown on the map, and the larger box vertices are clamped to.
VIEW = (-25.0, 34.0, 45.0, 72.0)
CLAMP = (-75.0, 25.0, 70.0, 84.0)


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


def ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc[1:] if points else arc)
    return points


def inside(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def clamp(point: tuple[float, float]) -> list[float]:
    lon = min(max(point[0], CLAMP[0]), CLAMP[2])
    lat = min(max(point[1], CLAMP[1]), CLAMP[3])
    return [round(lon, 2), round(lat, 2)]


def main(topojson_path: str, iso_path: str, out_path: str) -> None:
    topology = json.load(open(topojson_path))
    codes = {c["numeric"]: c for c in json.load(open(iso_path))["3166-1"]}
    arcs = decode_arcs(topology)
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = geometry.get("arcs") or []
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        rings = []
        for polygon in polygons:
            for indexes in polygon:
                points = ring(indexes, arcs)
                if any(inside(p, VIEW) for p in points):
                    simplified = []
                    for p in map(clamp, points):
                        if not simplified or simplified[-1] != p:
                            simplified.append(p)
                    if len(simplified) >= 3:
                        rings.append(simplified)
        if not rings:
            continue
        code = codes.get(str(geometry.get("id", "")), {})
        countries.append(
            {
                "name": geometry["properties"]["name"],
                "iso2": code.get("alpha_2"),
                "iso3": code.get("alpha_3"),
                "rings": rings,
            }
        )
    document = {
        "source": "Natural Earth 1:110m admin-0 countries (public domain), via npm world-atlas "
        "2.0.2 (ISC, Mike Bostock); codes from Debian iso-codes; clipped to Europe",
        "view": VIEW,
        "countries": sorted(countries, key=lambda c: c["name"]),
    }
    with open(out_path, "w") as handle:
        json.dump(document, handle, separators=(",", ":"))
        handle.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
