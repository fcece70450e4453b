"""Reading delimited catalogue exports row by row, and reporting bad rows without losing the rest.

Any importer (CORDIS, KEEP, ...) can use these helpers: :func:`read_rows` sniffs the
delimiter (``;`` in official exports, ``,`` in quoted copies), strips a BOM, renames columns
through an alias table (old and new export layouts) and yields each row with its line
number; a mapping step raises :class:`RowError` for a bad value, and :class:`ImportLog`
collects those errors and the counts for the summary::

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = path.write_text('reference;name\\n"7";"A; B"\\n', encoding="utf-8")
    >>> [(row.line, row["id"], row["name"]) for row in read_rows(path, {"id": ("id", "reference")})]
    [(2, '7', 'A; B')]
    >>> log = ImportLog()
    >>> log.error(RowError("x.csv", 3, "id", "not a number: 'x'"))
    >>> log.count("rows")
    >>> print(log.summary())
    imported 1 rows; skipped 1 bad row(s)
    >>> print(log.errors[0])
    x.csv:3: column 'id': not a number: 'x'
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from hcn_ld.build.partitions import Triple
from hcn_ld.build.sources import Origin
from hcn_ld.rdf import uris
from hcn_ld.rdf.countries import Country
from hcn_ld.rdf.uris import Minter
from hcn_ld.rdf.vocab import EURIO


class RowError(Exception):
    """A bad value in one row of an export: file, line, column and why."""

    def __init__(self, file: str, line: int, column: str, why: str) -> None:
        super().__init__(f"{file}:{line}: column {column!r}: {why}")
        self.file, self.line, self.column, self.why = file, line, column, why

    def __reduce__(self) -> tuple[type[RowError], tuple[str, int, str, str]]:
        # worker processes send their errors back pickled (hcn_ld.build.partitions)
        return RowError, (self.file, self.line, self.column, self.why)


class Row(dict[str, str]):
    """One row of an export: its values by (canonical) column name, plus file and line."""

    file: str
    line: int

    def origin(self, ref: str = "") -> Origin:
        """Where the row stands, for SHACL reports."""
        return Origin(self.file, self.line, ref)

    def fail(self, column: str, why: str) -> RowError:
        """A :class:`RowError` for one of this row's columns (raise it)."""
        return RowError(self.file, self.line, column, why)

    def required(self, column: str) -> str:
        """The stripped value of a column, or a :class:`RowError` when it is empty."""
        value = (self.get(column) or "").strip()
        if not value:
            raise self.fail(column, "missing value")
        return value

    def decimal(self, column: str) -> Decimal | None:
        """A number column (``1234.5`` or ``1234,5``) as a Decimal; empty means ``None``."""
        value = (self.get(column) or "").strip()
        if not value:
            return None
        try:
            number = Decimal(value.replace(",", ".") if value.count(",") == 1 else value)
        except InvalidOperation:
            raise self.fail(column, f"not a number: {value!r}") from None
        if not number.is_finite():
            raise self.fail(column, f"not a number: {value!r}")
        return number


def sniff_delimiter(header: str) -> str:
    """``;`` when the header line has more semicolons than commas, else ``,``."""
    return ";" if header.count(";") > header.count(",") else ","


def canonical_columns(
    header: Sequence[str], aliases: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """Column name in ``header`` -> its canonical name, for the first alias of each present.

    >>> canonical_columns(["reference", "name"], {"id": ("id", "reference")})
    {'reference': 'id'}
    """
    rename = {}
    for canonical, names in aliases.items():
        found = next((n for n in names if n in header), None)
        if found is not None:
            rename[found] = canonical
    return rename


def read_rows(
    path: Path,
    aliases: Mapping[str, Sequence[str]] | None = None,
    label: str | None = None,
) -> Iterator[Row]:
    """The rows of a CSV export, columns renamed to their canonical names.

    ``aliases`` maps a canonical column to the names it has in the known layouts; the
    first one present in the header is used. Line numbers are those of the row's first
    physical line (the header is line 1), so quoted multi-line values do not shift them.
    """
    label = label or path.name
    with path.open(encoding="utf-8-sig", newline="") as handle:
        delimiter = sniff_delimiter(handle.readline())
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        header = [name.strip() for name in next(reader, [])]
        rename = canonical_columns(header, aliases or {})
        columns = [rename.get(name, name) for name in header]
        line = reader.line_num + 1
        for values in reader:
            row = Row(zip(columns, values, strict=False))
            row.file, row.line = label, line
            line = reader.line_num + 1
            if any(v.strip() for v in values):
                yield row


@dataclass
class ImportLog:
    """What an import did: counts by kind and the rows it skipped."""

    counts: Counter[str] = field(default_factory=Counter)
    errors: list[RowError] = field(default_factory=list)

    def count(self, kind: str, n: int = 1) -> None:
        self.counts[kind] += n

    def error(self, error: RowError) -> None:
        self.errors.append(error)

    def summary(self) -> str:
        """One line: what was imported, and how many bad rows were skipped."""
        parts = ", ".join(f"{n} {kind}" for kind, n in self.counts.items())
        return f"imported {parts or 'nothing'}; skipped {len(self.errors)} bad row(s)"


#: A NUTS code of any level (country code plus up to three characters).
NUTS_CODE = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")


@dataclass(frozen=True)
class Place:
    """Where an organisation is, as an export states it (absent fields empty); checked already."""

    country: Country
    country_code: str
    street: str = ""
    postcode: str = ""
    town: str = ""
    nuts: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def organisation_triples(
    minter: Minter, organisation: URIRef, key: str, name: str, place: Place
) -> list[Triple]:
    """An organisation as in the CORDIS graph: name, site, postal address, country, NUTS
    region and coordinates (site, address and coordinates IRIs minted from ``key``)."""
    site = minter.id("site", key)
    address = minter.id("address", key)
    country_iri = uris.eu_country(place.country.iso3)
    triples: list[Triple] = [
        (organisation, RDF.type, EURIO.Organisation),
        (organisation, EURIO.legalName, Literal(name)),
        (organisation, RDFS.label, Literal(name)),
        (organisation, EURIO.hasSite, site),
        (site, RDF.type, EURIO.Site),
        (site, EURIO.isSiteOf, organisation),
        (site, EURIO.name, Literal(name)),
        (site, EURIO.hasAddress, address),
        (site, EURIO.hasGeographicalLocation, country_iri),
        (country_iri, RDF.type, EURIO.Country),
        (country_iri, EURIO.name, Literal(place.country.name)),
        (address, RDF.type, EURIO.PostalAddress),
        (address, EURIO.addressCountry, Literal(place.country_code)),
    ]
    for prop, value in (
        (EURIO.streetAddress, place.street),
        (EURIO.postalCode, place.postcode),
        (EURIO.addressLocality, place.town),
    ):
        if value:
            triples.append((address, prop, Literal(value)))
    locality = f"{place.postcode} {place.town}".strip()
    full = ", ".join(p for p in (place.street, locality, place.country.name) if p)
    triples.append((address, EURIO.fullAddress, Literal(full)))
    if place.nuts:
        region = uris.nuts(place.nuts)
        triples += [
            (site, EURIO.hasGeographicalLocation, region),
            (region, RDF.type, EURIO.AdministrativeArea),
            (region, SKOS.notation, Literal(place.nuts)),
        ]
    if place.latitude is not None and place.longitude is not None:
        node = minter.id("coordinates", key)
        triples += [
            (site, EURIO.hasCoordinates, node),
            (node, RDF.type, EURIO.Coordinates),
            (node, EURIO.latitude, Literal(place.latitude, datatype=XSD.decimal)),
            (node, EURIO.longitude, Literal(place.longitude, datatype=XSD.decimal)),
        ]
    return triples
