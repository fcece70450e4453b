"""The ``hcn-ld`` command: build, validate, query (and, as later stages land, serve, import)."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import pyoxigraph as ox

from hcn_ld.build.pipeline import BuildFailed, build, check, report_path
from hcn_ld.build.sources import SourceError
from hcn_ld.config import Settings, from_env
from hcn_ld.rdf import formats
from hcn_ld.store import StoreError, open_store

QUERY_FORMATS = ("table", "json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld")


def store_option(function):
    return click.option(
        "--store",
        default=None,
        help="Store directory, or sparql+http://host:port/path for a SPARQL 1.1 server "
        "(default: var/store, or $HCN_STORE).",
    )(function)


def _shown(spec: str) -> str:
    """A store spec fit to print: any password in it masked."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", spec)


def _settings(ctx: click.Context, **changes: object) -> Settings:
    return ctx.obj.with_(**changes)


@click.group()
@click.option(
    "--base", default=None, help="Base IRI of the dataset (default https://w3id.org/hcn/)."
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of source records (default: data/).",
)
@click.version_option(package_name="hcn-ld")
@click.pass_context
def main(ctx: click.Context, base: str | None, data_dir: Path | None) -> None:
    """Publish EU cooperation projects as validated linked data."""
    ctx.obj = from_env().with_(base=base, data_dir=data_dir)


@main.command(name="build")
@store_option
@click.option(
    "--incremental",
    is_flag=True,
    help="Re-validate only the nodes of records whose triples changed since the last "
    "incremental build (fingerprints kept in var/cache beside the store).",
)
@click.pass_context
def build_command(ctx: click.Context, store: str | None, incremental: bool) -> None:
    """Map data/ to RDF, validate it with SHACL and publish it into the store.

    The store being served changes only if validation passes.
    """
    settings = _settings(ctx, store=store)
    try:
        with _publishing(settings):
            result = build(settings, show_progress=sys.stderr.isatty(), incremental=incremental)
    except SourceError as exc:
        raise click.ClickException(f"source error: {exc}") from None
    click.echo(
        f"published {len(result.mapped.graph)} triples into {_shown(settings.store)} "
        f"(version {result.version}; validated {result.validated}; "
        f"{len(result.report.warnings)} warning(s))"
    )


@main.command()
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Map and validate data/ without publishing."""
    settings = ctx.obj
    try:
        result = check(settings)
    except SourceError as exc:
        raise click.ClickException(f"source error: {exc}") from None
    click.echo(result.report.summary())
    if not result.report.conforms:
        path = result.report.write(report_path(settings))
        click.echo(f"full SHACL report: {path}", err=True)
        raise click.ClickException("validation failed")


def render_table(solutions: ox.QuerySolutions) -> str:
    """SELECT results as an aligned text table."""
    names = [v.value for v in solutions.variables]
    rows = [["" if row[name] is None else _cell(row[name]) for name in names] for row in solutions]
    widths = [max([len(name), *(len(r[i]) for r in rows)]) for i, name in enumerate(names)]
    line = "  ".join
    out = [line(n.ljust(w) for n, w in zip(names, widths, strict=True))]
    out.append(line("-" * w for w in widths))
    out += [line(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


@main.command()
@click.argument("sparql")
@store_option
@click.option(
    "--format",
    "format_name",
    type=click.Choice(QUERY_FORMATS),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.pass_context
def query(ctx: click.Context, sparql: str, store: str | None, format_name: str) -> None:
    """Run a SPARQL query against the published store and print the result."""
    settings = _settings(ctx, store=store)
    try:
        result = open_store(settings.store).query(sparql)
    except SyntaxError as exc:
        raise click.ClickException(f"malformed query: {exc}") from None
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    out = sys.stdout.buffer
    if isinstance(result, ox.QueryBoolean):
        if format_name == "table":
            click.echo("true" if bool(result) else "false")
        else:
            result.serialize(out, formats.by_name(format_name, formats.RESULT_FORMATS).oxigraph)
    elif isinstance(result, ox.QuerySolutions):
        if format_name == "table":
            click.echo(render_table(result))
        else:
            result.serialize(out, formats.by_name(format_name, formats.RESULT_FORMATS).oxigraph)
    else:
        fmt = formats.by_name(
            "ntriples" if format_name == "table" else format_name, formats.RDF_FORMATS
        )
        result.serialize(out, fmt.oxigraph)
    out.flush()


@main.group(name="import")
def import_group() -> None:
    """Import catalogue exports (CORDIS, KEEP) into the store, each in its own named graph."""


@main.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=None, type=int, help="Worker processes (default: cores + 1).")
@click.option("--threads", default=None, type=int, help="Threads per worker (default 8).")
@click.option(
    "--rewrite-base/--no-rewrite-base",
    default=None,
    help="Show IRIs under the base on this server's own origin (default: on; $HCN_REWRITE_BASE).",
)
@click.option(
    "--redirect/--no-redirect",
    default=None,
    help="Answer resource IRIs with 303 to a document instead of 200 + Content-Location "
    "(default: 200; $HCN_REDIRECT).",
)
@click.option(
    "--query-timeout",
    type=float,
    default=None,
    help="Seconds a SPARQL query may run before it is stopped (default 30).",
)
@click.option("--row-limit", type=int, default=None, help="Rows per SPARQL answer (default 10000).")
@click.option(
    "--max-query-length", type=int, default=None, help="Characters per query (default 100000)."
)
@click.option(
    "--memory-triples",
    type=int,
    default=None,
    help="Query an in-memory copy of the data when it has at most this many triples "
    "(default 1000000; 0: always from disk).",
)
@click.option(
    "--service-allow",
    multiple=True,
    metavar="ENDPOINT",
    help="An endpoint SERVICE may call (repeatable; none by default).",
)
@click.option(
    "--update-token",
    envvar="HCN_UPDATE_TOKEN",
    default=None,
    help="Enable SPARQL Update for requests with 'Authorization: Bearer TOKEN' "
    "(or $HCN_UPDATE_TOKEN; read-only without).",
)
@click.option(
    "--sparql-rate",
    type=float,
    default=None,
    help="SPARQL requests per second per client and worker, 0 for no limit (default 20).",
)
@click.option(
    "--sparql-burst", type=int, default=None, help="SPARQL requests a client may burst (100)."
)
@click.option(
    "--max-request-bytes", type=int, default=None, help="Largest request body (default 2 MiB)."
)
@click.option(
    "--trusted-proxy",
    multiple=True,
    metavar="ADDRESS",
    help="A reverse proxy whose X-Forwarded-For is believed (repeatable; default loopback).",
)
@click.option("--access-log", is_flag=True, help="Log every request on stdout.")
@click.pass_context
def serve(
    ctx: click.Context,
    store: str | None,
    host: str,
    port: int,
    workers: int | None,
    threads: int | None,
    rewrite_base: bool | None,
    redirect: bool | None,
    query_timeout: float | None,
    row_limit: int | None,
    max_query_length: int | None,
    memory_triples: int | None,
    service_allow: tuple[str, ...],
    update_token: str | None,
    sparql_rate: float | None,
    sparql_burst: int | None,
    max_request_bytes: int | None,
    trusted_proxy: tuple[str, ...],
    access_log: bool,
) -> None:
    """Serve the published store over HTTP (linked data, SPARQL, HTML)."""
    from hcn_ld.web.server import serve as run_server

    settings = _settings(
        ctx,
        store=store,
        threads=threads,
        rewrite_base=rewrite_base,
        redirect=redirect,
        query_timeout=query_timeout,
        row_limit=row_limit,
        max_query_length=max_query_length,
        memory_triples=memory_triples,
        service_allowlist=service_allow or None,
        update_token=update_token,
        sparql_rate=sparql_rate,
        sparql_burst=sparql_burst,
        max_request_bytes=max_request_bytes,
        trusted_proxies=trusted_proxy or None,
    )
    run_server(settings, host, port, workers, access_log=access_log)


@main.command()
@store_option
@click.option("--graph", "graph_iri", required=True, help="IRI of the named graph to replace.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def load(ctx: click.Context, store: str | None, graph_iri: str, files: tuple[str, ...]) -> None:
    """Load RDF FILES (any format, by extension) into one named graph of the store.

    The graph is replaced as a whole and atomically; other graphs are kept.
    """
    import tempfile

    from hcn_ld.store.base import GraphFile

    settings = _settings(ctx, store=store)
    try:
        ox.NamedNode(graph_iri)
    except ValueError as exc:
        raise click.ClickException(f"--graph {graph_iri!r} is not an IRI: {exc}") from None
    with tempfile.TemporaryDirectory() as tmp:
        ntriples = Path(tmp) / "graph.nt"
        try:
            with ntriples.open("wb") as out:
                for name in files:
                    fmt = formats.by_extension(Path(name).suffix.lstrip("."), formats.RDF_FORMATS)
                    triples = (q.triple for q in ox.parse(path=name, format=fmt.oxigraph))
                    ox.serialize(triples, out, ox.RdfFormat.N_TRIPLES)
        except KeyError as exc:
            raise click.ClickException(f"unknown RDF file extension: {exc}") from None
        except SyntaxError as exc:
            raise click.ClickException(f"cannot parse {name}: {exc}") from None
        version = open_store(settings.store).publish([GraphFile(graph_iri, ntriples)])
    click.echo(f"loaded {', '.join(files)} into <{graph_iri}> (version {version})")


@import_group.command(name="keep")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True)
)
@store_option
@click.option(
    "--incremental",
    is_flag=True,
    help="Re-validate only projects whose triples changed since the last import "
    "(findings cached per project beside the store).",
)
@click.option("--workers", type=int, default=None, help="Validation processes (default: cores).")
@click.pass_context
def import_keep(
    ctx: click.Context,
    files: tuple[Path, ...],
    store: str | None,
    incremental: bool,
    workers: int | None,
) -> None:
    """Import KEEP exports (Excel .xlsx or project-API .json) into {base}graph/keep.

    Bad rows are reported (file, row, field, why) and skipped; the rest is mapped project by
    project (in parallel), bulk-loaded into a new version of the store, validated there with
    shapes/ and published only if it conforms, replacing only the KEEP graph.
    """
    from hcn_ld.build.importers.common import ImportLog
    from hcn_ld.build.importers.keep import GRAPH, read_projects
    from hcn_ld.build.pipeline import import_partitioned
    from hcn_ld.rdf.uris import Minter

    settings = _settings(ctx, store=store)
    log = ImportLog()
    started = time.perf_counter()
    mapper, projects = read_projects(files, Minter(settings.base), settings.data_dir, log)
    reading = time.perf_counter() - started
    with _publishing(settings):
        try:
            done = import_partitioned(
                settings, GRAPH, projects, mapper.project, log,
                workers=workers, incremental=incremental,
            )  # fmt: skip
        finally:
            for error in log.errors:
                click.echo(f"bad row skipped: {error}", err=True)
    click.echo(done.report.summary(), err=True)
    stages = ", ".join(f"{stage} {s:.1f} s" for stage, s in done.seconds.items())
    stages = f"reading {reading:.1f} s, {stages} (mapping and load overlap)"
    click.echo(f"{done.mapped.partitions} projects; validated {done.validated}; {stages}", err=True)
    click.echo(f"{log.summary()}; published into {_shown(settings.store)} (version {done.version})")


@contextmanager
def _publishing(settings: Settings) -> Iterator[None]:
    """Turn a refused or failed publish into a clear error saying nothing changed."""
    try:
        yield
    except BuildFailed as exc:
        click.echo(exc.report.summary(), err=True)
        click.echo(f"full SHACL report: {exc.report_path}", err=True)
        raise click.ClickException("validation failed; the published store is unchanged") from None
    except StoreError as exc:
        message = f"store error: {exc}; the published store is unchanged"
        raise click.ClickException(message) from None


@import_group.command(name="cordis")
@click.option(
    "--projects",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="CORDIS project.csv (';'-separated or comma-quoted; current or FP6/FP7 layout).",
)
@click.option(
    "--organizations",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    required=True,
    help="CORDIS organization.csv: one row per participation.",
)
@store_option
@click.pass_context
def import_cordis(
    ctx: click.Context, projects: Path | None, organizations: Path, store: str | None
) -> None:
    """Import CORDIS exports into the named graph {base}graph/cordis.

    Bad rows are reported (file, line, column, why) and skipped; the rest is validated
    with shapes/ and published atomically, replacing only the CORDIS graph.
    """
    from hcn_ld.build.importers.cordis import GRAPH, read_cordis
    from hcn_ld.build.pipeline import publish_mapped
    from hcn_ld.build.validation import validate as run_shapes
    from hcn_ld.rdf.uris import Minter

    settings = _settings(ctx, store=store)
    result = read_cordis(projects, organizations, Minter(settings.base))
    for error in result.log.errors:
        click.echo(f"bad row skipped: {error}", err=True)
    report = run_shapes(result.mapped, settings)
    info = {"import": {"source": "cordis", **result.log.counts, "bad_rows": len(result.log.errors)}}
    with _publishing(settings):
        version = publish_mapped(settings, {GRAPH: result.mapped.graph}, report, info)
    click.echo(report.summary(), err=True)
    click.echo(f"{result.log.summary()}; published into {settings.store} (version {version})")


@main.command()
@store_option
@click.option(
    "--cordis-endpoint",
    default=None,
    help="SPARQL endpoint of CORDIS (default: the real one, or $HCN_CORDIS_ENDPOINT).",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Look CORDIS organisations up in a local import instead (see --cordis-store).",
)
@click.option(
    "--cordis-store",
    default=None,
    help="With --offline: the store holding the CORDIS import (default: --store itself).",
)
@click.option(
    "--threshold",
    default=0.9,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Score a name match needs.",
)
@click.option(
    "--sssom",
    "sssom_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write the SSSOM table (default: linksets.sssom.tsv beside the store).",
)
@click.pass_context
def link(
    ctx: click.Context,
    store: str | None,
    cordis_endpoint: str | None,
    offline: bool,
    cordis_store: str | None,
    threshold: float,
    sssom_path: Path | None,
) -> None:
    """Link places, sites and organisations to GeoNames, NUTS, EU countries and CORDIS.

    Writes the links as an SSSOM table and publishes them, with a VoID description of each
    linkset, into the named graph {base}graph/linksets.
    """
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    from hcn_ld.build.linking.endpoint import SparqlEndpoint, StoreEndpoint
    from hcn_ld.build.linking.links import link_all, linkset_graph
    from hcn_ld.build.linking.sssom import write_sssom
    from hcn_ld.build.mapping import Mapped
    from hcn_ld.build.pipeline import publish_mapped
    from hcn_ld.build.validation import validate as run_shapes
    from hcn_ld.rdf.uris import Minter

    settings = _settings(ctx, store=store, cordis_endpoint=cordis_endpoint)
    ours = StoreEndpoint(open_store(settings.store), settings.store)
    if offline:
        path = cordis_store or settings.store
        cordis = StoreEndpoint(open_store(path), f"local CORDIS import in {path}")
    else:
        cordis = SparqlEndpoint(settings.cordis_endpoint)
    try:
        links = link_all(ours, cordis, threshold)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    except (OSError, SPARQLWrapperException) as exc:
        raise click.ClickException(f"cannot query {cordis.name}: {exc}") from None
    minter = Minter(settings.base)
    graph = linkset_graph(links, minter, cordis.name)
    sssom_path = sssom_path or Path(settings.store).parent / "linksets.sssom.tsv"
    sssom_path.parent.mkdir(parents=True, exist_ok=True)
    with sssom_path.open("w", encoding="utf-8", newline="") as out:
        write_sssom(links, out, str(minter.id("linkset", "all")), settings.base)
    report = run_shapes(Mapped(graph), settings)
    version = publish_mapped(settings, {"linksets": graph}, report, {"linked_against": cordis.name})
    counts: dict[str, int] = {}
    for item in links:
        counts[item.linkset] = counts.get(item.linkset, 0) + 1
    for name, count in sorted(counts.items()):
        click.echo(f"{count:6d}  {name}")
    click.echo(f"{len(links)} links; SSSOM table {sssom_path}; published version {version}")


@main.command()
@store_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="N-Quads file to write.",
)
@click.pass_context
def merge(ctx: click.Context, store: str | None, out: Path) -> None:
    """Write our graph, the CORDIS import and the linksets as one N-Quads dump."""
    from hcn_ld.build.pipeline import DATA_GRAPH
    from hcn_ld.rdf.uris import Minter

    settings = _settings(ctx, store=store)
    minter = Minter(settings.base)
    wanted = [str(minter.graph(name)) for name in (DATA_GRAPH, "cordis", "linksets")]
    try:
        present = [g for g in wanted if g in open_store(settings.store).graphs()]
        values = " ".join(f"<{g}>" for g in present)
        quads = open_store(settings.store).query(
            f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        )
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        ox.serialize(
            (ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in quads),  # type: ignore[index]
            handle,
            ox.RdfFormat.N_QUADS,
        )
    missing = sorted(set(wanted) - set(present))
    note = f" (not published yet: {', '.join(missing)})" if missing else ""
    click.echo(f"wrote {', '.join(present)} to {out}{note}")
