"""Import at scale and query mixes on three stores, printed against the targets.

    python bench/scale.py 10000          # the target size (about 5 M triples)
    python bench/scale.py 200 --rounds 5 # a quick look

1. Generates the SYNTHETIC KEEP corpus (bench/generate.py), imports it the way
   ``hcn-ld import keep`` does (partitions mapped in worker processes -> N-Triples -> bulk
   load into a new version -> SHACL compiled to SPARQL on it -> switch) and prints time per
   stage and the peak memory of the largest process against the targets (< 90 s, < 2 GB for
   N = 10,000).
2. Imports the same corpus into an Oxigraph server and a Virtuoso started here, then runs a
   query mix on the embedded store, the Oxigraph server and Virtuoso, each directly and
   through ``hcn-ld serve`` (/sparql), and prints the medians side by side with the app's
   overhead (target: at most +20% over the store it talks to). For the servers it also prints
   their peak resident memory during each import.
3. With ``--republish``: imports the corpus once more into each server (the switch copies
   nothing: the graph it replaces is *retired*) and then drops the retired graph
   (``RemoteStore.drop_retired``, which the next publish would do first), printing time and
   the server's peak memory of each.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pyoxigraph as ox
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import NOTE, corpus  # noqa: E402
from hcn_ld.build.importers.common import ImportLog  # noqa: E402
from hcn_ld.build.importers.keep import GRAPH, read_projects  # noqa: E402
from hcn_ld.build.pipeline import import_partitioned  # noqa: E402
from hcn_ld.config import Settings  # noqa: E402
from hcn_ld.rdf.uris import Minter  # noqa: E402
from hcn_ld.store import LocalStore, open_store  # noqa: E402
from hcn_ld.store.local import DERIVING  # noqa: E402
from hcn_ld.store.remote import Endpoints, RemoteStore  # noqa: E402
from tests.support.servers import free_port, oxigraph_server, virtuoso_server  # noqa: E402

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


@contextmanager
def server_peak(kind: str) -> Iterator[list[float]]:
    """Samples the resident memory of the server process started here (``oxigraph`` or
    ``virtuoso``) while the block runs; the list holds the peak in GB afterwards."""
    name = {"oxigraph": "oxigraph", "virtuoso": "virtuoso-t"}[kind]
    [server] = [p for p in psutil.Process().children(recursive=True) if p.name() == name]
    peak, done = [server.memory_info().rss / 1e9], threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], server.memory_info().rss / 1e9)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def generate(n: int, folder: Path) -> list[Path]:
    """Write the synthetic corpus (1,000 projects a file); returns the files."""
    started = time.perf_counter()
    projects = corpus(n)
    folder.mkdir()
    files = []
    for first in range(0, n, 1000):
        path = folder / f"keep-synthetic-{first // 1000 + 1:04d}.json"
        path.write_text(json.dumps({"note": NOTE, "projects": projects[first : first + 1000]}))
        files.append(path)
    print(f"generated {n} synthetic projects in {time.perf_counter() - started:.1f} s")
    return files


def import_corpus(files: list[Path], store: str) -> None:
    """Import as ``hcn-ld import keep`` does; prints the stage figures against the targets."""
    settings = Settings(store=store)
    started = time.perf_counter()
    log = ImportLog()
    mapper, projects = read_projects(files, Minter(settings.base), ROOT / "data", log)
    read = time.perf_counter() - started
    done = import_partitioned(settings, GRAPH, projects, mapper.project, log)
    total = time.perf_counter() - started
    triples = open_store(store).graphs()[str(Minter(settings.base).graph(GRAPH))]
    print(f"\nimport into {store.split('@')[-1]}: {done.mapped.partitions} projects, "
          f"{triples:,} triples, {done.report.summary().splitlines()[0]}")  # fmt: skip
    stages = {"reading the exports": read, **done.seconds}
    notes = {
        "mapping": f"{done.mapped.lines:,} N-Triples lines by worker processes, while",
        "load": "each finished file is bulk-loaded into a new version (then optimized)",
        "validation": "shapes compiled to SPARQL, on the new version",
        "publish": "counts, manifest, switch",
    }
    for stage, seconds in stages.items():
        print(f"  {stage:22s}{seconds:7.1f} s  {notes.get(stage, '')}")
    print(f"  {'total':22s}{total:7.1f} s  target < {TARGET_SECONDS} s at N=10,000")
    print(f"  {'peak memory':22s}{peak_gb():7.2f} GB target < {TARGET_GB} GB (largest process)")
    marker = None if "://" in store else LocalStore(store).generation_dir() / DERIVING
    if marker and marker.exists():
        while marker.exists():
            time.sleep(0.5)
        print(f"  dumps and search index ready {time.perf_counter() - started:.1f} s after the "
              "start (written in the background after the switch)")  # fmt: skip


def median_ms(run, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def fresh(query: str) -> str:
    """``query`` with a new comment: the app answers it anew, and Virtuoso compiles it anew
    (it caches compiled queries by their text) whichever way it is sent."""
    return f"{query}\n# {time.time()}"


def direct(spec: str, query: str):
    """The query sent straight to the store, as the app's store layer sends it."""
    if "://" not in spec:
        store = open_store(spec)
        return lambda: store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
    endpoints = Endpoints.parse(spec)
    graphs = list(RemoteStore(spec).stored_in().values())
    headers = {"Accept": "application/sparql-results+json"}
    return lambda: requests.post(
        endpoints.query,
        data={"query": fresh(query), "default-graph-uri": graphs, "named-graph-uri": graphs},
        headers=headers,
        timeout=600,
    )


def through_app(url: str, query: str):
    """The query sent to hcn-ld serve, with a new comment each time (no answer from memory)."""
    headers = {"Accept": "application/sparql-results+json"}
    return lambda: requests.post(
        url + "sparql", data={"query": fresh(query)}, headers=headers, timeout=600
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
                app = median_ms(through_app(url, query), rounds)
                cells.append(f"{mine:8.1f} /{app:8.1f} {100 * (app / mine - 1):+5.0f}%")
            print("  " + name.ljust(24) + "".join(c.rjust(26) for c in cells))
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait()


def import_into_server(files: list[Path], kind: str, spec: str) -> None:
    """Import into a server, printing its peak memory too."""
    with server_peak(kind) as peak:
        import_corpus(files, spec)
    print(f"  {'server peak memory':22s}{peak[0]:7.2f} GB ({kind}, resident)")


def drop_retired(kind: str, spec: str) -> None:
    """Drop what the last publish retired; prints time and the server's peak memory."""
    store = RemoteStore(spec)
    started = time.perf_counter()
    with server_peak(kind) as peak:
        store.drop_retired()
    print(f"  dropping the retired graph: {time.perf_counter() - started:.1f} s, "
          f"server peak memory {peak[0]:.2f} GB ({kind})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-servers", action="store_true", help="embedded store only")
    parser.add_argument(
        "--republish", action="store_true", help="publish into the servers again, drop retired"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hcn-scale-") as scratch:
        folder = Path(scratch)
        local = str(folder / "store")
        files = generate(args.n, folder / "corpus")
        import_corpus(files, local)
        specs = {"embedded": local}
        if args.no_servers:
            query_mix(specs, folder, args.rounds)
            return
        with (
            oxigraph_server(folder / "oxigraph") as oxigraph,
            virtuoso_server(folder / "virtuoso", memory_gb=1.0) as virtuoso,
        ):
            servers = {"oxigraph": oxigraph, "virtuoso": virtuoso}
            for kind, spec in servers.items():
                import_into_server(files, kind, spec)
            specs.update(servers)
            query_mix(specs, folder, args.rounds)
            for kind, spec in servers.items() if args.republish else ():
                import_into_server(files, kind, spec)
                drop_retired(kind, spec)


if __name__ == "__main__":
    main()
