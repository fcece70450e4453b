"""Write links as an SSSOM mapping table: TSV with its YAML metadata block (``#`` lines).

>>> from hcn_ld.build.linking.links import Link
>>> import io
>>> out = io.StringIO()
>>> link = Link("geonames", "https://w3id.org/hcn/id/place/graz", "Graz",
...             "https://sws.geonames.org/2778067/", "2778067",
...             "https://w3id.org/semapv/vocab/ManualMappingCuration", 1.0, "curated")
>>> write_sssom([link], out, "https://w3id.org/hcn/id/linkset/all")
>>> out.getvalue().splitlines()[-1].split(chr(9))[:4]
['hcnid:place/graz', 'Graz', 'owl:sameAs', 'geonames:2778067/']
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import TextIO

from hcn_ld.build.linking.links import SEMAPV, Link
from hcn_ld.rdf.vocab import PREFIXES

COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "comment",
)


def _prefixes(base: str) -> dict[str, str]:
    return {
        "hcnid": f"{base}id/",
        "geonames": "https://sws.geonames.org/",
        "nuts": "http://data.europa.eu/nuts/code/",
        "eucountry": "http://publications.europa.eu/resource/authority/country/",
        "semapv": str(SEMAPV),
        **{p: PREFIXES[p] for p in ("owl", "skos", "hcn", "eurio")},
    }


def _curie(iri: str, prefixes: dict[str, str], extra: dict[str, str]) -> str:
    """A CURIE for an IRI; an unknown namespace gets a prefix ``ns1``, ``ns2``... in ``extra``."""
    for prefix, namespace in sorted({**prefixes, **extra}.items(), key=lambda p: -len(p[1])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    cut = max(iri.rfind("/", 0, len(iri) - 1), iri.rfind("#")) + 1
    extra[f"ns{len(extra) + 1}"] = iri[:cut]
    return f"ns{len(extra)}:{iri[cut:]}"


def write_sssom(links: list[Link], out: TextIO, mapping_set_id: str, base: str = "") -> None:
    """Write ``links`` as SSSOM/TSV to ``out`` (metadata block first, then one row per link)."""
    base = base or mapping_set_id.split("id/linkset/")[0]
    prefixes, extra = _prefixes(base), {}
    rows = []
    for link in links:
        rows.append(
            [
                _curie(link.subject, prefixes, extra),
                link.subject_label,
                _curie(str(link.predicate), prefixes, extra),
                _curie(link.object, prefixes, extra),
                link.object_label,
                _curie(link.justification, prefixes, extra),
                repr(link.confidence),
                link.comment,
            ]
        )
    out.write("# curie_map:\n")
    for prefix, namespace in {**prefixes, **extra}.items():
        out.write(f"#   {prefix}: {namespace}\n")
    out.write(f"# mapping_set_id: {mapping_set_id}\n")
    out.write("# mapping_set_description: hcn-ld links to GeoNames, NUTS, EU countries, CORDIS\n")
    out.write("# license: https://creativecommons.org/licenses/by/4.0/\n")
    out.write(f"# mapping_date: {dt.date.today().isoformat()}\n")
    out.write("# mapping_tool: hcn-ld link\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
