"""Injection and access: hostile IRIs never change a query, writes need the token, SERVICE stays
on its allowlist (no request forgery, no redirects), HTML is escaped (checked in Chromium), and
oversized requests get 413."""

from __future__ import annotations

import http.server
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import requests

from tests.conftest import run_cli
from tests.support.browser import browser_page
from tests.support.server import running_server

TOKEN = "s3cret-token-for-tests"
PROJECT = "id/project/healthclusternet"
#: Fragments that would break out of an IRI, a string or a group if pasted into SPARQL.
BREAKOUTS = ['"', "'", ">", "\n", "}", '" } UNION { ?s ?p ?o', "> ?p ?o } UNION { ?s ?p <x", "\\"]


@pytest.fixture(scope="module")
def server(built_store):
    with running_server(built_store) as url:
        yield url


@pytest.mark.parametrize("breakout", BREAKOUTS)
def test_breakouts_in_resource_iris_find_nothing(server, breakout):
    for path in (
        PROJECT + breakout,
        PROJECT + quote(breakout, safe=""),
        "id/project/" + quote(breakout),
    ):
        for accept in ("text/html", "text/turtle"):
            response = requests.get(server + path, headers={"Accept": accept}, timeout=30)
            assert response.status_code == 404, (path, response.status_code, response.text[:500])


@pytest.mark.parametrize("breakout", BREAKOUTS)
def test_breakouts_in_query_parameters_find_nothing(server, breakout):
    project_class = "http://data.europa.eu/s66#Project"
    listed = requests.get(server + "class", params={"iri": project_class}, timeout=30)
    assert listed.status_code == 200 and "HealthClusterNET" in listed.text
    hostile = requests.get(server + "class", params={"iri": project_class + breakout}, timeout=30)
    assert hostile.status_code == 404
    queries = {
        "default-graph-uri": "SELECT * { ?s ?p ?o } LIMIT 1",
        "named-graph-uri": "SELECT * { GRAPH ?g { ?s ?p ?o } } LIMIT 1",
    }
    for name, query in queries.items():
        params = {"query": query, name: "http://x/g" + breakout}
        answer = requests.get(server + "sparql", params=params, timeout=30)
        # Refused as not an IRI, or taken literally as the IRI of a graph that is not there.
        refused = answer.status_code == 400 and name in answer.text
        assert refused or answer.json()["results"]["bindings"] == [], answer.text


def test_forged_forwarded_host_never_reaches_rdf(server):
    headers = {"Accept": "text/turtle", "X-Forwarded-Host": 'evil.example> <x> "y" . <z'}
    response = requests.get(server + PROJECT, headers=headers, timeout=30)
    assert response.status_code == 200 and "evil" not in response.text
    fine = requests.get(server + PROJECT, headers={**headers, "X-Forwarded-Host": "proxy.example"})
    assert "http://proxy.example/id/project/healthclusternet" in fine.text


# ----------------------------------------------------------------------------- writes


@pytest.fixture(scope="module")
def writable(tmp_path_factory):
    store = tmp_path_factory.mktemp("writable") / "store"
    run_cli("build", "--store", str(store))
    with running_server(store, ["--update-token", TOKEN]) as url:
        yield url, store


INSERT = "INSERT DATA { GRAPH <http://e.org/g> { <http://e.org/a> <http://e.org/p> 1 } }"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"bearer{TOKEN}",
     f"Basic {TOKEN}", f"Token {TOKEN}", f"Bearer {TOKEN.upper()}", "Bearer " + "a" * 4000],
)  # fmt: skip
def test_updates_without_the_token_are_refused(writable, authorization):
    url, store = writable
    version = os.readlink(store / "current")
    headers = {} if authorization is None else {"Authorization": authorization}
    bodies = [
        (INSERT.encode(), "application/sparql-update"),
        (urlencode({"update": INSERT}).encode(), "application/x-www-form-urlencoded"),
    ]
    for body, content_type in bodies:
        answer = requests.post(
            url + "sparql", data=body, headers={**headers, "Content-Type": content_type}, timeout=30
        )
        assert answer.status_code == 403, answer.text
        assert answer.headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert os.readlink(store / "current") == version


def test_graph_store_style_uploads_are_refused(writable):
    url, store = writable
    version = os.readlink(store / "current")
    turtle = b"<http://example.org/a> <http://example.org/p> <http://example.org/b> ."
    for method in ("PUT", "POST", "DELETE"):
        for path in ("sparql?graph=http://example.org/g", "sparql?default", PROJECT):
            answer = requests.request(
                method, url + path, data=turtle, headers={"Content-Type": "text/turtle"}, timeout=30
            )
            assert 400 <= answer.status_code < 500, (method, path, answer.status_code)
    assert os.readlink(store / "current") == version


def test_update_with_the_token_applies(writable):
    url, _ = writable
    answer = requests.post(
        url + "sparql",
        data=INSERT.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    ask = "ASK { GRAPH <http://e.org/g> { <http://e.org/a> ?p ?o } }"
    assert requests.get(url + "sparql", params={"query": ask}, timeout=30).json()["boolean"]


def test_read_only_server_refuses_updates_even_with_a_token(server):
    answer = requests.post(
        server + "sparql",
        data=INSERT.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert answer.status_code == 403 and "read-only" in answer.text


# ----------------------------------------------------------------------------- SERVICE / SSRF


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Records every request; answers 307 to ``redirect_to`` when set, else an empty result."""

    hits: list[str]
    redirect_to: str | None = None

    def do_GET(self) -> None:
        self.hits.append(self.path)
        if self.redirect_to:
            self.send_response(307)
            self.send_header("Location", self.redirect_to)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def recorder(redirect_to: str | None = None) -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server recording what reaches it: (its URL, the paths requested)."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits, "redirect_to": redirect_to})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/sparql", hits
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_service_outside_the_allowlist_is_refused_and_never_called(server):
    with recorder() as (trap, hits):
        port = trap.split(":")[2].split("/")[0]
        targets = [
            trap, f"http://localhost:{port}/sparql", f"http://[::1]:{port}/sparql",
            f"http://2130706433:{port}/sparql", f"http://0x7f000001:{port}/sparql",
            "http://10.0.0.1/sparql", "http://192.168.1.1/sparql", "http://172.16.0.1/",
            "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", "gopher://127.0.0.1/",
        ]  # fmt: skip
        queries = []
        for target in targets:
            queries += [
                f"SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                f"select * {{ service silent <{target}> {{ ?s ?p ?o }} }}",
                f"SELECT * {{ SERVICE # comment\n <{target}> {{ ?s ?p ?o }} }}",
                f"PREFIX e: <{target.rsplit('/', 1)[0]}/>\nSELECT * {{ SERVICE e:sparql {{ }} }}",
            ]
        queries += [
            f"SELECT * {{ BIND(<{trap}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
            f"BASE <{trap.rsplit('/', 1)[0]}/> SELECT * {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        ]
        for query in queries:
            answer = requests.get(server + "sparql", params={"query": query}, timeout=30)
            assert answer.status_code == 400, (query, answer.status_code)
            assert "refused" in answer.text
        update = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{trap}> {{ ?s ?p ?o }} }}"
        answer = requests.post(server + "sparql", data={"update": update}, timeout=30)
        assert answer.status_code in (400, 403)
        assert hits == [], f"the server called {hits}"


def test_allowlisted_service_redirect_is_not_followed(built_store):
    with recorder() as (trap, trap_hits), recorder(redirect_to=trap) as (allowed, hits):
        with running_server(built_store, ["--service-allow", allowed]) as url:
            query = f"SELECT * {{ SERVICE <{allowed}> {{ ?s ?p ?o }} }}"
            answer = requests.get(url + "sparql", params={"query": query}, timeout=30)
        assert hits, "the allowlisted endpoint was not called"
        assert answer.status_code != 200
        assert trap_hits == [], "the redirect to an address outside the allowlist was followed"


# ----------------------------------------------------------------------------- HTML escaping

PAYLOADS = [
    "<script>window.__xss='script'</script>",
    '"><img src=x onerror="window.__xss=\'img\'">',
    "</script><script>window.__xss='breakout'</script>",
    "{{7*7}}<svg onload=\"window.__xss='svg'\">",
]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory, data_dir_copy):
    store = tmp_path_factory.mktemp("xss") / "store"
    run_cli("--data", str(data_dir_copy), "build", "--store", str(store))
    with running_server(store) as url:
        yield url


@pytest.fixture(scope="module")
def data_dir_copy(tmp_path_factory) -> Path:
    """data/ with script payloads in a project's label and description and a theme's label."""
    import shutil

    from tests.conftest import ROOT

    target = tmp_path_factory.mktemp("xss-data") / "data"
    shutil.copytree(ROOT / "data", target)
    projects = (target / "projects.yaml").read_text(encoding="utf-8")
    projects = projects.replace("label: HealthClusterNET", f"label: {json.dumps(PAYLOADS[0])}")
    projects = projects.replace("  description: >-\n", f"  description: >-\n    {PAYLOADS[1]}\n", 1)
    (target / "projects.yaml").write_text(projects, encoding="utf-8")
    themes = (target / "themes.yaml").read_text(encoding="utf-8")
    label = json.dumps(f"{PAYLOADS[2]} {PAYLOADS[3]}")
    themes = themes.replace("label: Procurement", f"label: {label}")
    (target / "themes.yaml").write_text(themes, encoding="utf-8")
    return target


def test_script_payloads_in_data_and_urls_never_execute(hostile_site):
    url = hostile_site
    reflected = quote(PAYLOADS[0] + PAYLOADS[1], safe="")
    pages = {
        PROJECT: "<script>window.__xss='script'</script>",
        "id/theme/procurement": "</script><script>",
        "id/project/": None,
        "": None,
        f"id/project/{reflected}": None,  # the 404 page echoes the path
        f"class?iri={reflected}": None,
        "sparql?" + urlencode({"query": f'SELECT * {{ ?s ?p "{PAYLOADS[2]}" }}'}): None,
    }
    with browser_page() as page:
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for path, visible in pages.items():
            page.goto(url + path, wait_until="load")
            page.wait_for_timeout(300)
            assert page.evaluate("window.__xss") is None, f"script ran on /{path}"
            if visible:
                assert visible in page.inner_text("body"), f"/{path} does not show the text"
            hrefs = page.eval_on_selector_all(  # SVG links hold their href in .baseVal
                "a[href]", "els => els.map(e => e.href.baseVal ?? e.href)"
            )
            assert not [h for h in hrefs if h.lower().startswith("javascript:")]
        # The SPARQL UI shows query results containing the payloads as text.
        query = "SELECT ?l { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
        query += 'FILTER(CONTAINS(?l, "<")) }'
        page.goto(url + "sparql?" + urlencode({"query": query}), wait_until="load")
        page.locator(".yasr table tbody tr").first.wait_for(timeout=20_000)
        page.wait_for_timeout(500)
        assert page.evaluate("window.__xss") is None, "script ran in the query results"
        assert "<script>" in page.locator(".yasr").inner_text()
        assert dialogs == []


# ----------------------------------------------------------------------------- sizes


def test_oversized_requests_get_413(built_store):
    with running_server(built_store, ["--max-request-bytes", "10000"]) as url:
        big = "SELECT * { ?s ?p ?o } #" + "x" * 20_000
        answer = requests.post(
            url + "sparql", data=big.encode(), headers={"Content-Type": "application/sparql-query"}
        )
        assert answer.status_code == 413
        form = requests.post(url + "sparql", data={"query": big}, timeout=30)
        assert form.status_code == 413
        fits = requests.post(url + "sparql", data={"query": "ASK {}"}, timeout=30)
        assert fits.status_code == 200


def test_load_refuses_a_graph_name_that_is_not_an_iri(tmp_path):
    data = tmp_path / "one.nt"
    data.write_text("<http://e.org/a> <http://e.org/p> <http://e.org/b> .\n")
    store = tmp_path / "store"
    run_cli("build", "--store", str(store))
    version = os.readlink(store / "current")
    hostile = "http://e.org/g> { } } ; DROP ALL ; INSERT DATA { GRAPH <http://e.org/x"
    result = run_cli("load", "--store", str(store), "--graph", hostile, str(data), check=False)
    assert result.returncode != 0 and "is not an IRI" in result.stderr
    assert os.readlink(store / "current") == version
