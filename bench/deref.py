"""Dereferencing throughput: hcn-ld serve vs an Oxigraph server (and Trifid where it installs).

    .venv/bin/python bench/deref.py [--store var/store] [--seconds 10] [--connections 8]

Builds a store from data/ unless ``--store`` is given, starts ``hcn-ld serve`` on a free
loopback port, and loads the same resource with ``wrk`` (Debian package ``wrk``):

* hcn-ld, Turtle        GET {iri} with ``Accept: text/turtle``
* hcn-ld, HTML          GET {iri} with ``Accept: text/html``
* Oxigraph, Turtle      GET /query?query=DESCRIBE <iri> (``oxigraph serve-read-only`` from PyPI
                        ``oxigraph`` on the same store generation, union default graph)
* Trifid, Turtle/HTML   npm ``trifid`` (entity renderer + SPARQL proxy to that Oxigraph server),
                        installed once into var/bench/trifid if ``npm install`` finishes within
                        5 minutes; otherwise the output says why it was left out.

Prints requests/s and p50/p99 latency per row, and hcn-ld's Turtle rate relative to Oxigraph.
Install the peers with ``pip install -e '.[bench]'`` and ``apt-get install wrk``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
IRI = "https://w3id.org/hcn/id/project/healthclusternet"
PATH = "id/project/healthclusternet"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def wrk(url: str, accept: str, seconds: int, connections: int) -> dict[str, float]:
    """Run wrk and return requests/s, p50 and p99 (ms), plus non-2xx answers."""
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Accept: {accept}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50%"),
        "p99": latency("99%"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def check(url: str, accept: str, expect: str) -> None:
    """The endpoint answers the benchmark request with the resource (before timing it)."""
    response = requests.get(url, headers={"Accept": accept}, timeout=10)
    response.raise_for_status()
    if expect not in response.text:
        raise RuntimeError(f"{url} did not return the resource")


TRIFID_DIR = ROOT / "var" / "bench" / "trifid"
TRIFID_CONFIG = """\
server:
  listener:
    port: {port}
  logLevel: warn
globals:
  datasetBaseUrl: https://w3id.org/hcn/
  endpoints:
    default:
      url: /query
plugins:
  entity-renderer:
    module: "@zazuko/trifid-entity-renderer"
    config:
      followRedirects: true
  sparql-proxy:
    module: "@zazuko/trifid-plugin-sparql-proxy"
    paths: /query
    config:
      rewrite: true
      endpointUrl: {endpoint}
"""


def install_trifid(timeout: int = 300) -> str | None:
    """Install npm ``trifid`` into var/bench/trifid (once); ``None`` if done, else why not."""
    server = TRIFID_DIR / "node_modules" / "trifid" / "server.js"
    if server.exists():
        return None
    if not shutil.which("npm") or not shutil.which("node"):
        return "npm/node are not installed"
    TRIFID_DIR.mkdir(parents=True, exist_ok=True)
    command = ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(TRIFID_DIR), "trifid"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"npm install trifid took longer than {timeout} s"
    if done.returncode != 0 or not server.exists():
        return f"npm install trifid failed: {done.stderr.strip().splitlines()[-1:]}"
    return None


def start_trifid(endpoint: str, scratch: Path) -> tuple[subprocess.Popen, str]:
    """Trifid (entity renderer + SPARQL proxy to ``endpoint``) on a free port."""
    port = free_port()
    config = scratch / "trifid.yaml"
    config.write_text(TRIFID_CONFIG.format(port=port, endpoint=endpoint))
    server = TRIFID_DIR / "node_modules" / "trifid" / "server.js"
    process = subprocess.Popen(
        ["node", str(server), "-c", str(config)],
        cwd=TRIFID_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    wait_for(url + PATH, process, timeout=60)
    return process, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="published store to serve (default: build data/)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--skip-trifid", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    scratch = Path(tempfile.mkdtemp(prefix="bench-deref-"))
    processes: list[subprocess.Popen] = []
    try:
        store = Path(args.store) if args.store else scratch / "store"
        if not args.store:
            subprocess.run([str(BIN / "hcn-ld"), "build", "--store", str(store)], check=True)
        generation = (store / "current").resolve() / "oxigraph"

        port = free_port()
        ours = f"http://127.0.0.1:{port}/"
        processes.append(
            subprocess.Popen(
                [str(BIN / "hcn-ld"), "serve", "--store", str(store), "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for(ours + "robots.txt", processes[-1])
        rows, notes = [], []
        for label, accept in (("Turtle", "text/turtle"), ("HTML", "text/html")):
            check(ours + PATH, accept, PATH)
            rows.append(
                (f"hcn-ld serve, {label}", wrk(ours + PATH, accept, args.seconds, args.connections))
            )

        oxigraph = shutil.which("oxigraph") or str(BIN / "oxigraph")
        if Path(oxigraph).exists():
            port = free_port()
            command = [oxigraph, "serve-read-only", "--location", str(generation)]
            command += ["--bind", f"127.0.0.1:{port}", "--union-default-graph"]
            processes.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
            endpoint = f"http://127.0.0.1:{port}/query"
            url = endpoint + "?query=" + quote(f"DESCRIBE <{IRI}>")
            wait_for(f"http://127.0.0.1:{port}/", processes[-1])
            check(url, "text/turtle", IRI)
            rows.append(
                (
                    "Oxigraph server, DESCRIBE as Turtle",
                    wrk(url, "text/turtle", args.seconds, args.connections),
                )
            )
            why_not = "skipped (--skip-trifid)" if args.skip_trifid else install_trifid()
            if why_not is None:
                process, trifid = start_trifid(endpoint, scratch)
                processes.append(process)
                for label, accept in (("Turtle", "text/turtle"), ("HTML", "text/html")):
                    check(trifid + PATH, accept, "healthclusternet")
                    figures = wrk(trifid + PATH, accept, args.seconds, args.connections)
                    rows.append((f"Trifid (over Oxigraph), {label}", figures))
            else:
                notes.append(f"Trifid: not measured ({why_not})")
        else:
            notes.append("Oxigraph server and Trifid: not measured (pip install -e '.[bench]')")

        print(
            f"\nDereferencing <{IRI}>: {args.connections} connections, {args.seconds} s, loopback"
        )
        print(f"{'server':40} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for label, figures in rows:
            print(
                f"{label:40} {figures['rps']:9.0f} {figures['p50']:8.2f} {figures['p99']:8.2f} "
                f"{figures['errors']:7d}"
            )
        if len(rows) >= 3:
            ratio = rows[0][1]["rps"] / rows[2][1]["rps"]
            print(f"hcn-ld Turtle / Oxigraph DESCRIBE: {ratio:.2f}x")
        for note in notes:
            print(note)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=15)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
