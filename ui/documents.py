"""The UI's document panel: what is indexed, add documents (drag and drop), delete one, and
indexing progress while it runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from qa.core.errors import QAError
from qa.core.schema import Health
from qa.corpus.formats import FORMATS, formats_read
from qa.pipeline import Pipeline

POLL_SECONDS = 1.0


def status_text(health: Health) -> str:
    """One line from ``Pipeline.health()``: indexing progress while a run goes, else what is indexed."""
    if health.status == "indexing":
        done, total = health.progress or (0, 0)
        return f"**Indexing…** {done} of {total} passages and sentences embedded." if total else "**Indexing…**"
    line = f"{health.documents} documents, {health.chunks} passages indexed."
    if health.last_index_error:
        line += f" Last indexing failed: {health.last_index_error}"
    return line


def rows(pipeline: Pipeline) -> list[list[Any]]:
    return [[d.title, d.doc_id, d.chunks] for d in pipeline.documents()]


def documents_tab(pipeline: Pipeline) -> tuple[Callable[[], tuple[Any, ...]], list[Any]]:
    """The panel's components and events, inside the current Blocks (a tab); returns what
    refreshes it and its outputs, for the page's load event (the list as it is when the page
    opens, not as it was when the server started)."""
    listed = rows(pipeline)
    status = gr.Markdown(status_text(pipeline.health()), elem_id="qa-doc-status")
    files = gr.File(label=f"Add documents ({formats_read()}): drop files here or click",
                    file_types=sorted(FORMATS), file_count="multiple", elem_id="qa-upload")
    table = gr.Dataframe(listed, headers=["Title", "Document", "Passages"], interactive=False,
                         elem_id="qa-documents", label="Indexed documents")
    with gr.Row():
        chosen = gr.Dropdown([r[1] for r in listed], label="Document to delete", elem_id="qa-doc-choice",
                             value=None)
        delete = gr.Button("Delete document", variant="stop", elem_id="qa-delete")
    timer = gr.Timer(POLL_SECONDS, active=False)

    def refreshed() -> tuple[Any, ...]:
        """Status, list and choices as they are; the timer polls while indexing runs."""
        health, listed = pipeline.health(), rows(pipeline)
        return (status_text(health), listed, gr.update(choices=[r[1] for r in listed]),
                gr.Timer(active=health.status == "indexing"))

    def add(paths: list[str] | None) -> tuple[Any, ...]:
        for path in paths or []:
            file = Path(path)
            try:
                outcome = pipeline.upload(file.name, file.read_bytes())
            except QAError as exc:
                gr.Warning(f"{file.name}: {exc}")
                continue
            finally:
                file.unlink(missing_ok=True)  # Gradio's copy: the corpus folder holds the document now
            gr.Info(f"{outcome.doc_id}: already indexed (same content)" if outcome.duplicate
                    else f"{outcome.doc_id}: added, indexing")
        return (*refreshed(), None)

    def remove(doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            gr.Warning("Choose a document to delete first.")
        else:
            try:
                pipeline.delete_document(doc_id, wait=False)
                gr.Info(f"{doc_id}: deleted")
            except QAError as exc:
                gr.Warning(str(exc))
        return refreshed()

    outputs = [status, table, chosen, timer]
    files.upload(add, files, [*outputs, files], api_visibility="private")
    timer.tick(refreshed, None, outputs, api_visibility="private")
    delete.click(remove, chosen, outputs, api_visibility="private")
    return refreshed, outputs
