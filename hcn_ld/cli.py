"""The ``hcn-ld`` command: build, validate, query (and, as later stages land, serve, import)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
import pyoxigraph as ox

from hcn_ld import formats
from hcn_ld.config import Settings, from_env
from hcn_ld.pipeline import BuildFailed, build, check, report_path
from hcn_ld.sources import SourceError
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
@click.pass_context
def build_command(ctx: click.Context, store: str | None) -> None:
    """Map data/ to RDF, validate it with SHACL and publish it into the store.

    The store being served changes only if validation passes.
    """
    settings = _settings(ctx, store=store)
    try:
        result = build(settings, show_progress=sys.stderr.isatty())
    except SourceError as exc:
        raise click.ClickException(f"source error: {exc}") from None
    except BuildFailed as exc:
        click.echo(exc.report.summary(), err=True)
        click.echo(f"full SHACL report: {exc.report_path}", err=True)
        raise click.ClickException("validation failed; the published store is unchanged") from None
    except StoreError as exc:
        message = f"store error: {exc}; the published store is unchanged"
        raise click.ClickException(message) from None
    click.echo(
        f"published {len(result.mapped.graph)} triples into {_shown(settings.store)} "
        f"(version {result.version}; {len(result.report.warnings)} warning(s))"
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
    from hcn_ld.importers.cordis import GRAPH, read_cordis
    from hcn_ld.uris import Minter

    settings = _settings(ctx, store=store)
    result = read_cordis(projects, organizations, Minter(settings.base))
    _publish_import(settings, GRAPH, result.mapped, result.log)


@import_group.command(name="keep")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True)
)
@store_option
@click.pass_context
def import_keep(ctx: click.Context, files: tuple[Path, ...], store: str | None) -> None:
    """Import KEEP exports (Excel .xlsx or project-API .json) into {base}graph/keep.

    Bad rows are reported (file, row, field, why) and skipped; the rest is validated
    with shapes/ and published atomically, replacing only the KEEP graph.
    """
    from hcn_ld.importers.keep import GRAPH, read_keep
    from hcn_ld.uris import Minter

    settings = _settings(ctx, store=store)
    result = read_keep(files, Minter(settings.base), settings.data_dir)
    _publish_import(settings, GRAPH, result.mapped, result.log)


def _publish_import(settings: Settings, source: str, mapped, log) -> None:
    """Report skipped rows, validate ``mapped`` and publish it as graph ``source``."""
    from hcn_ld.pipeline import publish_mapped
    from hcn_ld.validation import validate as run_shapes

    for error in log.errors:
        click.echo(f"bad row skipped: {error}", err=True)
    report = run_shapes(mapped, settings)
    click.echo(report.summary(), err=True)
    info = {"import": {"source": source, **log.counts, "bad_rows": len(log.errors)}}
    try:
        version = publish_mapped(settings, {source: mapped.graph}, report, info)
    except BuildFailed as exc:
        click.echo(f"full SHACL report: {exc.report_path}", err=True)
        raise click.ClickException("validation failed; the published store is unchanged") from None
    except StoreError as exc:
        message = f"store error: {exc}; the published store is unchanged"
        raise click.ClickException(message) from None
    click.echo(f"{log.summary()}; published into {_shown(settings.store)} (version {version})")
