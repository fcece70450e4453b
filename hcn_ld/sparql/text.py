"""What the endpoint must know about a SPARQL text before running it: SERVICE calls, USING, IRIs.

A small lexer (strings, IRIs, comments and braces are recognised, so a keyword inside a literal
or an IRI is never mistaken for one) answers the questions the protocol layer asks:

    >>> service_endpoints('PREFIX e: <http://ex.org/> SELECT * { SERVICE SILENT e:q { ?s ?p ?o } }')
    ['http://ex.org/q']
    >>> service_endpoints('SELECT * { ?s ?p "SERVICE <http://x/>" }')
    []
    >>> with_using("INSERT { ?s a <C> } WHERE { ?s ?p ?o }", ["http://g/"], [])
    'INSERT { ?s a <C> } USING <http://g/> WHERE { ?s ?p ?o }'
    >>> is_lookup("PREFIX e: <http://ex.org/> SELECT ?p ?o WHERE { e:x ?p ?o }")
    True
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urljoin

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[^\W\d][\w\-.]*)?:(?:[\w\-:%]|\\.|\.(?=[\w\-:%]))*)
  | (?P<word>[^\W\d][\w\-]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

#: What an IRI holds between ``<`` and ``>``.
_IRI_TEXT = r"""[^<>"{}|^`\\\x00-\x20]*+"""
#: One part of a prologue: whitespace, a comment, or a ``PREFIX`` (name and IRI captured) or
#: ``BASE`` declaration. A comment is consumed whole: a declaration inside one is not read.
_PROLOGUE_PART_TEXT = rf"""\s++|\#[^\n]*+
    |PREFIX\s++((?:[^\W\d][\w\-.]*+)?):\s*+<({_IRI_TEXT})>
    |BASE\s*+<{_IRI_TEXT}>"""
_PROLOGUE_PART = re.compile(_PROLOGUE_PART_TEXT, re.IGNORECASE | re.VERBOSE)
#: Whitespace, comments and ``PREFIX``/``BASE`` declarations at the start of a text, matched
#: in one go (possessive: no backtracking): most of a typical lookup, then not lexed token by
#: token (``bench/sparql.py``: that was a fifth of a lookup's time in the web worker).
_PROLOGUE = re.compile(rf"(?:{_PROLOGUE_PART_TEXT})*+", re.IGNORECASE | re.VERBOSE)
#: An IRI or a prefixed name (not a blank node) that ends where the lexer's would end.
_NAME = rf"""(?:<{_IRI_TEXT}>|(?!_:)(?:[^\W\d][\w\-]*+)?:[\w\-]*+(?=[\s#]|\Z))"""
#: The most common lookups after the prologue, matched in one go (the lexer takes several times
#: longer): ``SELECT`` of one pattern with a fixed subject and no ``LIMIT``, and ``DESCRIBE``
#: of named resources; whatever else, lookup or not, is left to the lexer.
_PLAIN_LOOKUP = re.compile(
    rf"""(?:(?P<SELECT>SELECT(?:\s*+[?$]\w++)++\s*+(?:WHERE\s*+)?
          \{{\s*+{_NAME}\s*+[?$]\w++\s++[?$]\w++\s*+(?:\.\s*+)?\}})
        |(?P<DESCRIBE>DESCRIBE(?:\s++{_NAME})++))
        (?:\s++|\#[^\n]*+)*+\Z""",
    re.IGNORECASE | re.VERBOSE,
)
#: The most tokens after the prologue a lookup has (its form, projection, one pattern with
#: typed or tagged literals, ``LIMIT``; or ``DESCRIBE`` and its names): lexing a 4 kB query
#: to its end took 0.4 ms.
_LOOKUP_TOKENS = 64
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_SERVICE = re.compile("service", re.IGNORECASE)
_FROM = re.compile("from", re.IGNORECASE)
#: A backslash escape in the local part of a prefixed name (``ex:a\\-b`` stands for ``a-b``).
_LOCAL_ESCAPE = re.compile(r"\\(.)")
#: Calls of the functions whose value changes from one run of a query to the next.
_VOLATILE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID)\s*\(", re.IGNORECASE)


class Token(NamedTuple):
    """A lexical token: its kind (``iri``, ``pname``, ``var``, ``word``, ``string``, ``other``)."""

    kind: str
    text: str
    start: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


class Refused(ValueError):
    """The text asks for something this endpoint will not do (the message says why)."""


def tokens(text: str, limit: int | None = None) -> list[Token]:
    """The tokens of ``text``, without whitespace and comments (the first ``limit`` only).

    >>> [tok.text for tok in tokens("SELECT * # all\\n{ ?s ?p ?o }", limit=3)]
    ['SELECT', '*', '{']
    """
    found = (
        Token(match.lastgroup or "other", match.group(), match.start())
        for match in _TOKEN.finditer(text)
        if match.lastgroup not in ("ws", "comment")
    )
    return list(itertools.islice(found, limit))


def _prefixes(toks: Sequence[Token]) -> dict[str, str]:
    found = {}
    for i, tok in enumerate(toks[:-2]):
        if tok.is_word("PREFIX") and toks[i + 1].kind == "pname" and toks[i + 2].kind == "iri":
            found[toks[i + 1].text[:-1]] = toks[i + 2].text[1:-1]
    return found


def service_endpoints(text: str) -> list[str | None]:
    """The endpoints of every ``SERVICE`` in a query or update (``None`` for ``SERVICE ?var``)."""
    if not _SERVICE.search(text):  # the usual case, found without lexing
        return []
    toks = tokens(text)
    prefixes = _prefixes(toks)
    found: list[str | None] = []
    for i, tok in enumerate(toks):
        if not tok.is_word("SERVICE"):
            continue
        target = toks[i + 1] if i + 1 < len(toks) else None
        if target is not None and target.is_word("SILENT"):
            target = toks[i + 2] if i + 2 < len(toks) else None
        if target is None or target.kind == "var":
            found.append(None)
        elif target.kind == "iri":
            found.append(target.text[1:-1])
        elif target.kind == "pname":
            prefix, _, local = target.text.partition(":")
            found.append(prefixes[prefix] + local if prefix in prefixes else target.text)
        else:
            found.append(None)
    return found


def rename_iris(text: str, names: Mapping[str, str], base_iri: str | None = None) -> str:
    """``text`` with each IRI that is a key of ``names`` written as ``<names[iri]>``.

    IRIs are recognised however they are written: ``<absolute>``, a prefixed name (expanded
    through the text's ``PREFIX`` declarations) or a relative IRI (resolved against ``BASE``
    or ``base_iri``). ``PREFIX`` and ``BASE`` declarations themselves stay as they are.

    >>> rename_iris('PREFIX g: <http://ex.org/g/> ASK { GRAPH g:a {} GRAPH <b> {} }',
    ...             {"http://ex.org/g/a": "urn:x:1", "http://ex.org/g/b": "urn:x:2"},
    ...             "http://ex.org/g/")
    'PREFIX g: <http://ex.org/g/> ASK { GRAPH <urn:x:1> {} GRAPH <urn:x:2> {} }'
    """
    if not names:
        return text
    toks = tokens(text)
    found = [(toks[i], names[iri]) for i, iri in _iris(toks, base_iri) if iri in names]
    for tok, name in reversed(found):
        text = f"{text[: tok.start]}<{name}>{text[tok.start + len(tok.text) :]}"
    return text


def from_named(text: str, base_iri: str | None = None) -> list[str] | None:
    """The graphs a query's ``FROM NAMED`` clauses name; ``None`` when it has no ``FROM``.

    >>> from_named("PREFIX g: <http://ex.org/g/> SELECT * FROM <a> FROM NAMED g:b {}")
    ['http://ex.org/g/b']
    >>> from_named("SELECT * FROM <http://ex.org/a> {}"), from_named("SELECT * {}")
    ([], None)
    """
    if not _FROM.search(text):  # the usual case, found without lexing
        return None
    toks = tokens(text)
    if not any(tok.is_word("FROM") for tok in toks):
        return None
    return [
        iri
        for i, iri in _iris(toks, base_iri)
        if i > 1 and toks[i - 1].is_word("NAMED") and toks[i - 2].is_word("FROM")
    ]


def _iris(toks: Sequence[Token], base_iri: str | None) -> Iterator[tuple[int, str]]:
    """Where ``toks`` name an IRI (outside ``BASE`` and ``PREFIX`` declarations): the index
    of the token and the absolute IRI (prefixed names expanded, relative IRIs resolved)."""
    base, prefixes = base_iri, {}
    for i, tok in enumerate(toks):
        if tok.kind == "iri":
            iri = urljoin(base, tok.text[1:-1]) if base else tok.text[1:-1]
            if i and toks[i - 1].is_word("BASE"):
                base = iri
            elif i > 1 and toks[i - 2].is_word("PREFIX") and toks[i - 1].kind == "pname":
                prefixes[toks[i - 1].text[:-1]] = iri
            else:
                yield i, iri
        elif tok.kind == "pname" and not (i and toks[i - 1].is_word("PREFIX")):
            prefix, _, local = tok.text.partition(":")
            if prefix in prefixes:
                yield i, prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)


def is_volatile(text: str) -> bool:
    """True when a query may answer differently each time it runs on the same data (it calls
    ``NOW()``, ``RAND()``, ``UUID()`` or ``STRUUID()``), so a remembered answer will not do.

    >>> is_volatile("SELECT (NOW() AS ?t) {}"), is_volatile("SELECT ?now { ?s ?p ?now }")
    (True, False)
    """
    return bool(_VOLATILE.search(text))


def check_services(text: str, allowlist: Sequence[str]) -> None:
    """Raise :class:`Refused` unless every ``SERVICE`` endpoint is in ``allowlist``.

    >>> check_services("SELECT * { SERVICE <http://example.org/sparql> {} }", [])
    ... # doctest: +ELLIPSIS +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    hcn_ld.sparql.text.Refused: SERVICE <http://example.org/sparql> refused: ...
    """
    for endpoint in service_endpoints(text):
        if endpoint is None:
            raise Refused(
                "SERVICE with a variable endpoint refused: this endpoint only calls the "
                "endpoints on its allowlist, so the endpoint must be written as an IRI"
            )
        if endpoint not in allowlist:
            allowed = ", ".join(f"<{a}>" for a in allowlist) or "none"
            raise Refused(
                f"SERVICE <{endpoint}> refused: federated queries may only call the endpoints "
                f"on this server's allowlist ({allowed})"
            )


def with_using(update: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    """``update`` with the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` applied.

    Each ``DELETE``/``INSERT ... WHERE`` operation gets ``USING`` clauses before its ``WHERE``.
    :class:`Refused` when the update names its own dataset (``USING`` or ``WITH``): the protocol
    forbids both at once.
    """
    if not using and not using_named:
        return update
    toks = tokens(update)
    if any(tok.is_word("USING", "WITH") for tok in toks):
        raise Refused(
            "using-graph-uri/using-named-graph-uri cannot be combined with USING or WITH "
            "in the update (SPARQL 1.1 Protocol, section 2.2.3)"
        )
    clause = "".join(f"USING <{g}> " for g in using) + "".join(
        f"USING NAMED <{g}> " for g in using_named
    )
    depth, inserts = 0, []
    for i, tok in enumerate(toks):
        if tok.text == "{":
            depth += 1
        elif tok.text == "}":
            depth -= 1
        elif depth == 0 and tok.is_word("WHERE") and i and toks[i - 1].text == "}":
            inserts.append(tok.start)
    for position in reversed(inserts):
        update = update[:position] + clause + update[position:]
    return update


def declared_prefixes(text: str) -> dict[str, str]:
    """The prefixes a query's prologue declares with absolute IRIs (one dict per prologue,
    shared: not to be changed).

    >>> declared_prefixes("PREFIX e: <http://e/> # PREFIX f: <http://f/>\\n"
    ...                   "prefix : <http://d/> PREFIX r: <rel/> SELECT * {}")
    {'e': 'http://e/', '': 'http://d/'}
    """
    return _prologue_prefixes(text[: _PROLOGUE.match(text).end()])  # type: ignore[union-attr]


@lru_cache(maxsize=64)
def _prologue_prefixes(prologue: str) -> dict[str, str]:
    """The prefixes a prologue declares, kept for a few prologues: a client sends the same
    declarations with each of its queries (reading them was a tenth of a ``DESCRIBE``
    lookup's time in the web worker)."""
    parts = _PROLOGUE_PART.finditer(prologue)
    return {part[1]: part[2] for part in parts if part[2] and _ABSOLUTE.match(part[2])}


def is_lookup(text: str) -> bool:
    """True for a query that cannot run long: ``DESCRIBE`` of named resources, or a ``SELECT``
    or ``ASK`` of one triple pattern with a fixed subject or object (``LIMIT`` allowed; no
    other modifier, filter, path or second pattern). Its answer is one index range read lazily,
    so cutting it at the row limit bounds the work; any other query may run long.

    >>> is_lookup("DESCRIBE <http://ex.org/x>"), is_lookup('ASK { ?s ?p "x"@en }')
    (True, True)
    >>> is_lookup("SELECT * { ?s ?p ?o }"), is_lookup("SELECT * { <x> <p>* ?o }")
    (False, False)
    >>> is_lookup("SELECT DISTINCT ?p { <x> ?p ?o }"), is_lookup("SELECT * { <x> ?p ?o } OFFSET 9")
    (False, False)
    """
    return _lookup_form(text) is not None


def capped(text: str, rows: int) -> str | None:
    """A ``SELECT`` lookup without ``LIMIT`` with ``LIMIT rows`` added, so that its answer
    holds at most ``rows`` rows; None for any other text.

    >>> capped("SELECT * { <x> ?p ?o } # the x", 11)
    'SELECT * { <x> ?p ?o } # the x\\nLIMIT 11'
    >>> capped("SELECT * { <x> ?p ?o } LIMIT 3", 11), capped("DESCRIBE <x>", 11)
    (None, None)
    """
    return f"{text}\nLIMIT {rows}" if _lookup_form(text) == "SELECT" else None


@lru_cache(maxsize=64)
def _lookup_form(text: str) -> str | None:
    """``DESCRIBE``, ``ASK``, ``SELECT`` or ``SELECT LIMIT`` for a lookup (see
    :func:`is_lookup`), None for any other text (kept for a few texts: the web worker asks
    before running a query, and again when it runs it)."""
    rest = text[_PROLOGUE.match(text).end() :]  # type: ignore[union-attr]
    plain = _PLAIN_LOOKUP.match(rest)
    if plain:
        return plain.lastgroup
    # A lookup is a few tokens: a longer query is not lexed to its end to tell.
    toks = tokens(rest, _LOOKUP_TOKENS + 1)
    if len(toks) > _LOOKUP_TOKENS:
        return None
    i = 0
    while i < len(toks) and toks[i].is_word("PREFIX", "BASE"):
        i += 3 if toks[i].is_word("PREFIX") else 2
    if i >= len(toks):
        return None
    form, rest = toks[i], toks[i + 1 :]
    if form.is_word("DESCRIBE"):
        return "DESCRIBE" if rest and all(_is_name(tok) for tok in rest) else None
    if form.is_word("SELECT"):
        projected = 1 if rest and rest[0].text == "*" else 0
        while projected < len(rest) and rest[projected].kind == "var":
            projected += 1
        if projected == 0:
            return None
        rest = rest[projected:]
    elif not form.is_word("ASK"):
        return None
    if rest and rest[0].is_word("WHERE"):
        rest = rest[1:]
    if not rest or rest[0].text != "{" or "}" not in (tok.text for tok in rest):
        return None
    close = next(n for n, tok in enumerate(rest) if tok.text == "}")
    pattern, after = rest[1:close], rest[close + 1 :]
    if after and not (
        form.is_word("SELECT")
        and after[0].is_word("LIMIT")
        and len(after) > 1
        and all(tok.text.isdigit() for tok in after[1:])
    ):
        return None
    terms = _terms(pattern[:-1] if pattern and pattern[-1].text == "." else pattern)
    if terms is None or len(terms) != 3 or not (_is_fixed(terms[0]) or _is_fixed(terms[2])):
        return None
    if form.is_word("ASK"):
        return "ASK"
    return "SELECT LIMIT" if after else "SELECT"


def _is_name(tok: Token) -> bool:
    return tok.kind == "iri" or (tok.kind == "pname" and not tok.text.startswith("_:"))


def _is_fixed(tok: Token) -> bool:
    return _is_name(tok) or tok.kind == "string"


def _terms(toks: Sequence[Token]) -> list[Token] | None:
    """The RDF terms of a run of tokens (a literal with its language or datatype counts as one),
    or None when anything else is there (operators, keywords, nested groups)."""
    terms, i = [], 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind in ("iri", "pname", "var") or tok.is_word("A", "TRUE", "FALSE"):
            i += 1
        elif tok.kind == "string":
            following = "".join(t.text for t in toks[i + 1 : i + 3])
            if following.startswith("@") and len(toks) > i + 2 and toks[i + 2].kind == "word":
                i += 3
            elif following == "^^" and len(toks) > i + 3 and _is_name(toks[i + 3]):
                i += 4
            else:
                i += 1
        else:
            return None
        terms.append(tok)
    return terms
