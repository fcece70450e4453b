"""Validate a large pyoxigraph store against shapes/ fast: every SHACL shape compiled to SPARQL.

pyshacl walks an rdflib graph node by node (about 2,000 CPU-seconds for 5 million triples); here
each node shape becomes a few SELECT queries that Oxigraph answers over the whole store: one for
wrong values and too many values of all its property shapes, one for missing values, one for the
shape's own constraints and one per SPARQL constraint. Inside a query every constraint is a
branch that scans its predicate alone and keeps only violating rows (class checks and counts
are hash joins: MINUS against the class's instances, a self-join for ``sh:maxCount 1``), and
only those rows are joined with the focus nodes. Rows come back with the severity, path and
message of the shape.

The results are the ones whole-graph pyshacl reports (``inference="none"``, the ontology's
``rdfs:subClassOf`` triples mixed in, ``advanced=True``), proven by
``tests/test_shaclsparql.py``::

    store = pyoxigraph.Store.read_only("var/store/generations/<id>/oxigraph")
    report = validate_store(store, settings, graph=NamedNode(f"{settings.base}graph/keep"))
    report.conforms, report.summary()

Only the SHACL features ``shapes/`` uses are compiled (targetClass, targetSubjectsOf, predicate
and inverse paths, min/maxCount, datatype, class, pattern, min/maxInclusive, nodeKind,
min/maxLength, in, lessThanOrEquals, or, qualifiedValueShape, SPARQL SELECT constraints,
severity, message, deactivated); any other feature raises :class:`UnsupportedShape` naming the
shape, so no constraint is ever skipped silently. Where the store itself differs from an rdflib
graph, so do the results: Oxigraph keeps literals in canonical form (``"1.50"^^xsd:decimal`` is
returned as ``"1.5"``, ``xsd:nonNegativeInteger`` as ``xsd:integer`` — so a whole number of
at least 0 is accepted as ``xsd:nonNegativeInteger``), and ill-formed literals are those Oxigraph
cannot read (``"1e5"^^xsd:decimal`` is one, pyshacl accepts it). Where pyshacl errs, this
follows SHACL: a start year after the end year (two ``xsd:gYear``) is a violation (pyshacl
raises TypeError), and ``"abc"^^xsd:decimal`` violates ``sh:maxInclusive`` too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from hcn_ld.build.sources import Origin
from hcn_ld.build.validation import (
    Finding,
    Report,
    ontology_graph,
    path_text,
    shapes_graph,
    sort_findings,
)
from hcn_ld.config import Settings
from hcn_ld.rdf.vocab import SH

Graphs = ox.NamedNode | Sequence[ox.NamedNode] | None


class UnsupportedShape(ValueError):
    """A shape uses a SHACL feature this validator does not compile (named in the message)."""


#: Parameters a shape may carry; anything else in the sh: namespace is refused.
SHAPE_KEYS = {
    SH[k]
    for k in (
        "targetClass targetSubjectsOf property path minCount maxCount datatype class pattern"
        " minInclusive maxInclusive nodeKind minLength maxLength in lessThanOrEquals or"
        " qualifiedValueShape qualifiedMinCount qualifiedMaxCount sparql severity message"
        " deactivated name description order group"
    ).split()
}
NODE_SHAPE_KEYS = {
    SH[k]
    for k in (
        "targetClass targetSubjectsOf property sparql severity message deactivated name"
        " description datatype class nodeKind pattern minInclusive maxInclusive minLength"
        " maxLength in or"
    ).split()
}
SPARQL_KEYS = {SH.select, SH.message, SH.prefixes, SH.deactivated}
#: sh: terms allowed outside shapes: prefix declarations and inverse paths.
OTHER_KEYS = {SH.declare, SH.prefix, SH.namespace, SH.inversePath}
#: Keys of a shape's constraints that test one value node at a time.
VALUE_KEYS = [
    SH.datatype,
    SH["class"],
    SH.nodeKind,
    SH.pattern,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minLength,
    SH.maxLength,
    SH["in"],
    SH["or"],
]
NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})",
    SH.BlankNodeOrLiteral: "!isIRI({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
}
#: Datatypes whose ill-formed literals Oxigraph and rdflib both reject: numbers ...
NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float}
#: ... and those with an XPath cast that gives back the stored (canonical) literal.
CASTABLE = {XSD.date, XSD.dateTime, XSD.time, XSD.boolean}
#: Integer types Oxigraph stores as xsd:integer: the range that is left to check.
INTEGER_RANGES = {
    XSD.nonNegativeInteger: ">= 0",
    XSD.positiveInteger: ">= 1",
    XSD.nonPositiveInteger: "<= 0",
    XSD.negativeInteger: "<= -1",
}
#: Other integer types Oxigraph also stores as xsd:integer (refused: the datatype is lost).
CANONICALISED = {
    XSD.int, XSD.long, XSD.short, XSD.byte,
    XSD.unsignedInt, XSD.unsignedLong, XSD.unsignedShort, XSD.unsignedByte,
}  # fmt: skip
#: pyshacl's message for a constraint without sh:message (others: "<component> not met").
GENERIC = {SH.PatternConstraintComponent: "Value does not match pattern '{}'"}


@dataclass(frozen=True)
class Check:
    """One constraint of one shape: what a violation of it is reported as."""

    shape: Node
    component: URIRef
    severity: URIRef
    messages: tuple[Literal, ...]
    path: Node | None = None
    #: "value" (the value node), "focus" (the focus node) or "none" (counts)
    value: str = "value"
    source: Node | None = None


@dataclass
class Query:
    """One SELECT over the store; ``kind`` says what its rows are:

    - ``flags``: ``?this``, maybe ``?value``, and a boolean ``?fN`` per check N it violates;
    - ``checks``: ``?this``, maybe ``?value``, and the index ``?k`` of the check it violates;
    - ``sparql``: the rows of a SPARQL constraint (``?this``, maybe ``?value``, ``?path``).
    """

    kind: str
    text: str
    checks: list[Check] = field(default_factory=list)

    def results(self, row: Mapping[str, Node]) -> Iterator[tuple[Check, Node | None, Node | None]]:
        """(check, value, path) of every result a row of this query stands for."""
        if self.kind == "sparql":
            check = self.checks[0]
            yield check, row.get("value", row["this"]), row.get("path", check.path)
            return
        if self.kind == "flags":
            failed = [c for i, c in enumerate(self.checks) if row.get(f"f{i}") == TRUE]
        else:
            failed = [self.checks[int(row["k"])]]  # type: ignore[call-overload]
        for check in failed:
            value = {"value": row.get("value"), "focus": row["this"], "none": None}[check.value]
            yield check, value, check.path


TRUE = Literal(True)


@dataclass
class _Compiler:
    shapes: Graph
    closure: Mapping[Node, set[Node]]
    counter: int = 0
    queries: list[Query] = field(default_factory=list)

    # ---------------------------------------------------------------- helpers

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"?{stem}{self.counter}"

    def one(self, shape: Node, key: URIRef) -> Node | None:
        values = list(self.shapes.objects(shape, key))
        if len(values) > 1:
            raise UnsupportedShape(f"{_name(self.shapes, shape)}: more than one {_key(key)}")
        return values[0] if values else None

    def check(
        self, shape: Node, component: URIRef, first: tuple[Literal, ...] = (), **kw: object
    ) -> Check:
        """A check of ``shape``; its messages are ``first`` (a SPARQL constraint's), then the
        shape's sh:message, as pyshacl orders them."""
        messages = tuple(self.shapes.objects(shape, SH.message))
        if len(messages) > 1:
            raise UnsupportedShape(f"{_name(self.shapes, shape)}: more than one sh:message")
        for message in messages:
            if re.search(r"\{[$?]", str(message)):
                raise UnsupportedShape(
                    f"{_name(self.shapes, shape)}: message templates ({{$var}}, {{?var}})"
                )
        severity = self.one(shape, SH.severity) or SH.Violation
        return Check(shape, component, severity, first + messages, **kw)  # type: ignore[arg-type]

    def path(self, shape: Node) -> tuple[Node, URIRef, bool]:
        """(sh:path node, its predicate, whether it is an sh:inversePath)."""
        path = self.one(shape, SH.path)
        if isinstance(path, URIRef):
            return path, path, False
        inverse = self.shapes.value(path, SH.inversePath) if isinstance(path, BNode) else None
        if isinstance(inverse, URIRef) and len(list(self.shapes.predicate_objects(path))) == 1:
            return path, inverse, True  # type: ignore[return-value]
        raise UnsupportedShape(
            f"{_name(self.shapes, shape)}: sh:path {path!r} (only IRIs and sh:inversePath)"
        )

    def classes(self, cls: Node) -> str:
        return " ".join(f"<{c}>" for c in sorted(self.closure.get(cls, {cls})))

    # ---------------------------------------------------------------- value conditions

    def condition(self, shape: Node, key: URIRef, v: str, this: str = "?this") -> str:
        """A SPARQL expression, never an error, true when value ``v`` meets ``shape``'s ``key``."""
        value = self.one(shape, key)
        if key == SH.datatype:
            test = _datatype(value, v)  # type: ignore[arg-type]
        elif key == SH["class"]:
            c = self.fresh("class")
            test = f"EXISTS {{ VALUES {c} {{ {self.classes(value)} }} {v} a {c} }}"  # type: ignore[arg-type]
        elif key == SH.nodeKind:
            if value not in NODE_KINDS:
                raise UnsupportedShape(f"{_name(self.shapes, shape)}: sh:nodeKind {value}")
            test = NODE_KINDS[value].format(v=v)  # type: ignore[index]
        elif key == SH.pattern:
            if self.one(shape, SH.flags) is not None:
                raise UnsupportedShape(f"{_name(self.shapes, shape)}: sh:flags")
            test = f"!isBlank({v}) && REGEX(STR({v}), {_literal(value)})"  # type: ignore[arg-type]
        elif key in (SH.minInclusive, SH.maxInclusive):
            op = ">=" if key == SH.minInclusive else "<="
            test = f"{v} {op} {_literal(value)}"  # type: ignore[arg-type]
        elif key in (SH.minLength, SH.maxLength):
            op = ">=" if key == SH.minLength else "<="
            test = f"!isBlank({v}) && STRLEN(STR({v})) {op} {int(value)}"  # type: ignore[arg-type]
        elif key == SH["in"]:
            members = list(Collection(self.shapes, value))  # type: ignore[arg-type]
            test = " || ".join(f"sameTerm({v}, {_term(m)})" for m in members) or "false"
        elif key == SH["or"]:
            members = list(Collection(self.shapes, value))  # type: ignore[arg-type]
            test = " || ".join(f"({self.conforms(m, v)})" for m in members) or "false"
        elif key == SH.lessThanOrEquals:
            other = self.fresh("other")
            test = (
                f"NOT EXISTS {{ {this} <{value}> {other} "
                f"FILTER (!COALESCE({v} <= {other}, false)) }}"
            )
        else:  # pragma: no cover - VALUE_KEYS and this function are kept in step
            raise AssertionError(key)
        return f"COALESCE({test}, false)"

    def conforms(self, shape: Node, v: str) -> str:
        """An expression true when node ``v`` conforms to ``shape`` (inside sh:or and
        sh:qualifiedValueShape): value constraints, or a property shape with minCount 1."""
        self.refuse_unknown(shape, allowed=set(VALUE_KEYS) | {SH.path, SH.minCount})
        keys = [k for k in VALUE_KEYS if (shape, k, None) in self.shapes]
        if (shape, SH.path, None) not in self.shapes:
            return " && ".join(self.condition(shape, k, v) for k in keys) or "true"
        _, predicate, inverse = self.path(shape)
        path = f"^<{predicate}>" if inverse else f"<{predicate}>"
        x = self.fresh("x")
        tests = []
        if keys:
            each = " && ".join(self.condition(shape, k, x) for k in keys)
            tests.append(f"NOT EXISTS {{ {v} {path} {x} FILTER (!({each})) }}")
        least = self.one(shape, SH.minCount)
        if least is not None:
            if int(least) != 1:  # type: ignore[call-overload]
                raise UnsupportedShape(
                    f"{_name(self.shapes, shape)}: sh:minCount {least} in a nested shape"
                )
            tests.append(f"EXISTS {{ {v} {path} {x} }}")
        return " && ".join(tests) or "true"

    def refuse_unknown(self, shape: Node, allowed: set[URIRef]) -> None:
        for key in set(self.shapes.predicates(shape)):
            if str(key).startswith(str(SH)) and key not in allowed | {SH.message, SH.severity}:
                raise UnsupportedShape(
                    f"{_name(self.shapes, shape)}: {_key(key)} is not supported here"
                )

    # ---------------------------------------------------------------- shapes

    def focus(self, shape: Node) -> str:
        """A pattern binding ``?this`` to the focus nodes of a node shape (DISTINCT only where
        a node can be found twice; repeated findings are dropped in Python anyway)."""
        parts = []
        for cls in self.shapes.objects(shape, SH.targetClass):
            classes = self.closure.get(cls, {cls})
            if len(classes) == 1:
                parts.append(f"{{ ?this a <{cls}> }}")
            else:  # instances of several subclasses are often typed with each
                c = self.fresh("type")
                parts.append(
                    f"{{ SELECT DISTINCT ?this WHERE {{ VALUES {c} {{ {self.classes(cls)} }} "
                    f"?this a {c} }} }}"
                )
        for predicate in self.shapes.objects(shape, SH.targetSubjectsOf):
            o = self.fresh("o")
            parts.append(f"{{ SELECT DISTINCT ?this WHERE {{ ?this <{predicate}> {o} }} }}")
        return " UNION ".join(parts)

    def node_shape(self, shape: Node, prefixes: Mapping[str, str]) -> None:
        if _deactivated(self.shapes, shape):
            return
        self.refuse_unknown(shape, NODE_SHAPE_KEYS)
        if (shape, RDF.type, RDFS.Class) in self.shapes:
            raise UnsupportedShape(
                f"{_name(self.shapes, shape)}: implicit class targets (an rdfs:Class)"
            )
        focus = self.focus(shape)
        keys = [k for k in VALUE_KEYS if (shape, k, None) in self.shapes]
        checks = [self.check(shape, _component(k), value="focus") for k in keys]
        if checks:
            violations = [f"!{self.condition(shape, k, '?this')}" for k in keys]
            self.queries.append(Query("flags", _flagged(focus, "?this", violations), checks))
        properties = [
            p for p in self.shapes.objects(shape, SH.property) if not _deactivated(self.shapes, p)
        ]
        for inverse in (False, True):
            group = [p for p in properties if self.path(p)[2] == inverse]
            if group:
                self.properties(focus, group, inverse)
        for constraint in self.shapes.objects(shape, SH.sparql):
            self.sparql(shape, constraint, focus, prefixes)

    def properties(self, focus: str, shapes: list[Node], inverse: bool) -> None:
        """Two queries for the property shapes of a node shape whose paths go the same way:
        one for wrong values and too many values, one for missing values. Each check is a
        branch that scans its predicate alone (cheap in Oxigraph) and keeps the violating
        rows, which are joined with the focus nodes at the end (a hash join): joining first
        would look every focus node up in the index, many times slower on large stores."""

        def edge(predicate: URIRef, value: str) -> str:
            return f"{value} <{predicate}> ?this" if inverse else f"?this <{predicate}> {value}"

        nodes = f"{{ SELECT ?this WHERE {{ {focus} }} }}"
        checks: list[Check] = []
        found: list[str] = []  # branches whose rows are joined with the focus nodes
        missing: list[str] = []  # branches that find focus nodes without a value

        def add(check: Check, branch: str, into: list[str]) -> None:
            into.append(branch.replace("?K", str(len(checks))))
            checks.append(check)

        allowed = SHAPE_KEYS - {SH.targetClass, SH.targetSubjectsOf, SH.property, SH.sparql}
        for shape in shapes:
            self.refuse_unknown(shape, allowed)
            node, predicate, _ = self.path(shape)
            values = f"{{ SELECT ?this ?value WHERE {{ {edge(predicate, '?value')} }} }}"
            for key in [*VALUE_KEYS, SH.lessThanOrEquals]:
                if (shape, key, None) not in self.shapes:
                    continue
                check = self.check(shape, _component(key), path=node)
                if key == SH["class"]:  # an anti-join with the instances, not a lookup a value
                    c = self.fresh("class")
                    instances = self.classes(self.one(shape, key))  # type: ignore[arg-type]
                    typed = (
                        f"{{ SELECT ?value WHERE {{ VALUES {c} {{ {instances} }} ?value a {c} }} }}"
                    )
                    rows = f"{values} MINUS {typed}"
                else:
                    test = self.condition(shape, key, "?value")
                    rows = f"{edge(predicate, '?value')} FILTER (!{test})"
                add(check, f"{{ SELECT ?this ?value (?K AS ?k) WHERE {{ {rows} }} }}", found)
            qualified = self.one(shape, SH.qualifiedValueShape)

            def values_of(
                v: str, qualify: bool, predicate: URIRef = predicate, qualified: Node = qualified
            ) -> str:
                """The values ``v`` of the path (``qualify``: those conforming to the
                qualified value shape)."""
                test = f" FILTER ({self.conforms(qualified, v)})" if qualify else ""
                return edge(predicate, v) + test

            for key, component, qualify in (
                (SH.maxCount, SH.MaxCountConstraintComponent, False),
                (SH.qualifiedMaxCount, SH.QualifiedMaxCountConstraintComponent, True),
            ):
                limit = _int(self.one(shape, key))
                if limit is not None:
                    check = self.check(shape, component, path=node, value="none")
                    pair = (values_of("?v", qualify), values_of("?w", qualify))
                    add(check, _too_many(*pair, limit), found)
            for key, component, qualify in (
                (SH.minCount, SH.MinCountConstraintComponent, False),
                (SH.qualifiedMinCount, SH.QualifiedMinCountConstraintComponent, True),
            ):
                limit = _int(self.one(shape, key))
                if limit:
                    check = self.check(shape, component, path=node, value="none")
                    add(check, _too_few(nodes, values_of("?v", qualify), limit), missing)
            counts = (SH.qualifiedMinCount, SH.qualifiedMaxCount)
            if qualified is None and any((shape, k, None) in self.shapes for k in counts):
                raise UnsupportedShape(
                    f"{_name(self.shapes, shape)}: qualified count without shape"
                )
        if found:
            text = f"SELECT ?this ?value ?k WHERE {{ {{ {' UNION '.join(found)} }} {nodes} }}"
            self.queries.append(Query("checks", text, checks))
        if missing:
            text = f"SELECT ?this ?k WHERE {{ {' UNION '.join(missing)} }}"
            self.queries.append(Query("checks", text, checks))

    def sparql(
        self, shape: Node, constraint: Node, focus: str, prefixes: Mapping[str, str]
    ) -> None:
        if _deactivated(self.shapes, constraint):
            return
        for key in set(self.shapes.predicates(constraint)):
            if key not in SPARQL_KEYS and str(key).startswith(str(SH)):
                raise UnsupportedShape(f"{_name(self.shapes, shape)}: {_key(key)} in sh:sparql")
        select = str(self.one(constraint, SH.select))
        bare = re.sub(r'"""(?:.|\n)*?"""|"[^"\n]*"|\'[^\'\n]*\'|<[^>\s]*>|#[^\n]*', " ", select)
        refused = re.findall(
            r"\b(OPTIONAL|MINUS|EXISTS|SERVICE|VALUES|GRAPH|UNION)\b|\$PATH\b", bare, re.I
        )
        projected = re.match(r"\s*SELECT\s+(?:DISTINCT\s+)?(.*?)\s+WHERE\b", bare, re.I | re.S)
        if refused or len(re.findall(r"\bSELECT\b", bare, re.I)) != 1 or not projected:
            raise UnsupportedShape(
                f"{_name(self.shapes, shape)}: sh:select must be one plain SELECT without "
                f"OPTIONAL/MINUS/EXISTS/SERVICE/VALUES/GRAPH/UNION/$PATH (found {refused})"
            )
        if not re.search(r"[$?]this\b", projected[1]):
            raise UnsupportedShape(f"{_name(self.shapes, shape)}: sh:select must project $this")
        declared = {}
        for source in self.shapes.objects(constraint, SH.prefixes):
            for declaration in self.shapes.objects(source, SH.declare):
                prefix = self.shapes.value(declaration, SH.prefix)
                declared[str(prefix)] = str(self.shapes.value(declaration, SH.namespace))
        head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in {**prefixes, **declared}.items())
        first = tuple(self.shapes.objects(constraint, SH.message))
        check = self.check(
            shape, SH.SPARQLConstraintComponent, first, value="focus", source=constraint
        )
        text = f"{head}SELECT * WHERE {{ {{ SELECT ?this WHERE {{ {focus} }} }} {{ {select} }} }}"
        self.queries.append(Query("sparql", text, [check]))


def _name(shapes: Graph, shape: Node) -> str:
    """How an error names a shape: its IRI, or its path and the shape it belongs to."""
    if isinstance(shape, URIRef):
        return f"shape <{shape}>"
    path = shapes.value(shape, SH.path)
    named = f"property shape (sh:path {path.n3()})" if path is not None else "nested shape"
    for key in (SH.property, SH.qualifiedValueShape):
        owner = shapes.value(predicate=key, object=shape)
        if owner is not None:
            return f"{named} of {_name(shapes, owner)}"
    return named


def _key(key: Node) -> str:
    return "sh:" + str(key).removeprefix(str(SH))


def _component(key: URIRef) -> URIRef:
    name = str(key).removeprefix(str(SH))
    return SH[name[0].upper() + name[1:] + "ConstraintComponent"]


def _deactivated(shapes: Graph, node: Node) -> bool:
    return any(bool(v.toPython()) for v in shapes.objects(node, SH.deactivated))  # type: ignore[union-attr]


def _term(node: Node) -> str:
    return f"<{node}>" if isinstance(node, URIRef) else _literal(node)  # type: ignore[arg-type]


def _literal(node: Literal) -> str:
    if not isinstance(node, Literal):
        raise UnsupportedShape(f"expected a literal, got {node!r}")
    return node.n3()


def _datatype(datatype: URIRef, v: str) -> str:
    if datatype == RDF.langString:
        return f'isLiteral({v}) && LANG({v}) != ""'
    if datatype in INTEGER_RANGES:
        return (
            f"isNumeric({v}) && (sameTerm(DATATYPE({v}), <{datatype}>) || "
            f"sameTerm(DATATYPE({v}), <{XSD.integer}>)) && {v} {INTEGER_RANGES[datatype]}"
        )
    if datatype in CANONICALISED:
        raise UnsupportedShape(f"sh:datatype {datatype} (Oxigraph stores it as xsd:integer)")
    test = f"sameTerm(DATATYPE({v}), <{datatype}>)"
    if datatype in NUMERIC:
        test += f" && isNumeric({v})"
    elif datatype in CASTABLE:
        test += f" && sameTerm(<{datatype}>(STR({v})), {v})"
    return test


def _flagged(pattern: str, projected: str, violations: list[str], filtered: bool = False) -> str:
    """A query for the rows of ``pattern`` that meet any of the ``violations`` expressions
    (``filtered``: ``pattern`` has only such rows), with a boolean ``?fN`` per expression
    computed on those rows only."""
    flags = " ".join(f"?f{i}" for i in range(len(violations)))
    binds = " ".join(f"BIND ({v} AS ?f{i})" for i, v in enumerate(violations))
    wanted = "" if filtered else f"FILTER ({' || '.join(f'({v})' for v in violations)})"
    return (
        f"SELECT {projected} {flags} WHERE {{ {{ SELECT {projected} WHERE {{ {pattern} "
        f"{wanted} }} }} {binds} }}"
    )


def _too_many(values: str, same_values: str, limit: int) -> str:
    """A branch: the ``?this`` with more than ``limit`` ``values`` (``?v``; ``same_values``
    is the same pattern with ``?w``): a hash self-join for a limit of 1, else counted."""
    if limit == 1:
        pairs = (
            f"{{ SELECT ?this ?v WHERE {{ {values} }} }} "
            f"{{ SELECT ?this ?w WHERE {{ {same_values} }} }}"
        )
        return (
            f"{{ SELECT DISTINCT ?this (?K AS ?k) WHERE {{ {pairs} FILTER (!sameTerm(?v, ?w)) }} }}"
        )
    return (
        f"{{ SELECT ?this (?K AS ?k) WHERE {{ {values} }} GROUP BY ?this "
        f"HAVING (COUNT(DISTINCT ?v) > {limit}) }}"
    )


def _too_few(nodes: str, values: str, limit: int) -> str:
    """A branch: the focus nodes (``nodes``) with fewer than ``limit`` ``values`` (``?v``):
    an anti-join (MINUS) for a limit of 1, else counted."""
    if limit == 1:
        having = f"{{ SELECT ?this WHERE {{ {values} }} }}"
        return f"{{ SELECT ?this (?K AS ?k) WHERE {{ {nodes} MINUS {having} }} }}"
    return (
        f"{{ SELECT ?this (?K AS ?k) WHERE {{ {nodes} OPTIONAL {{ {values} }} }} "
        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {limit}) }}"
    )


def _int(literal: Node | None) -> int | None:
    return None if literal is None else int(literal)  # type: ignore[call-overload]


# -------------------------------------------------------------------- compiling


def subclass_closure(pairs: Iterable[tuple[Node, Node]]) -> dict[Node, set[Node]]:
    """Each class with itself and all its subclasses (transitively), from (sub, super) pairs.

    >>> sorted(subclass_closure([("b", "a"), ("c", "b")])["a"])
    ['a', 'b', 'c']
    """
    below: dict[Node, set[Node]] = {}
    for sub, sup in pairs:
        below.setdefault(sup, set()).add(sub)
    closure = {}
    for cls in below:
        seen, todo = {cls}, [cls]
        while todo:
            for sub in below.get(todo.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        closure[cls] = seen
    return closure


def compile_shapes(shapes: Graph, closure: Mapping[Node, set[Node]]) -> list[Query]:
    """The SELECT queries that together find every violation of ``shapes``.

    Raises :class:`UnsupportedShape` for a feature outside the compiled subset.

    >>> from hcn_ld.config import Settings
    >>> queries = compile_shapes(shapes_graph(Settings()), {})
    >>> all(q.text.startswith(("SELECT", "PREFIX")) for q in queries)
    True
    """
    compiler = _Compiler(shapes, closure)
    prefixes = {p: str(ns) for p, ns in shapes.namespaces() if p}
    for key in {*shapes.predicates()} - SHAPE_KEYS - SPARQL_KEYS - OTHER_KEYS:
        if str(key).startswith(str(SH)):
            subject = next(shapes.subjects(key, None))
            raise UnsupportedShape(f"{_name(shapes, subject)}: {_key(key)} is not supported")
    roots = {*shapes.subjects(RDF.type, SH.NodeShape)}
    roots |= {*shapes.subjects(SH.targetClass, None), *shapes.subjects(SH.targetSubjectsOf, None)}
    for shape in sorted(roots):  # type: ignore[type-var]
        if not any(shapes.objects(shape, k) for k in (SH.targetClass, SH.targetSubjectsOf)):
            continue  # only reachable from other shapes (sh:node is refused above)
        compiler.node_shape(shape, prefixes)
    return compiler.queries


# -------------------------------------------------------------------- running


def _rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


Row = dict[str, Node]


def _run(store: ox.Store, query: Query, graphs: Graphs) -> list[Row]:
    """The rows of ``query`` as rdflib terms by variable name."""
    kwargs = {"default_graph": graphs} if graphs is not None else {}
    solutions = store.query(query.text, **kwargs)  # type: ignore[arg-type]
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    return [
        {n: _rdflib(solution[n]) for n in names if solution[n] is not None}  # type: ignore[misc]
        for solution in solutions  # type: ignore[union-attr]
    ]


def _results(
    store: ox.Store | Path, queries: list[Query], graphs: Graphs, workers: int
) -> Iterator[tuple[Query, list[Row]]]:
    """Each query with its rows; ``workers`` threads share the store (Oxigraph evaluates
    queries without holding the GIL: two threads take half the time on two cores)."""
    opened = ox.Store.read_only(str(store)) if isinstance(store, Path) else store
    if workers <= 1:
        for query in queries:
            yield query, _run(opened, query, graphs)
        return
    with ThreadPoolExecutor(workers) as threads:
        yield from zip(
            queries, threads.map(lambda q: _run(opened, q, graphs), queries), strict=True
        )


def _subclass_pairs(store: ox.Store | Path, graphs: Graphs) -> list[tuple[Node, Node]]:
    opened = ox.Store.read_only(str(store)) if isinstance(store, Path) else store
    kwargs = {"default_graph": graphs} if graphs is not None else {}
    text = f"SELECT ?a ?b WHERE {{ ?a <{RDFS.subClassOf}> ?b }}"
    return [(_rdflib(s["a"]), _rdflib(s["b"])) for s in opened.query(text, **kwargs)]  # type: ignore[misc,union-attr]


def _check_ontology(ontology: Graph, shapes: Graph, closure: Mapping[Node, set[Node]]) -> None:
    """The ontology is mixed into the data for pyshacl; refuse one that holds focus nodes."""
    targeted = set()
    for cls in shapes.objects(None, SH.targetClass):
        targeted |= closure.get(cls, {cls})
    for predicate in shapes.objects(None, SH.targetSubjectsOf):
        if (None, predicate, None) in ontology:
            raise ValueError(f"the ontology uses {predicate}, a target of the shapes")
    for node, cls in ontology.subject_objects(RDF.type):
        if cls in targeted:
            raise ValueError(f"the ontology declares {node} a {cls}, a target of the shapes")


def validate_store(
    store: ox.Store | Path,
    settings: Settings,
    *,
    graph: Graphs = None,
    origins: Mapping[URIRef, Origin] | None = None,
    workers: int = 1,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
) -> Report:
    """Validate the data of a pyoxigraph store (``graph``: a named graph or a list of them;
    None = the store's default graph) against the shapes; the same findings as
    :func:`hcn_ld.build.validation.validate`, with origins looked up in ``origins``.

    ``store`` is an open Store or the directory of one; with ``workers=2`` two threads share
    the queries.

    >>> import pyoxigraph
    >>> from hcn_ld.config import Settings
    >>> validate_store(pyoxigraph.Store(), Settings()).conforms
    True
    """
    shapes = shapes if shapes is not None else shapes_graph(settings)
    ontology = ontology if ontology is not None else ontology_graph(settings)
    pairs = [*ontology.subject_objects(RDFS.subClassOf), *_subclass_pairs(store, graph)]
    closure = subclass_closure(pairs)
    _check_ontology(ontology, shapes, closure)
    queries = compile_shapes(shapes, closure)
    report, node = Graph(), BNode()
    report.bind("sh", SH)
    findings, seen = [], set()
    origins = origins or {}
    for query, rows in _results(store, queries, graph, workers):
        for row in rows:
            for check, value, path in query.results(row):
                where = (row["this"], path, value)
                if (id(check), where) not in seen:  # a focus node found by two targets
                    seen.add((id(check), where))
                    findings.append(_result((report, node), shapes, check, where, origins))
    conforms = not any(f.severity == "Violation" for f in findings)
    report.add((node, RDF.type, SH.ValidationReport))
    report.add((node, SH.conforms, Literal(conforms)))
    return Report(report, sort_findings(findings))


def _result(
    into: tuple[Graph, BNode],
    shapes: Graph,
    check: Check,
    where: tuple[Node, Node | None, Node | None],
    origins: Mapping[URIRef, Origin],
) -> Finding:
    """Add one sh:ValidationResult (focus, path, value) to the report; the same as a Finding."""
    report, node = into
    focus, path, value = where
    result = BNode()
    report.add((node, SH.result, result))
    report.add((result, RDF.type, SH.ValidationResult))
    report.add((result, SH.focusNode, focus))
    report.add((result, SH.resultSeverity, check.severity))
    report.add((result, SH.sourceShape, check.shape))
    report.add((result, SH.sourceConstraintComponent, check.component))
    if check.source is not None:
        report.add((result, SH.sourceConstraint, check.source))
    if value is not None:
        report.add((result, SH.value, value))
    if path is not None:
        if isinstance(path, BNode):  # [ sh:inversePath P ]: copied from the shapes graph
            for p, o in shapes.predicate_objects(path):
                report.add((path, p, o))
        report.add((result, SH.resultPath, path))
    messages = check.messages
    if not messages:
        pattern = shapes.value(check.shape, SH.pattern)
        generic = GENERIC.get(check.component, _key(check.component) + " not met")
        messages = (Literal(generic.format(pattern)),)
    for message in messages:
        report.add((result, SH.resultMessage, message))
    return Finding(
        severity=str(check.severity).rsplit("#", 1)[-1],
        focus=str(focus),
        path=path_text(report, path),
        message=str(messages[0]) if messages else "",
        value="" if value is None else str(value),
        origin=origins.get(focus),  # type: ignore[arg-type]
    )
