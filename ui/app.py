"""Gradio chat UI: streamed answers, numbered citations, the source with cited spans marked."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.exceptions import HTTPException

from qa.core.errors import InvalidRequest, QAError
from qa.core.inputs import K_MAX, checked_k, checked_text
from qa.core.schema import Answer
from qa.edges.contract import answer_record
from qa.pipeline import Pipeline
from ui.documents import documents_tab
from ui.guard import GradioGuard, Limits
from ui.style import CITE_JS, CSS, THEME

IDLE_POLL_SECONDS = 0.05  # how often Gradio's idle queue looks for work (its own: 0.001)
IDLE_PROGRESS_SECONDS = 0.1  # ... and for progress to send (its own: 0.01)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")

def as_text(text: str) -> str:
    """Text shown literally in a Markdown message: HTML and Markdown syntax escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def answer_message(answer: Answer) -> str:
    """The chat message of an answer: text, citation markers, the rewrite in small print."""
    if answer.abstained:
        body = f"**Not found in the source.** {as_text(answer.answer)} The closest passages are under Sources."
        why = answer.abstention
        if why is not None and why.closest is not None and why.threshold is not None:
            body += (f"\n\n<sub>Closest sentence: “{as_text(why.closest.quote)}” (probability {why.probability:.2f}, "
                     f"answers from {why.threshold:.2f}: the judge found it does not answer).</sub>")
        elif why is not None and why.reason == "nothing_retrieved":
            body += "\n\n<sub>Retrieval found no passage to read.</sub>"
    elif answer.layout in ("list", "paragraph") and answer.parts:
        cited = [f"{as_text(part)} {mark(i)}" for i, part in enumerate(answer.parts, start=1)]
        body = "\n".join(f"- {c}" for c in cited) if answer.layout == "list" else " ".join(cited)
    else:
        marks = " ".join(mark(i) for i in range(1, len(answer.citations) + 1))
        body = f"{with_phrase(answer, as_text, lambda t: f'**{t}**')} {marks}"
    if answer.standalone_question != answer.question:
        body += f"\n\n<sub>Searched for: {as_text(answer.standalone_question)}</sub>"
    return body


def mark(i: int) -> str:
    """A citation marker that shows citation ``i`` in its document."""
    return f"[\\[{i}\\]](#qa-cite-{i})"


def with_phrase(answer: Answer, plain: Callable[[str], str], strong: Callable[[str], str]) -> str:
    """The answer's text, escaped by ``plain``, its answering phrase (when the answer is the
    first citation's quote and holds it) set off by ``strong``."""
    phrase, first = answer.phrase, answer.citations[0] if answer.citations else None
    if phrase is None or first is None or answer.answer != first.quote:
        return plain(answer.answer)
    lo, hi = phrase.start - first.start, phrase.end - first.start
    text = answer.answer
    return plain(text[:lo]) + strong(plain(text[lo:hi])) + plain(text[hi:])


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
            f"{'' if c.page is None else f'p. {c.page} · '}[{c.start}:{c.end}] · score {score_of(c):.3f}</div>"
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
            quote = (with_phrase(answer, html.escape, lambda t: f"<strong class='qa-phrase'>{t}</strong>")
                     if i == 1 and start == c.start and answer.answer == c.quote
                     else html.escape(doc.text[start:c.end]))
            out.append(f"<mark id='qa-cite-{i}'>{quote}</mark>")
            pos = max(pos, c.end)
        out.append(html.escape(doc.text[pos:]))
        parts.append(f"<div class='qa-doc' aria-label='Document {html.escape(doc.title)}'>"
                     f"<strong>{html.escape(doc.title)}</strong>\n{''.join(out)}</div>")
    return "\n".join(parts)


def scope_choices(pipeline: Pipeline) -> list[tuple[str, str]]:
    """What a question may be asked about: all documents, or one of them (by title)."""
    return [("All documents", ""), *((f"{d.title} ({d.doc_id})", d.doc_id) for d in pipeline.documents())]


def corpus_examples(pipeline: Pipeline) -> list[str]:
    """Questions to start with, made from what is indexed (none before anything is): what the
    first document says and who wrote it, or, with several, what each of the first three says."""
    documents = pipeline.documents()
    if len(documents) == 1:
        title = documents[0].title
        return [f"Summarize “{title}”.", f"What are the key points of “{title}”?", f"Who wrote “{title}”?"]
    return [f"What is “{d.title}” about?" for d in documents[:3]]


def responder(pipeline: Pipeline) -> Any:
    """The Ask tab's question handler over ``pipeline``: streams the answer, then its sources."""
    def respond(
        message: str, chat: list[dict[str, Any]], history: list[dict[str, str]], answer_ids: dict[int, str],
        k: int, hybrid: bool, rerank: bool, scope: str | None,
    ) -> Iterator[tuple[Any, ...]]:
        try:  # the JSON API's rules and messages (ui/guard.py has checked the types)
            question = checked_text("question", message)
            passages = checked_k(k)
        except InvalidRequest as exc:
            gr.Warning(str(exc))
            yield chat, chat, history, answer_ids, gr.update(), message
            return
        chat = [*chat, {"role": "user", "content": as_text(question)}, {"role": "assistant", "content": "…"}]
        yield chat, chat, history, answer_ids, "<p class='qa-meta'>Searching…</p>", ""
        streamed = ""
        try:
            documents = [scope] if scope else None
            for piece in pipeline.ask_stream(question, history, passages, hybrid, rerank, documents):
                if isinstance(piece, str):
                    streamed += piece
                    chat[-1] = {"role": "assistant", "content": as_text(streamed)}
                    yield chat, gr.update(), history, answer_ids, gr.update(), gr.update()
                else:
                    answer = piece
        except QAError as exc:
            chat[-1] = {"role": "assistant", "content": f"**Error:** {as_text(str(exc))}"}
            yield chat, chat, history, answer_ids, gr.update(), gr.update()
            return
        chat[-1] = {"role": "assistant", "content": answer_message(answer)}
        history = [*history, {"role": "user", "content": question},
                   {"role": "assistant", "content": answer.answer}]
        answer_ids = {**answer_ids, len(chat) - 1: answer.answer_id}
        # the question box was emptied when the question was taken: what the user types
        # meanwhile (the next question) is left alone
        yield chat, chat, history, answer_ids, sources_html(answer, pipeline), gr.update()

    return respond


def rater(pipeline: Pipeline) -> Any:
    """The chat's thumbs over ``pipeline``."""
    def rate(answer_ids: dict[int, str], rating: gr.LikeData) -> None:
        """A thumb up or down on an answer, kept with its provenance record."""
        index = rating.index if isinstance(rating.index, int) else rating.index[0]
        answer_id = answer_ids.get(index)
        if answer_id is None or rating.liked not in (True, False):
            return
        try:
            pipeline.feedback(answer_id, "up" if rating.liked else "down")
            gr.Info("Thank you: the rating is kept with this answer and its sources.")
        except QAError as exc:
            gr.Warning(str(exc))

    return rate


def build_ui(pipeline: Pipeline, examples: list[str] | None = None) -> gr.Blocks:
    """The chat app over ``pipeline``; mount it with ``mount_ui``."""
    examples = examples if examples is not None else corpus_examples(pipeline)

    # files uploaded to Gradio's folder and never added (or left behind) go after an hour
    with gr.Blocks(title="qa — answers with sources", delete_cache=(600, 3600)) as demo:
        gr.Markdown("## qa\nAsk about the documents. Every answer cites the exact passages it rests on; "
                    "when the documents don't say, qa says so.")
        history = gr.State([])
        shown = gr.State([])  # the chat as displayed: kept here, never read back from the browser
        answer_ids = gr.State({})  # chat message index -> answer id (for ratings)
        with gr.Tab("Ask", elem_id="qa-tab-ask"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=320):
                    chatbot = gr.Chatbot(label="Conversation", height=460, buttons=["copy"], elem_id="qa-chat",
                                         sanitize_html=True, feedback_options=("Like", "Dislike"),
                                         latex_delimiters=[])
                    scope = gr.Dropdown(scope_choices(pipeline), value="", label="Ask about", elem_id="qa-scope",
                                        allow_custom_value=False)
                    question = gr.Textbox(label="Your question", placeholder="Ask a question and press Enter",
                                          lines=1, max_lines=4, elem_id="qa-question", submit_btn="Ask",
                                          stop_btn="Stop", autofocus=True)
                    clear = gr.Button("Clear chat", variant="secondary", elem_id="qa-clear", size="sm")
                with gr.Column(scale=2, min_width=320, elem_id="qa-sources-col"):
                    gr.Button("Sources", elem_id="qa-sources-toggle", size="sm")
                    gr.Markdown("### Sources", elem_id="qa-sources-heading")
                    sources = gr.HTML(sources_html(None, pipeline), elem_id="qa-sources", label="Sources")
            # below both panels: on a narrow window the sources come right after the question
            if examples:
                gr.Examples(examples=[[e] for e in examples], inputs=[question], label="Examples")
            with gr.Accordion("Retrieval settings", open=False):
                k = gr.Slider(1, K_MAX, value=pipeline.settings.k, step=1, label="Passages to read (k)")
                hybrid = gr.Checkbox(value=True, label="Hybrid retrieval (BM25 + dense)")
                rerank = gr.Checkbox(value=True, label="Rerank by sentence evidence")
        with gr.Tab("Documents", elem_id="qa-tab-documents"):
            refresh_documents, document_outputs = documents_tab(pipeline)
        inputs = [question, shown, history, answer_ids, k, hybrid, rerank, scope]
        asking = question.submit(responder(pipeline), inputs, [chatbot, shown, history, answer_ids, sources, question],
                                 api_visibility="private")
        chatbot.like(rater(pipeline), [answer_ids], None, api_visibility="private")
        question.stop(None, None, None, cancels=[asking], api_visibility="private")
        clear.click(lambda: ([], [], [], {}, sources_html(None, pipeline), ""), None,
                    [chatbot, shown, history, answer_ids, sources, question], api_visibility="private")
        demo.load(refresh_documents, None, document_outputs, api_visibility="private")
        demo.load(lambda: gr.update(choices=scope_choices(pipeline)), None, scope, api_visibility="private")
        gr.api(program_ask(pipeline), api_name="ask")
    return demo


def program_ask(pipeline: Pipeline) -> Any:
    """The UI's endpoint for programs (gradio_client): ``/ask``."""
    def ask(question: str, k: int | None = None, documents: list[str] | None = None) -> dict[str, Any]:
        """Answer a question from the documents (of the ``documents`` ids only, if given), or
        abstain. Returns the same record as POST /api/ask: answer, abstained, conflict, shape,
        citations (doc_id, title, start, end, quote == document text[start:end]), passages,
        answer_id, confidence."""
        try:
            return answer_record(pipeline.ask(checked_text("question", question), k=checked_k(k),
                                              documents=documents or None))
        except QAError as exc:
            raise gr.Error(str(exc)) from None

    return ask


def mount_ui(app: Any, pipeline: Pipeline) -> Any:
    """Mount the UI at / of a FastAPI app (one process, one port). Gradio's upload route
    takes documents up to QA_MAX_UPLOAD_BYTES (the panel moves each into the corpus folder
    at once); its proxy route is closed (our routes come first)."""

    @app.get("/gradio_api/proxy={rest:path}", include_in_schema=False)
    def no_proxy(rest: str) -> None:  # Gradio's proxy serves Spaces; a bad URL made it fail with 500
        raise HTTPException(404, "this server proxies nothing")

    key, settings = pipeline.settings.api_key, pipeline.settings
    demo = build_ui(pipeline)
    demo.queue(max_size=settings.max_queue)  # beyond it a caller is told the queue is full, not left waiting
    # An idle queue polls for work every 1 ms and for progress every 10 ms (3.5 % of a core with no
    # client); Gradio has no setting for it: 50 ms and 100 ms, the values it uses on Windows, cost
    # an event at most 50 ms before it starts and leave an idle server asleep.
    demo._queue.sleep_when_free = IDLE_POLL_SECONDS
    demo._queue.progress_update_sleep_when_free = IDLE_PROGRESS_SECONDS
    # qa's own folders are never Gradio's to copy or serve, whatever an event names
    code = Path(__file__).resolve().parent.parent
    blocked = [str(p.resolve()) for p in (settings.corpus_dir, settings.index_dir, code / "qa", code / "ui")]
    app = gr.mount_gradio_app(app, demo, path="/", theme=THEME, css=CSS, js=CITE_JS,
                              footer_links=["api"], max_file_size=settings.max_upload_bytes,
                              auth=("qa", key) if key else None, allowed_paths=[], blocked_paths=blocked)
    # Mounted, Gradio never launches, and skips the checks of a launched app (that an event's
    # file was uploaded by a user; blocked_paths): they are switched on here
    demo.has_launched = True
    limits = Limits(settings.max_upload_bytes, settings.uploads_per_minute, settings.login_failures_per_minute)
    app.add_middleware(GradioGuard, blocks=demo, limits=limits)
    return app
