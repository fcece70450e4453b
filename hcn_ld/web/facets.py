"""Faceted browsing of projects: user choices -> safe SPARQL for the list and the facet counts.

A :class:`Selection` is read from URL parameters (so every view is a shareable URL) and turned
into SPARQL without pasting raw input into the query: IRIs are checked and written as ``<...>``
in ``VALUES``, literals are escaped, years are integers::

    >>> sel = Selection.from_params({"theme": ["id/theme/procurement"], "from": ["2004"]},
    ...                             base="https://w3id.org/hcn/")
    >>> q = list_query(sel)
    >>> "VALUES ?theme { <https://w3id.org/hcn/id/theme/procurement> }" in q
    True
    >>> Selection.from_params({"theme": ["x> } DROP ALL {"]}, base="https://w3id.org/hcn/").values
    {}
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hcn_ld.rdf.vocab import PREFIXES


@dataclass(frozen=True)
class Facet:
    """One way to narrow the project list: a URL parameter and the pattern binding its value.

    ``pattern`` links ``?project`` to ``?{v}`` (``{v}`` is replaced by the facet's variable);
    ``iri`` says whether values are IRIs (else literals, compared by their text).
    """

    name: str
    label: str
    pattern: str
    iri: bool = True

    def bind(self, variable: str | None = None) -> str:
        """The pattern with its value bound to ``?variable`` (default: the facet's name)."""
        return self.pattern.replace("{v}", variable or self.name)


FACETS: tuple[Facet, ...] = (
    Facet(
        "programme",
        "Programme",
        "?project eurio:isFundedBy/eurio:hasFundingSchemeProgramme ?{v} .",
    ),
    Facet(
        "period",
        "Programming period",
        "?project eurio:isFundedBy/eurio:hasFundingSchemeProgramme/hcn:programmingPeriod ?{v} .",
    ),
    Facet("theme", "Theme", "?project dct:subject ?{v} ."),
    Facet(
        "country",
        "Country",
        "{ ?{v}_event dct:isPartOf ?project ; locn:location/hcn:country ?{v} } UNION "
        "{ ?project eurio:hasInvolvedParty/eurio:isRoleOf/"
        "(hcn:country|eurio:hasSite/eurio:hasGeographicalLocation) ?{v} }",
    ),
    Facet(
        "role",
        "Partner role",
        "?project eurio:hasInvolvedParty/eurio:roleLabel ?{v} .",
        iri=False,
    ),
    Facet("status", "Status", "?project eurio:projectStatus ?{v} .", iri=False),
)
BY_NAME = {facet.name: facet for facet in FACETS}


def year_pattern(date_property: str, variable: str) -> str:
    """Binds ``?variable`` to the year of a project's date (any precision: date, month, year)."""
    return (
        f"?project {date_property} ?{variable}Date . "
        f"BIND(xsd:integer(SUBSTR(STR(?{variable}Date), 1, 4)) AS ?{variable})"
    )


_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
_RELATIVE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~/%-]*$")
PAGE_SIZE = 50


def sparql_string(text: str) -> str:
    """A SPARQL string literal for any text (quotes, backslashes and line breaks escaped).

    >>> print(sparql_string('say "hi"\\\\ \\n'))
    "say \\"hi\\"\\\\ \\n"
    """
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def sparql_iri(iri: str) -> str:
    """``<iri>`` for a checked absolute IRI; ``ValueError`` for anything else.

    >>> sparql_iri("http://data.europa.eu/s66#Project")
    '<http://data.europa.eu/s66#Project>'
    """
    if not _IRI.match(iri):
        raise ValueError(f"not an IRI: {iri!r}")
    return f"<{iri}>"


@dataclass
class Selection:
    """What the user chose: facet values, a year range, a page."""

    base: str
    values: dict[str, list[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str]], base: str) -> Selection:
        """Read URL parameters; values that are not valid IRIs (or years) are ignored."""
        selection = cls(base)
        for facet in FACETS:
            chosen = []
            for raw in params.get(facet.name, []):
                value = raw.strip()
                if facet.iri:
                    value = selection.expand(value)
                    if not value or not _IRI.match(value):
                        continue
                if value and value not in chosen:
                    chosen.append(value)
            if chosen:
                selection.values[facet.name] = chosen
        selection.year_from = _year(params.get("from"))
        selection.year_to = _year(params.get("to"))
        page = _year(params.get("page"))
        selection.page = page if page and page > 0 else 1
        return selection

    def expand(self, value: str) -> str:
        """A parameter value as an IRI: values relative to the base are resolved against it."""
        if _IRI.match(value):
            return value
        return self.base + value if _RELATIVE.match(value) else ""

    def compact(self, iri: str) -> str:
        """The shortest parameter value for an IRI (relative to the base where under it)."""
        return iri[len(self.base) :] if iri.startswith(self.base) else iri

    def params(self, **changes: object) -> list[tuple[str, str]]:
        """URL parameters of this selection, e.g. for links; ``toggle=(facet, value)`` adds or
        removes one value, ``page=`` sets the page, ``clear=facet`` drops a facet."""
        values = {name: list(chosen) for name, chosen in self.values.items()}
        if "toggle" in changes:
            name, value = changes["toggle"]  # type: ignore[misc]
            chosen = values.setdefault(name, [])
            chosen.remove(value) if value in chosen else chosen.append(value)
        if "clear" in changes:
            values.pop(str(changes["clear"]), None)
        out = []
        for facet in FACETS:
            for value in values.get(facet.name, []):
                out.append((facet.name, self.compact(value) if facet.iri else value))
        for key, year in (("from", self.year_from), ("to", self.year_to)):
            if year is not None and changes.get("clear") != "years":
                out.append((key, str(year)))
        page = changes.get("page", 1 if "toggle" in changes or "clear" in changes else self.page)
        if page and page != 1:
            out.append(("page", str(page)))
        return out

    @property
    def empty(self) -> bool:
        return not self.values and self.year_from is None and self.year_to is None


def _year(raw: Sequence[str] | None) -> int | None:
    if not raw:
        return None
    text = raw[0].strip()
    return int(text) if text.isdigit() and len(text) <= 4 else None


def _prologue(query: str) -> str:
    """``PREFIX`` lines for the prefixes a query uses (so the shown query stays short)."""
    used = [p for p in PREFIXES if re.search(rf"(?<![\w-]){p}:", query)]
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used) + query


def _filters(selection: Selection, skip: str | None = None) -> list[str]:
    lines = []
    for facet in FACETS:
        chosen = selection.values.get(facet.name)
        if not chosen or facet.name == skip:
            continue
        pattern = facet.bind()
        if facet.iri:
            lines.append(f"VALUES ?{facet.name} {{ {' '.join(sparql_iri(v) for v in chosen)} }}")
            lines.append(pattern)
        else:
            lines.append(pattern)
            options = ", ".join(sparql_string(v) for v in chosen)
            lines.append(f"FILTER(STR(?{facet.name}) IN ({options}))")
    if skip != "years":
        if selection.year_to is not None:
            lines.append(year_pattern("eurio:startDate", "startYear"))
            lines.append(f"FILTER(?startYear <= {int(selection.year_to)})")
        if selection.year_from is not None:
            lines.append(year_pattern("eurio:endDate", "endYear"))
            lines.append(f"FILTER(?endYear >= {int(selection.year_from)})")
    return lines


def _where(selection: Selection, skip: str | None = None) -> str:
    body = ["?project a eurio:Project ."] + _filters(selection, skip)
    return "\n".join(f"  {line}" for line in body)


def list_query(selection: Selection, limit: int = PAGE_SIZE) -> str:
    """The SPARQL that lists the selected projects (one page), as shown to the user."""
    offset = (selection.page - 1) * limit
    query = (
        "SELECT ?project (SAMPLE(?t) AS ?title) (MIN(?s) AS ?start) (MAX(?e) AS ?end)\n"
        "WHERE {\n"
        f"{_where(selection)}\n"
        "  OPTIONAL { ?project eurio:title ?t }\n"
        "  OPTIONAL { ?project eurio:startDate ?s }\n"
        "  OPTIONAL { ?project eurio:endDate ?e }\n"
        "}\n"
        "GROUP BY ?project\n"
        "ORDER BY ?start ?project\n"
        f"LIMIT {limit}" + (f" OFFSET {offset}" if offset else "")
    )
    return _prologue(query)


def count_query(selection: Selection) -> str:
    """How many projects the selection holds."""
    query = f"SELECT (COUNT(DISTINCT ?project) AS ?n) WHERE {{\n{_where(selection)}\n}}"
    return _prologue(query)


def facet_query(selection: Selection, facet: Facet) -> str:
    """Values of ``facet`` with the number of projects each would give, with the other
    facets' choices applied (so alternatives in the same facet keep their counts)."""
    query = (
        f"SELECT ?{facet.name} (COUNT(DISTINCT ?project) AS ?n) WHERE {{\n"
        f"{_where(selection, skip=facet.name)}\n"
        f"  {facet.bind()}\n"
        f"}}\nGROUP BY ?{facet.name}\nORDER BY DESC(?n) ?{facet.name}"
    )
    return _prologue(query)


def years_query(selection: Selection) -> str:
    """Projects per start year, with the other choices applied (for the year-range facet)."""
    query = (
        "SELECT ?year (COUNT(DISTINCT ?project) AS ?n) WHERE {\n"
        f"{_where(selection, skip='years')}\n"
        f"  {year_pattern('eurio:startDate', 'year')}\n"
        "}\nGROUP BY ?year\nORDER BY ?year"
    )
    return _prologue(query)
