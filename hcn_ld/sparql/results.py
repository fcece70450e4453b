"""Write query results in a chosen format, at most ``limit`` rows/triples, straight to a stream.

pyoxigraph serializes whole result sets only, so SELECT rows are written here (SPARQL JSON, XML,
CSV, TSV) to stop at a row limit; graphs go through ``pyoxigraph.serialize`` on a bounded
iterator. ``bound`` cuts a result to the limit and tells whether it did::

    >>> import io, pyoxigraph as ox
    >>> from hcn_ld.rdf.formats import by_name
    >>> store = ox.Store()
    >>> out = io.BytesIO()
    >>> rows = bound(store.query("SELECT ?x { VALUES ?x { 1 2 3 } }"), limit=2)
    >>> rows.truncated
    True
    >>> write(rows, by_name("csv"), out)
    >>> out.getvalue()
    b'x\\r\\n1\\r\\n2\\r\\n'
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring as _quote  # the C encoder, as json.dumps uses
from typing import IO
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from hcn_ld.rdf.formats import Format
from hcn_ld.rdf.vocab import PREFIXES
from hcn_ld.store.base import QueryResult

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SRX = "http://www.w3.org/2005/sparql-results#"

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass
class Bounded:
    """A query result cut to a row limit: what to write, and whether rows were dropped."""

    result: QueryResult
    items: Iterable
    truncated: bool = False

    @property
    def kind(self) -> str:
        """``"boolean"``, ``"solutions"`` or ``"graph"``."""
        if isinstance(self.result, ox.QueryBoolean):
            return "boolean"
        return "solutions" if isinstance(self.result, ox.QuerySolutions) else "graph"


def bound(result: QueryResult, limit: int | None = None) -> Bounded:
    """``result`` cut to ``limit`` rows (or triples); reads at most one row beyond the limit.

    Without a limit nothing is read ahead, so results stream straight from the store.
    """
    if isinstance(result, ox.QueryBoolean) or limit is None:
        return Bounded(result, () if isinstance(result, ox.QueryBoolean) else result)
    head = list(itertools.islice(result, limit + 1))
    return Bounded(result, head[:limit], len(head) > limit)


#: The fewest bytes a row takes in pyoxigraph's results formats (``{}`` in JSON, an empty line
#: in CSV and TSV): an answer shorter than ``n`` such rows holds fewer than ``n`` rows.
_SMALLEST_ROW = {"json": 2, "xml": len("<result></result>"), "csv": 2, "tsv": 1}


def whole(result: ox.QuerySolutions, fmt: Format, limit: int) -> bytes | None:
    """``result``, which holds at most ``limit + 1`` rows, written by pyoxigraph when the
    bytes show it holds at most ``limit`` (None otherwise: ``result`` is used up).

    Quicker than :func:`write` for the small answers of lookups (see
    :func:`hcn_ld.sparql.text.capped`): no Python code runs per row.

        >>> from hcn_ld.rdf.formats import by_name
        >>> query = "SELECT ?x { VALUES ?x { 1 2 3 } } LIMIT 3"
        >>> whole(ox.Store().query(query), by_name("csv"), limit=100)
        b'x\\r\\n1\\r\\n2\\r\\n3\\r\\n'
        >>> whole(ox.Store().query(query), by_name("csv"), limit=2) is None
        True
    """
    body = result.serialize(format=fmt.oxigraph)
    return body if len(body) < (limit + 1) * _SMALLEST_ROW[fmt.name] else None


def write(
    bounded: Bounded,
    fmt: Format,
    out: IO[bytes] | None = None,
    prefixes: Mapping[str, str] = PREFIXES,
) -> bytes | None:
    """Serialize a bounded result as ``fmt`` (a graph with ``prefixes``) into ``out``, or
    return the bytes if ``out`` is None, as ``pyoxigraph.serialize`` does.

        >>> from hcn_ld.rdf.formats import by_name
        >>> write(bound(ox.Store().query("ASK {}")), by_name("csv"))
        b'true'
    """
    result = bounded.result
    if isinstance(result, ox.QueryBoolean):
        return result.serialize(out, fmt.oxigraph)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        target = io.BytesIO() if out is None else out
        _SOLUTION_WRITERS[fmt.name](names, bounded.items, target, bounded.truncated)
        return target.getvalue() if out is None else None  # type: ignore[attr-defined]
    triples: Iterable = bounded.items
    if fmt.datasets:
        triples = (ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return ox.serialize(triples, out, fmt.oxigraph, prefixes=prefixes)


# ----------------------------------------------------------------------------- SPARQL JSON


def json_term(term: Term) -> str:
    """A term as a SPARQL 1.1 JSON results binding value (JSON text).

    >>> json_term(ox.Literal("été", language="fr"))
    '{"type":"literal","value":"été","xml:lang":"fr"}'
    """
    if isinstance(term, ox.NamedNode):
        return '{"type":"uri","value":' + _quote(term.value) + "}"
    if isinstance(term, ox.BlankNode):
        return '{"type":"bnode","value":' + _quote(term.value) + "}"
    if isinstance(term, ox.Literal):
        value = '{"type":"literal","value":' + _quote(term.value)
        if term.language:
            return value + ',"xml:lang":' + _quote(term.language) + "}"
        datatype = term.datatype.value
        if datatype != XSD_STRING:
            return value + ',"datatype":' + _quote(datatype) + "}"
        return value + "}"
    return (
        '{"type":"triple","value":{"subject":' + json_term(term.subject)
        + ',"predicate":' + json_term(term.predicate)
        + ',"object":' + json_term(term.object) + "}}"
    )  # fmt: skip


def _json(names: list[str], rows: Iterable, out: IO[bytes], truncated: bool) -> None:
    out.write(b'{"head":{"vars":[' + ",".join(map(_quote, names)).encode() + b"]}")
    # SPARQL JSON readers ignore unknown members: the truncation is announced in the body too,
    # before the results (pyoxigraph's reader refuses anything after them).
    out.write((b',"truncated":true' if truncated else b"") + b',"results":{"bindings":[')
    indexed = [(i, _quote(name) + ":") for i, name in enumerate(names)]
    first = True
    for chunk in _batched(rows):
        text = ",".join(
            "{" + ",".join(key + json_term(row[i]) for i, key in indexed if row[i]) + "}"
            for row in chunk
        )
        out.write(text.encode() if first else b"," + text.encode())
        first = False
    out.write(b"]}}")


# ----------------------------------------------------------------------------- SPARQL XML


def xml_term(term: Term) -> str:
    """A term as a SPARQL XML results element."""
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            datatype = quoteattr(term.datatype.value)
            return f"<literal datatype={datatype}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{xml_term(term.subject)}</subject>"
        f"<predicate>{xml_term(term.predicate)}</predicate>"
        f"<object>{xml_term(term.object)}</object></triple>"
    )


def _xml(names: list[str], rows: Iterable, out: IO[bytes], truncated: bool) -> None:
    head = "".join(f"<variable name={quoteattr(n)}/>" for n in names)
    link = '<link href="#truncated"/>' if truncated else ""
    out.write(f'<?xml version="1.0"?>\n<sparql xmlns="{SRX}"><head>{head}{link}</head>'.encode())
    out.write(b"<results>")
    indexed = [(i, f"<binding name={quoteattr(n)}>") for i, n in enumerate(names)]
    for chunk in _batched(rows):
        out.write(
            "".join(
                "<result>"
                + "".join(f"{tag}{xml_term(row[i])}</binding>" for i, tag in indexed if row[i])
                + "</result>"
                for row in chunk
            ).encode()
        )
    out.write(b"</results></sparql>\n")


# ----------------------------------------------------------------------------- CSV / TSV


def csv_cell(term: Term | None) -> str:
    """A term as a SPARQL CSV cell (plain values, quoted when needed)."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, ox.NamedNode | ox.Literal):
        text = term.value
    else:
        text = str(term)
    if any(c in text for c in '",\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def tsv_cell(term: Term | None) -> str:
    """A term as a SPARQL TSV cell (N-Triples/Turtle syntax)."""
    if term is None:
        return ""
    return str(term).replace("\t", "\\t")


def _csv(names: list[str], rows: Iterable, out: IO[bytes], truncated: bool) -> None:
    out.write((",".join(names) + "\r\n").encode())
    for chunk in _batched(rows):
        out.write("".join(",".join(map(csv_cell, row)) + "\r\n" for row in chunk).encode())


def _tsv(names: list[str], rows: Iterable, out: IO[bytes], truncated: bool) -> None:
    out.write(("\t".join(f"?{n}" for n in names) + "\n").encode())
    for chunk in _batched(rows):
        out.write("".join("\t".join(map(tsv_cell, row)) + "\n" for row in chunk).encode())


def _batched(rows: Iterable, size: int = 500) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


_SOLUTION_WRITERS = {
    "json": _json,
    "xml": _xml,
    "csv": _csv,
    "tsv": _tsv,
}
