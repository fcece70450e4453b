"""Time SHACL validation of N SYNTHETIC KEEP projects: the SPARQL validator against pyshacl.

    python bench/validation.py 100 1000 10000       # sizes; pyshacl only runs for N <= 200

For each N: bench/generate.py writes the corpus, the KEEP importer maps it partition by
partition to N-Triples, pyoxigraph bulk-loads that into a temporary store (a named graph), and
each validator runs in its own process so its seconds and peak memory (resident set of the
process and its workers, sampled) are its own:

- ``sparql×1`` / ``sparql×2``: :func:`hcn_ld.build.shaclsparql.validate_store` on the store
  directory with 1 or 2 threads;
- ``pyshacl``: :func:`hcn_ld.build.validation.validate` on the whole graph (N-Triples parsed first,
  not timed), as the build does.

Both report the same findings (tests/test_shaclsparql.py); the counts are printed to show it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
GRAPH = "https://w3id.org/hcn/graph/keep"
PYSHACL_LIMIT = 200


def prepare(n: int, folder: Path) -> tuple[Path, int]:
    """Generate N projects, map them to N-Triples and bulk-load them; (store dir, triples)."""
    from hcn_ld.build.importers.common import ImportLog
    from hcn_ld.build.importers.keep import partitions
    from hcn_ld.config import Settings
    from hcn_ld.rdf.uris import Minter

    corpus = folder / "corpus"
    generate = [sys.executable, str(ROOT / "bench" / "generate.py"), str(n), "--out", str(corpus)]
    subprocess.run(generate, check=True, capture_output=True)
    settings = Settings()
    nt = folder / "keep.nt"
    with nt.open("w", encoding="utf-8") as sink:
        parts = partitions(
            sorted(corpus.glob("*.json")), Minter(settings.base), settings.data_dir, ImportLog()
        )
        for part in parts:
            sink.write(part.ntriples())
    store = ox.Store(str(folder / "store"))
    store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(GRAPH))
    triples = len(store)
    store.flush()
    del store
    return folder / "store", triples


def measure(args: list[str]) -> dict:
    """Run ``bench/validation.py --child ARGS``; its JSON answer plus peak RSS of its tree."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, text=True
    )
    peak = 0
    process = psutil.Process(child.pid)

    def sample() -> None:
        nonlocal peak
        while child.poll() is None:
            try:
                tree = [process, *process.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, _ = child.communicate()
    sampler.join()
    if child.returncode:
        raise SystemExit(f"child {args} failed")
    return {**json.loads(out), "peak_mb": peak / 2**20}


def child(kind: str, store: Path, workers: int) -> dict:
    """The measured work (in a fresh process): one validation, timed."""
    from hcn_ld.config import Settings

    settings = Settings()
    if kind == "pyshacl":
        from rdflib import Graph

        from hcn_ld.build.mapping import Mapped
        from hcn_ld.build.validation import validate

        graph = Graph().parse(store.parent / "keep.nt", format="nt")
        started = time.perf_counter()
        report = validate(Mapped(graph, {}), settings)
    else:
        from hcn_ld.build.shaclsparql import validate_store

        started = time.perf_counter()
        report = validate_store(store, settings, graph=ox.NamedNode(GRAPH), workers=workers)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "violations": len(report.violations),
        "warnings": len(report.warnings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", help="numbers of projects")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, store, workers = args.child
        print(json.dumps(child(kind, Path(store), int(workers))))
        return
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} cores (timings scale with it)")
    print(f"{'N':>6} {'triples':>9} {'validator':<10} {'seconds':>8} {'peak MB':>8}  findings")
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="hcn-bench-validation-") as tmp:
            started = time.perf_counter()
            store, triples = prepare(n, Path(tmp))
            took = time.perf_counter() - started
            print(f"{n:>6} {triples:>9} (generated, mapped and loaded in {took:.1f} s)")
            runs = [
                ("sparql×1", ["sparql", str(store), "1"]),
                ("sparql×2", ["sparql", str(store), "2"]),
            ]
            if n <= PYSHACL_LIMIT:
                runs.append(("pyshacl", ["pyshacl", str(store), "1"]))
            for label, run in runs:
                result = measure(run)
                seconds, peak = result["seconds"], result["peak_mb"]
                print(
                    f"{n:>6} {triples:>9} {label:<10} {seconds:>8.2f} {peak:>8.0f}"
                    f"  {result['violations']} violations, {result['warnings']} warnings"
                )


if __name__ == "__main__":
    main()
