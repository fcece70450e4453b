"""Import at scale and query mixes on three stores, printed against the targets.

    python bench/scale.py 10000          # the target size (about 5 M triples)
    python bench/scale.py 200 --rounds 5 # a quick look

1. Generates the SYNTHETIC KEEP corpus (bench/generate.py), imports it the way
   ``hcn-ld import keep`` does (partitions -> N-Triples + parallel SHACL -> bulk load) and
   prints time per stage and the peak memory of the largest process against the targets
   (< 90 s, < 2 GB for N = 10,000).
2. Publishes the same graph into an Oxigraph server and a Virtuoso started here, then runs a
   query mix on the embedded store, the Oxigraph server and Virtuoso, each directly and
   through ``hcn-ld serve`` (/sparql), and prints the medians side by side with the app's
   overhead (target: at most +20% over the store it talks to).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import NOTE, corpus  # noqa: E402
from hcn_ld.config import Settings  # noqa: E402
from hcn_ld.importers.common import ImportLog  # noqa: E402
from hcn_ld.importers.keep import GRAPH, partitions  # noqa: E402
from hcn_ld.partitions import prepare  # noqa: E402
from hcn_ld.pipeline import publish_files  # noqa: E402
from hcn_ld.store import open_store  # noqa: E402
from hcn_ld.store.remote import Endpoints  # noqa: E402
from hcn_ld.store.servers import free_port, oxigraph_server, virtuoso_server  # noqa: E402
from hcn_ld.uris import Minter  # noqa: E402

E = "PREFIX eurio: <http://data.europa.eu/s66#> PREFIX dct: <http://purl.org/dc/terms/> "
QUERIES = {
    "projects per programme": E
    + """SELECT ?programme (COUNT(?p) AS ?n) WHERE {
        ?p eurio:isFundedBy/eurio:hasFundingSchemeProgramme ?programme } GROUP BY ?programme""",
    "partners per country": E
    + """SELECT ?country (COUNT(?r) AS ?n) WHERE {
        ?r eurio:isRoleOf/eurio:hasSite/eurio:hasAddress/eurio:addressCountry ?country }
        GROUP BY ?country ORDER BY DESC(?n)""",
    "busiest organisations": E
    + """SELECT ?o (COUNT(?r) AS ?n) WHERE { ?o eurio:hasRole ?r }
        GROUP BY ?o ORDER BY DESC(?n) LIMIT 10""",
    "one project's partners": E
    + """SELECT ?name ?label WHERE {
        ?p eurio:identifier "100007" ; eurio:hasInvolvedParty ?r .
        ?r eurio:roleLabel ?label ; eurio:isRoleOf/eurio:legalName ?name }""",
    "events of a project": E
    + """SELECT ?e ?title WHERE {
        ?e dct:isPartOf ?p ; dct:title ?title . ?p eurio:identifier "100003" }""",
}
TARGET_SECONDS, TARGET_GB = 90, 2.0


def peak_gb() -> float:
    """Peak resident memory of the largest process so far (this one or a finished child)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024 / 1024


def import_corpus(n: int, folder: Path, store: str) -> Path:
    """Generate and import; prints the stage figures; returns the N-Triples file."""
    started = time.perf_counter()
    projects = corpus(n)
    corpus_dir = folder / "corpus"
    corpus_dir.mkdir()
    for first in range(0, n, 1000):
        chunk = projects[first : first + 1000]
        path = corpus_dir / f"keep-synthetic-{first // 1000 + 1:04d}.json"
        path.write_text(json.dumps({"note": NOTE, "projects": chunk}, ensure_ascii=False))
    del projects
    print(f"generated {n} synthetic projects in {time.perf_counter() - started:.1f} s")
    settings = Settings(store=store)
    log = ImportLog()
    ntriples = folder / "keep.nt"
    started = time.perf_counter()
    parts = partitions(sorted(corpus_dir.glob("*.json")), Minter(settings.base), ROOT / "data", log)
    report, timings = prepare(parts, ntriples, settings)
    prepared = time.perf_counter()
    publish_files(settings, {GRAPH: ntriples}, report, {"import": {"source": GRAPH}})
    loaded = time.perf_counter()
    total = loaded - started
    triples = sum(open_store(store).graphs().values())
    print(f"\nimport of N={n} projects ({triples:,} triples, {report.summary().splitlines()[0]})")
    print(f"  mapping + N-Triples   {timings.mapping:7.1f} s  (overlaps validation)")
    print(f"  validation (waited)   {timings.validation:7.1f} s  (process pool, per partition)")
    print(f"  bulk load             {loaded - prepared:7.1f} s")
    print(f"  total                 {total:7.1f} s   target < {TARGET_SECONDS} s at N=10,000")
    print(f"  peak memory           {peak_gb():7.2f} GB  target < {TARGET_GB} GB (largest process)")
    return ntriples


def median_ms(run, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def direct(spec: str, query: str):
    """The query sent straight to the store, as the app's store layer sends it."""
    if "://" not in spec:
        store = open_store(spec)
        return lambda: store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
    endpoints = Endpoints.parse(spec)
    graphs = list(open_store(spec).graphs())
    data = {"query": query, "default-graph-uri": graphs, "named-graph-uri": graphs}
    headers = {"Accept": "application/sparql-results+json"}
    return lambda: requests.post(endpoints.query, data=data, headers=headers, timeout=600)


def through_app(url: str, query: str):
    headers = {"Accept": "application/sparql-results+json"}
    return lambda: requests.post(
        url + "sparql", data={"query": query}, headers=headers, timeout=600
    )


def serve(spec: str, folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "hcn-ld"),
        "serve",
        "--store",
        spec,
        "--port",
        str(port),
        "--workers",
        "2",
        "--query-timeout",
        "600",
    ]
    log = open(folder / f"serve-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(300):
        try:
            requests.get(url + "robots.txt", timeout=2)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("hcn-ld serve did not start")


def query_mix(specs: dict[str, str], folder: Path, rounds: int) -> None:
    print(f"\nquery mix, median of {rounds} runs in ms (direct / through hcn-ld serve, +overhead)")
    print("  " + "query".ljust(24) + "".join(kind.rjust(26) for kind in specs))
    servers = {kind: serve(spec, folder) for kind, spec in specs.items()}
    try:
        for name, query in QUERIES.items():
            cells = []
            for kind, spec in specs.items():
                url = servers[kind][1]
                for _ in range(8):  # every worker thread starts its query executor
                    through_app(url, query)()
                mine = median_ms(direct(spec, query), rounds)
                app = median_ms(through_app(url, query + f"\n# {time.time()}"), rounds)
                cells.append(f"{mine:8.1f} /{app:8.1f} {100 * (app / mine - 1):+5.0f}%")
            print("  " + name.ljust(24) + "".join(c.rjust(26) for c in cells))
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-servers", action="store_true", help="embedded store only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hcn-scale-") as scratch:
        folder = Path(scratch)
        local = str(folder / "store")
        ntriples = import_corpus(args.n, folder, local)
        specs = {"embedded": local}
        if args.no_servers:
            query_mix(specs, folder, args.rounds)
            return
        with (
            oxigraph_server(folder / "oxigraph") as oxigraph,
            virtuoso_server(folder / "virtuoso", memory_gb=1.0) as virtuoso,
        ):
            for spec in (oxigraph, virtuoso):
                started = time.perf_counter()
                open_store(spec).publish([_graph_file(ntriples)], {"import": {"source": GRAPH}})
                print(
                    f"published into {spec.split('@')[-1]} in {time.perf_counter() - started:.1f} s"
                )
            specs.update(oxigraph=oxigraph, virtuoso=virtuoso)
            query_mix(specs, folder, args.rounds)


def _graph_file(ntriples: Path):
    from hcn_ld.store.base import GraphFile

    return GraphFile(str(Minter(Settings().base).graph(GRAPH)), ntriples)


if __name__ == "__main__":
    main()
