"""Command line: qa index | retrieve | ask | serve | eval."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from qa.core.config import Settings
from qa.core.errors import QAError
from qa.core.inputs import K_MAX, checked_text

if TYPE_CHECKING:  # the heavy modules load only when a command needs them
    from qa.core.schema import IndexReport
    from qa.edges.client import Client
    from qa.edges.reader import LocalClient
    from qa.pipeline import Pipeline


T = TypeVar("T")

app = typer.Typer(help="Question answering over your documents, with verified citations.",
                  no_args_is_help=True, add_completion=False)

DEFAULT = {name: field.default for name, field in Settings.model_fields.items()}  # for help texts
CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (QA_CORPUS_DIR).")]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (QA_INDEX_DIR).")]


def _settings(corpus: Path | None = None, index: Path | None = None, **overrides: object) -> Settings:
    from pydantic import ValidationError

    from qa.core.errors import ConfigError

    values: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    if corpus is not None:
        values["corpus_dir"] = corpus
    if index is not None:
        values["index_dir"] = index
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError("; ".join(f"QA_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                                    for e in exc.errors())) from None


def _pipeline(settings: Settings) -> Pipeline:
    from qa.pipeline import Pipeline

    return Pipeline.from_settings(settings)


def _reader(settings: Settings) -> Client | LocalClient:
    """The index, or the qa server that owns it (then said on stderr)."""
    from qa.edges.client import Client
    from qa.edges.reader import open_reader

    qa = open_reader(settings)
    if isinstance(qa, Client):
        typer.secho(f"(the index is served by {qa.base_url}: asking it)", err=True, dim=True)
    return qa


def _read(index: Path | None, use: Callable[[Client | LocalClient], T]) -> T:
    """``use`` of what reads the index (the index itself, or the server that owns it), closed after."""
    qa = _reader(_settings(index=index))
    try:
        return use(qa)
    finally:
        qa.close()


def _fail(exc: QAError) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(exc.exit_code)


@app.command()
def index(corpus: CorpusOpt = None, index: IndexOpt = None) -> None:
    """Index the corpus folder: new and changed documents are embedded, removed ones dropped."""
    try:
        settings = _settings(corpus, index)
        from qa.corpus.ingest import corpus_files

        corpus_files(settings.corpus_dir)  # a missing folder fails before the model loads
        pipeline = _pipeline(settings)
        report = pipeline.index(settings.corpus_dir, progress=True)
    except QAError as exc:
        _fail(exc)
        return
    _report(settings, report)


def _report(settings: Settings, report: IndexReport) -> None:
    for problem in report.skipped:
        typer.secho(f"skipped: {problem}", fg=typer.colors.YELLOW, err=True)
    rate = report.chunks_written / report.seconds if report.seconds else 0.0
    typer.echo(
        f"indexed {settings.corpus_dir}: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.removed} removed, {len(report.skipped)} skipped; "
        f"{report.chunks_written} chunks written ({rate:.0f} chunks/s), "
        f"{report.documents_total} documents / {report.chunks_total} chunks in index; "
        f"{report.seconds:.2f} s"
    )


@app.command()
def retrieve(
    query: Annotated[str, typer.Argument(help="Question or keywords.")],
    k: Annotated[int | None, typer.Option("-k", "--k", min=1, max=K_MAX, help="Passages to show (QA_K).")] = None,
    dense_only: Annotated[bool, typer.Option("--dense-only", help="Skip BM25 fusion.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    index: IndexOpt = None,
) -> None:
    """Print the best passages for a query with their offsets (through the running server
    when one owns the index)."""
    from qa.edges.contract import RetrieveResponse

    try:
        query = checked_text("query", query)
        passages = _read(index, lambda qa: qa.retrieve(query, k, hybrid=not dense_only))
    except QAError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(RetrieveResponse(passages=passages).model_dump_json(indent=1))
        return
    for rank, p in enumerate(passages, start=1):
        typer.secho(f"[{rank}] {p.doc_id} [{p.start}:{p.end}] score {p.score:.4f}", bold=True)
        typer.echo(f"    {p.text}\n")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    k: Annotated[int | None, typer.Option("-k", "--k", min=1, max=K_MAX, help="Passages to read.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    index: IndexOpt = None,
) -> None:
    """Answer a question and print its numbered citations with offsets (through the running
    server when one owns the index)."""
    try:
        question = checked_text("question", question)
        answer = _read(index, lambda qa: qa.ask(question, k))
    except QAError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(answer.model_dump_json(indent=1))
        return
    marks = "".join(f" [{i}]" for i in range(1, len(answer.citations) + 1))
    typer.secho(answer.answer + marks, fg=typer.colors.YELLOW if answer.abstained else None)
    for i, c in enumerate(answer.citations, start=1):
        typer.echo(f"  [{i}] {c.doc_id} [{c.start}:{c.end}] \"{c.quote}\"")
    if answer.abstained and answer.passages:
        typer.echo("Closest passages:")
        for p in answer.passages[:3]:
            typer.echo(f"  - {p.doc_id} [{p.start}:{p.end}] {p.text[:160]}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help=f"Bind address (QA_HOST, default {DEFAULT['host']}).")] = None,
    port: Annotated[int | None, typer.Option(help=f"Port (QA_PORT, default {DEFAULT['port']}).")] = None,
    index: IndexOpt = None,
    corpus: CorpusOpt = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Index the corpus folder first.")] = False,
) -> None:
    """Serve the web UI at / and the JSON API at /api (docs at /docs)."""
    import uvicorn

    from qa.edges.client import SERVER_FILE
    from qa.pipeline import shared_store
    from qa.server.app import build_app
    from qa.server.connections import header_timeout_protocol

    try:
        settings = _settings(corpus, index, host=host, port=port)
        if not settings.loopback() and not settings.api_key:
            from qa.core.errors import ConfigError

            raise ConfigError(f"binding to {settings.host} exposes the server beyond this machine: "
                              "set QA_API_KEY (the API then needs it, and the UI asks for it)")
        if refresh:
            from qa.corpus.ingest import corpus_files

            corpus_files(settings.corpus_dir)  # a missing folder fails before the model loads
        pipeline = _pipeline(settings)
        if refresh:
            _report(settings, pipeline.index(settings.corpus_dir, progress=True))
        import torch

        torch.set_num_threads(settings.torch_threads)  # after the refresh: indexing uses every core
        pipeline.prepare_answering()
        application = build_app(pipeline)
    except QAError as exc:
        _fail(exc)
        return
    typer.echo(f"qa: UI on http://{settings.host}:{settings.port}/  API docs on /docs")
    marker = None if shared_store(settings) else settings.index_dir / SERVER_FILE
    if marker is not None:  # reading commands on this index ask us instead (qa.edges.client)
        # a comparison with the wildcard addresses, not a bind
        wildcard = settings.host in ("0.0.0.0", "::")  # nosec B104
        host = "127.0.0.1" if wildcard else settings.host
        marker.write_text(f"http://{host}:{settings.port}", encoding="utf-8")
    logging.getLogger("qa.requests").setLevel(logging.INFO)  # one line per API request
    try:
        uvicorn.run(application, host=settings.host, port=settings.port, log_level="warning",
                    http=header_timeout_protocol(settings.header_timeout))
    finally:
        if marker is not None:
            marker.unlink(missing_ok=True)
        pipeline.close()


@app.command("mcp")
def mcp_stdio(index: IndexOpt = None) -> None:
    """Serve qa's tools (retrieve, ask, list_documents, get_document) over MCP on stdin and
    stdout, for assistants that launch a command (through the running server when one owns
    the index)."""
    from qa.edges.reader import LocalClient
    from qa.server.mcp_tools import create_mcp

    try:
        qa = _reader(_settings(index=index))
    except QAError as exc:
        _fail(exc)
        return
    try:
        if isinstance(qa, LocalClient):
            qa.pipeline.prepare_answering()  # the first tool call is not slowed by loading
        create_mcp(qa).run("stdio")
    except QAError as exc:
        _fail(exc)
    finally:
        qa.close()


@app.command("eval")
def evaluate(
    qa_file: Annotated[Path, typer.Option("--qa", exists=True, dir_okay=False, help="QA JSONL file.")],
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    k: Annotated[int | None, typer.Option("-k", "--k", min=1, max=K_MAX, help="Passages to read (QA_K).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results here.")] = None,
    retrieve_only: Annotated[bool, typer.Option("--retrieve-only")] = False,
) -> None:
    """Score retrieval and answers on a QA file (same metrics as shared/eval/score.py)."""
    from qa.edges.evaluation import evaluate as run_eval
    from qa.edges.evaluation import format_table

    try:
        if corpus is not None and index is None and not os.environ.get("QA_INDEX_DIR"):
            # an evaluation corpus gets its own index: the served one is left alone
            index = Path(".qa") / ("eval-" + "-".join(corpus.resolve().parts[-2:]).replace(" ", "_"))
        settings = _settings(corpus, index)
        pipeline = _pipeline(settings)
        pipeline.index(settings.corpus_dir, progress=True)
        result = run_eval(pipeline, qa_file, settings.corpus_dir, k=k or settings.k, retrieve_only=retrieve_only)
    except QAError as exc:
        _fail(exc)
        return
    typer.echo(format_table(result))
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=1, ensure_ascii=False))


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
    sys.exit(0)
