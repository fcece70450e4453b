"""Server-side SVG maps of Europe: country outlines shipped in the package, places as markers.

The outlines are Natural Earth 1:110m countries (public domain) from the npm package
``world-atlas``, clipped to Europe by ``scripts/make_europe_map.py`` into
``static/maps/europe-110m.json`` (36 KB). The projection is Lambert azimuthal equal-area
centred on 10°E 52°N (the spherical form of ETRS89-LAEA, EPSG:3035), so the map needs no
tiles, no network and no JavaScript::

    >>> svg = europe_svg([MapPoint("Graz", 47.07, 15.44, "/id/place/graz")], "Events")
    >>> svg.startswith("<svg") and "Graz" in svg and 'href="/id/place/graz"' in svg
    True
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import escape

OUTLINES = Path(__file__).parent / "static" / "maps" / "europe-110m.json"
CENTRE = (10.0, 52.0)
WIDTH = 640


@dataclass(frozen=True)
class MapPoint:
    """A place to mark: its label, WGS84 coordinates and the page it links to."""

    label: str
    lat: float
    lon: float
    href: str


def project(lon: float, lat: float) -> tuple[float, float]:
    """Lambert azimuthal equal-area (sphere), centred on :data:`CENTRE`; y grows southwards.

    >>> project(10.0, 52.0)
    (0.0, -0.0)
    """
    lam0, phi0 = (math.radians(v) for v in CENTRE)
    lam, phi = math.radians(lon), math.radians(lat)
    cos_c = math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam - lam0)
    k = math.sqrt(2 / (1 + cos_c))
    x = k * math.cos(phi) * math.sin(lam - lam0)
    y = k * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam - lam0))
    return x, -y


@lru_cache(maxsize=1)
def _outlines() -> dict:
    return json.loads(OUTLINES.read_text())


@lru_cache(maxsize=1)
def _frame() -> tuple[float, float, float, float]:
    """Projected bounds of the lon/lat view box (west, south, east, north edges sampled)."""
    west, south, east, north = _outlines()["view"]
    edge = [(west + (east - west) * i / 20, lat) for i in range(21) for lat in (south, north)]
    edge += [(lon, south + (north - south) * i / 20) for i in range(21) for lon in (west, east)]
    xs, ys = zip(*(project(lon, lat) for lon, lat in edge), strict=True)
    # Crop the empty corners of the projected box a little: Europe sits in the middle.
    return min(xs) * 0.8, min(ys) * 0.92, max(xs) * 0.8, max(ys)


def _scale() -> float:
    x0, _, x1, _ = _frame()
    return WIDTH / (x1 - x0)


def to_svg(lon: float, lat: float) -> tuple[float, float]:
    """SVG user coordinates of a lon/lat point on the map."""
    x, y = project(lon, lat)
    x0, y0, _, _ = _frame()
    scale = _scale()
    return round((x - x0) * scale, 1), round((y - y0) * scale, 1)


def height() -> float:
    """The map's height in SVG units (its width is :data:`WIDTH`)."""
    _, y0, _, y1 = _frame()
    return round((y1 - y0) * _scale(), 1)


@lru_cache(maxsize=1)
def _country_paths() -> tuple[tuple[str, str | None, str], ...]:
    """(name, iso2, SVG path data) of every country outline, projected once."""
    paths = []
    for country in _outlines()["countries"]:
        rings = []
        for ring in country["rings"]:
            points = [to_svg(lon, lat) for lon, lat in ring]
            rings.append("M" + "L".join(f"{x:g},{y:g}" for x, y in points) + "Z")
        paths.append((country["name"], country["iso2"], "".join(rings)))
    return tuple(paths)


def europe_svg(
    points: Sequence[MapPoint],
    title: str,
    highlight: Iterable[str] = (),
) -> str:
    """An accessible inline SVG map: countries (those in ``highlight``, ISO alpha-2, shaded)
    and a labelled, linked, keyboard-focusable marker for every point."""
    shaded = {code.upper() for code in highlight}
    out = [
        f'<svg class="map" viewBox="0 0 {WIDTH} {height():g}" role="group" '
        f'aria-labelledby="map-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="map-title">{escape(title)}</title>',
        '<rect class="sea" width="100%" height="100%"/>',
        '<g class="countries">',
    ]
    for name, iso2, data in _country_paths():
        css = "country shaded" if iso2 in shaded else "country"
        out.append(f'<path class="{css}" d="{data}"><title>{escape(name)}</title></path>')
    out.append('</g><g class="places">')
    taken: list[tuple[float, float, float, float]] = []
    for point in points:
        x, y = to_svg(point.lon, point.lat)
        label = escape(point.label)
        tx, ty, anchor = _label_position(x, y, len(point.label), taken)
        out.append(
            f'<a class="place" href="{escape(point.href)}" data-place="{label}">'
            f"<title>{label}</title>"
            f'<circle cx="{x}" cy="{y}" r="5"/>'
            f'<text x="{tx:g}" y="{ty:g}" text-anchor="{anchor}">{label}</text></a>'
        )
    out.append("</g></svg>")
    return "".join(out)


def _label_position(
    x: float, y: float, chars: int, taken: list[tuple[float, float, float, float]]
) -> tuple[float, float, str]:
    """Where a marker's label goes: right, left, above or below, the first that overlaps no
    label placed before (``taken`` collects their boxes)."""
    width, high = chars * 7.0, 13.0
    options = [
        (x + 7, y + 4, "start", x + 7),
        (x - 7, y + 4, "end", x - 7 - width),
        (x + 7, y - 8, "start", x + 7),
        (x + 7, y + 16, "start", x + 7),
        (x - 7, y - 8, "end", x - 7 - width),
        (x - 7, y + 16, "end", x - 7 - width),
    ]
    for tx, ty, anchor, left in options:
        box = (left, ty - high + 3, left + width, ty + 3)
        if not any(_overlap(box, other) for other in taken):
            taken.append(box)
            return tx, ty, anchor
    return options[0][:3]


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
