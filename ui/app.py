"""Gradio chat UI: streamed answers, numbered citations, the source with cited spans marked."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import gradio as gr
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException

from qa.contract import Text, answer_record
from qa.errors import QAError
from qa.pipeline import Pipeline
from qa.schema import Answer

MAX_QUESTION = 2000
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")

CSS = """
#qa-sources { max-height: 70vh; overflow-y: auto; }
#qa-sources .qa-cite { display: block; width: 100%; text-align: left; margin: 0 0 .5rem 0;
  padding: .5rem; border: 1px solid var(--border-color-primary); border-radius: 6px;
  background: var(--background-fill-secondary); cursor: pointer; font: inherit; color: inherit; }
#qa-sources .qa-cite:focus { outline: 2px solid var(--color-accent); }
#qa-sources .qa-meta { font-size: .85em; opacity: .8; }
#qa-sources .qa-doc { white-space: pre-wrap; line-height: 1.5; border-top: 1px solid
  var(--border-color-primary); margin-top: .75rem; padding-top: .5rem; }
#qa-sources mark { background: #ffe58a; color: #111; padding: 0 .1em; }
#qa-sources mark.qa-focus { outline: 3px solid #e0a800; }
#qa-sources .qa-abstain { border-left: 4px solid #d97706; padding-left: .5rem; }
@media (max-width: 720px) { #qa-sources { max-height: none; } }
"""

# Clicking a citation scrolls its highlighted span into view (no inline handlers: the
# document text is escaped, and this is the only script the panel has).
SOURCES_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('[data-cite]');
  if (!button) return;
  const mark = element.querySelector('#' + button.dataset.cite);
  if (!mark) return;
  element.querySelectorAll('mark.qa-focus').forEach((m) => m.classList.remove('qa-focus'));
  mark.classList.add('qa-focus');
  mark.scrollIntoView({block: 'center', behavior: 'smooth'});
});
"""

THEME = gr.themes.Default(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)


def as_text(text: str) -> str:
    """Text shown literally in a Markdown message: HTML and Markdown syntax escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def answer_message(answer: Answer) -> str:
    """The chat message of an answer: text, citation markers, the rewrite in small print."""
    if answer.abstained:
        body = f"**Not found in the source.** {as_text(answer.answer)} The closest passages are on the right."
    else:
        marks = " ".join(f"\\[{i}\\]" for i in range(1, len(answer.citations) + 1))
        body = f"{as_text(answer.answer)} {marks}"
    if answer.standalone_question != answer.question:
        body += f"\n\n<sub>Searched for: {as_text(answer.standalone_question)}</sub>"
    return body


def sources_html(answer: Answer | None, pipeline: Pipeline) -> str:
    """The side panel: cited passages (or the closest ones) and the documents, cited spans marked."""
    if answer is None:
        return "<p class='qa-meta'>Cited passages appear here, highlighted in their document.</p>"
    parts: list[str] = []
    if answer.abstained:
        parts.append("<div class='qa-abstain'><strong>No answer in the source.</strong> Closest passages:</div>")
        for h in answer.hits:
            chunk = h.chunk
            parts.append(
                f"<div class='qa-cite'><div class='qa-meta'>{html.escape(chunk.title)} · "
                f"[{chunk.start}:{chunk.end}] · score {h.score:.3f}</div>{html.escape(chunk.text)}</div>"
            )
        return "\n".join(parts)

    def score_of(c: Any) -> float:
        """The score of the retrieved passage that holds the cited span."""
        return next((h.score for h in answer.hits if h.chunk.doc_id == c.doc_id
                     and h.chunk.start <= c.start and c.end <= h.chunk.end), 0.0)

    if answer.conflict:
        parts.append("<div class='qa-abstain'><strong>The sources disagree.</strong> Each side is cited.</div>")
    if answer.answerer == "extractive":
        parts.append(f"<p class='qa-meta'>Confidence {answer.confidence:.2f}: the estimated probability that "
                     "the cited text answers the question.</p>")
    for i, c in enumerate(answer.citations, start=1):
        parts.append(
            f"<button type='button' class='qa-cite' data-cite='qa-cite-{i}' "
            f"aria-label='Show citation {i} in the document'>"
            f"<div class='qa-meta'>[{i}] {html.escape(c.title)} · {html.escape(c.doc_id)} · "
            f"[{c.start}:{c.end}] · score {score_of(c):.3f}</div>"
            f"“{html.escape(c.quote)}”</button>"
        )
    by_doc: dict[str, list[tuple[int, Any]]] = {}
    for i, c in enumerate(answer.citations, start=1):
        by_doc.setdefault(c.doc_id, []).append((i, c))
    for doc_id, cites in by_doc.items():
        doc = pipeline.document(doc_id)
        if doc is None:
            continue
        out, pos = [], 0
        for i, c in sorted(cites, key=lambda x: x[1].start):
            start = max(c.start, pos)
            out.append(html.escape(doc.text[pos:start]))
            out.append(f"<mark id='qa-cite-{i}'>{html.escape(doc.text[start:c.end])}</mark>")
            pos = max(pos, c.end)
        out.append(html.escape(doc.text[pos:]))
        parts.append(f"<div class='qa-doc' aria-label='Document {html.escape(doc.title)}'>"
                     f"<strong>{html.escape(doc.title)}</strong>\n{''.join(out)}</div>")
    return "\n".join(parts)


def build_ui(pipeline: Pipeline, examples: list[str] | None = None) -> gr.Blocks:
    """The chat app over ``pipeline``; mount it with ``mount_ui``."""
    examples = examples if examples is not None else pipeline.settings.ui_examples

    def respond(
        message: str, chat: list[dict[str, Any]], history: list[dict[str, str]], k: int, hybrid: bool,
        rerank: bool,
    ) -> Iterator[tuple[Any, ...]]:
        question = (message or "").strip()
        if not question:
            gr.Warning("Type a question first.")
            yield chat, history, gr.update(), message
            return
        if len(question) > MAX_QUESTION:
            gr.Warning(f"Questions are limited to {MAX_QUESTION} characters (this one has {len(question)}).")
            yield chat, history, gr.update(), message
            return
        chat = [*chat, {"role": "user", "content": as_text(question)}, {"role": "assistant", "content": "…"}]
        yield chat, history, "<p class='qa-meta'>Searching…</p>", ""
        streamed = ""
        try:
            for piece in pipeline.ask_stream(question, history, int(k), hybrid, rerank):
                if isinstance(piece, str):
                    streamed += piece
                    chat[-1] = {"role": "assistant", "content": as_text(streamed)}
                    yield chat, history, gr.update(), ""
                else:
                    answer = piece
        except QAError as exc:
            chat[-1] = {"role": "assistant", "content": f"**Error:** {as_text(str(exc))}"}
            yield chat, history, gr.update(), ""
            return
        chat[-1] = {"role": "assistant", "content": answer_message(answer)}
        history = [*history, {"role": "user", "content": question},
                   {"role": "assistant", "content": answer.answer}]
        yield chat, history, sources_html(answer, pipeline), ""

    with gr.Blocks(title="qa — answers with sources") as demo:
        gr.Markdown("## qa\nAsk about the documents. Every answer cites the exact passages it rests on; "
                    "when the documents don't say, qa says so.")
        history = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(label="Conversation", height=460, buttons=["copy"],
                                     elem_id="qa-chat", sanitize_html=True, feedback_options=None,
                                     latex_delimiters=[])
                question = gr.Textbox(label="Your question", placeholder="Ask a question and press Enter",
                                      lines=1, max_lines=4, elem_id="qa-question", submit_btn=True,
                                      autofocus=True)
                with gr.Row():
                    clear = gr.Button("Clear chat", variant="secondary", elem_id="qa-clear")
                if examples:
                    gr.Examples(examples=[[e] for e in examples], inputs=[question], label="Examples")
                with gr.Accordion("Retrieval settings", open=False):
                    k = gr.Slider(1, 50, value=pipeline.settings.k, step=1, label="Passages to read (k)")
                    hybrid = gr.Checkbox(value=True, label="Hybrid retrieval (BM25 + dense)")
                    rerank = gr.Checkbox(value=True, label="Rerank by sentence evidence")
            with gr.Column(scale=2, min_width=320):
                gr.Markdown("### Sources")
                sources = gr.HTML(sources_html(None, pipeline), elem_id="qa-sources", js_on_load=SOURCES_JS,
                                  label="Sources")
        inputs = [question, chatbot, history, k, hybrid, rerank]
        question.submit(respond, inputs, [chatbot, history, sources, question], api_visibility="private")
        clear.click(lambda: ([], [], sources_html(None, pipeline), ""), None, [chatbot, history, sources, question],
                    api_visibility="private")
        gr.api(program_ask(pipeline), api_name="ask")
    return demo


def program_ask(pipeline: Pipeline) -> Any:
    """The UI's endpoint for programs (gradio_client): ``/ask``."""
    question_rules = TypeAdapter(Text)

    def ask(question: str, k: int | None = None) -> dict[str, Any]:
        """Answer a question from the documents, or abstain. Returns the same record as POST
        /api/ask: answer, abstained, conflict, citations (doc_id, title, start, end, quote ==
        document text[start:end]), passages, answer_id, confidence."""
        try:
            text = question_rules.validate_python(question)
        except ValidationError as exc:
            raise gr.Error(f"question: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
        if k is not None and not 1 <= k <= 50:
            raise gr.Error(f"k must be between 1 and 50, not {k}")
        try:
            return answer_record(pipeline.ask(text, k=k))
        except QAError as exc:
            raise gr.Error(str(exc)) from None

    return ask


def mount_ui(app: Any, pipeline: Pipeline) -> Any:
    """Mount the UI at / of a FastAPI app (one process, one port). The UI takes no files and
    proxies nothing, so Gradio's upload and proxy routes are closed (our routes come first)
    and any file is capped at 1 MB."""

    @app.api_route("/gradio_api/upload", methods=["POST", "PUT"], include_in_schema=False)
    def no_uploads() -> None:
        raise HTTPException(404, "this server takes no uploads")

    @app.get("/gradio_api/proxy={rest:path}", include_in_schema=False)
    def no_proxy(rest: str) -> None:  # Gradio's proxy serves Spaces; a bad URL made it fail with 500
        raise HTTPException(404, "this server proxies nothing")

    key = pipeline.settings.api_key
    return gr.mount_gradio_app(app, build_ui(pipeline), path="/", theme=THEME, css=CSS,
                               footer_links=["api"], max_file_size="1mb", auth=("qa", key) if key else None)
