"""What the endpoint reads from a query before running it: SERVICE targets and USING clauses."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from hcn_ld.sparql.text import (
    Refused,
    check_services,
    is_lookup,
    service_endpoints,
    tokens,
    with_using,
)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("SELECT * { SERVICE <http://a/sparql> { ?s ?p ?o } }", ["http://a/sparql"]),
        ("select * { service silent <http://a/> {} }", ["http://a/"]),
        ("PREFIX x: <http://a/>\nSELECT * { SERVICE x:q {} }", ["http://a/q"]),
        ("SELECT * { SERVICE ?endpoint {} }", [None]),
        ('SELECT * { ?s ?p "SERVICE <http://a/>" }', []),
        ("SELECT * { ?s <http://a/SERVICE> ?o } # SERVICE <http://b/>", []),
        ("SELECT * { ?s ?p '''\nSERVICE <http://a/>''' }", []),
        ("SELECT * { { SERVICE <http://a/> {} } UNION { SERVICE <http://b/> {} } }",
         ["http://a/", "http://b/"]),
    ],
)  # fmt: skip
def test_service_endpoints_are_found_only_where_they_are(query: str, found: list):
    assert service_endpoints(query) == found


def test_allowlist():
    check_services("SELECT * { SERVICE <http://a/> {} }", ["http://a/"])
    with pytest.raises(Refused, match="variable endpoint"):
        check_services("SELECT * { SERVICE ?e {} }", ["http://a/"])
    with pytest.raises(Refused, match=r"SERVICE <http://b/> refused.*\(<http://a/>\)"):
        check_services("SELECT * { SERVICE <http://b/> {} }", ["http://a/"])


def test_using_clauses_apply_the_protocol_dataset():
    store = ox.Store()
    store.update(
        "INSERT DATA { GRAPH <http://g/1> { <http://s/1> a <http://C> } "
        "GRAPH <http://g/2> { <http://s/2> a <http://C> } }"
    )
    update = with_using(
        "INSERT { GRAPH <http://out/> { ?s a <http://D> } } WHERE { ?s a <http://C> } ;\n"
        "DELETE WHERE { GRAPH <http://none/> { ?s ?p ?o } }",
        ["http://g/1"],
        [],
    )
    store.update(update)
    found = {
        q.subject.value
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode("http://out/"))
    }
    assert found == {"http://s/1"}


def test_using_conflicts_with_the_updates_own_dataset():
    for update in (
        "WITH <http://g/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DELETE { ?s ?p ?o } USING <http://g/> WHERE { ?s ?p ?o }",
    ):
        with pytest.raises(Refused, match="cannot be combined"):
            with_using(update, ["http://x/"], [])
    assert with_using("INSERT DATA { <http://a> <http://b> 'WITH' }", [], []).endswith("'WITH' }")


@pytest.mark.parametrize(
    ("query", "lookup"),
    [
        ("SELECT ?p ?o WHERE { <http://x/a> ?p ?o }", True),
        ("PREFIX s: <http://x/>\nselect ?p ?o { s:a ?p ?o . } # the a\n", True),
        ("SELECT ?p?o{<x>?p ?o}", True),
        ("DESCRIBE <x> <y> # two", True),
        ("SELECT ?p ?o { s:a.b ?p ?o }", True),  # names the quick match leaves to the lexer
        ("SELECT ?p ?o { s:a\\.b ?p ?o }", True),
        ("SELECT ?p ?o { <x> ?p ?o } LIMIT 3", True),
        ("SELECT ?p ?o { _:b ?p ?o }", False),  # a blank node is not a name
        ("DESCRIBE _:b", False),
        ("SELECT ?p ?o { <x> ?p ?o . ?o ?q ?r }", False),
        ("SELECT ?p ?o { <x> ?p ?o } ORDER BY ?o", False),
        ("SELECT ?p ?o { <x> ?p ?o } OFFSET 5", False),
        ("SELECT ?p ?o { <x> ?p ?o } VALUES ?p { <q> }", False),
        ("SELECT ?p ?o { <x> ?p ?o FILTER(?o) }", False),
        ("DESCRIBE <x> WHERE { <x> ?p ?o . ?o ?q ?r }", False),
    ],
)
def test_common_lookups_are_recognised_at_once_and_near_misses_are_not(query: str, lookup: bool):
    """The one-regex match of common lookups agrees with the lexer (``sparqltext._lookup_form``)."""
    assert is_lookup(query) is lookup


def test_a_long_query_is_told_from_a_lookup_by_its_first_tokens():
    """Lexing stops at the limit; a lookup's literal with its datatype still fits in it."""
    patterns = " ".join(f"?s <http://x/p{i}> ?o{i} ." for i in range(200))
    assert [tok.text for tok in tokens(f"SELECT * {{ {patterns} }}", limit=3)] == [
        "SELECT",
        "*",
        "{",
    ]
    assert len(tokens(f"SELECT * {{ {patterns} }}")) == 3 + 4 * 200 + 1
    assert not is_lookup(f"SELECT * {{ <http://x/a> ?p ?o . {patterns} }}")
    assert is_lookup(
        "SELECT ?p WHERE { <http://x/a> ?p 'x'^^<http://www.w3.org/2001/XMLSchema#string> . }"
        " # a comment the quick match leaves to the lexer: 'x' # LIMIT"
    )
