"""qa as MCP tools (the official ``mcp`` package): ``retrieve``, ``ask``, ``list_documents``
and ``get_document``, with the API's typed results (passages and citations with exact
character offsets).

Over stdio, ``qa mcp`` (for desktop assistants that launch a command); over streamable HTTP,
``/mcp`` of the running server (``qa serve`` / ``make run``), behind the same API key.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, ParamSpec, Protocol, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from qa.core.errors import QAError
from qa.core.inputs import MAX_QUERY, K, checked_text
from qa.edges.contract import AskResponse, DocumentInfo, DocumentText, Passage

P = ParamSpec("P")
R = TypeVar("R")
INSTRUCTIONS = ("Answers questions from the indexed documents only, with citations that quote the source "
                "exactly (document id and character offsets). When the documents do not say, `ask` abstains "
                "(abstained: true) rather than guess. Use `retrieve` for raw passages.")


class QA(Protocol):
    """What the tools call: ``qa.edges.client.Client`` (a server) or ``LocalClient`` (this process)."""

    def retrieve(self, query: str, k: int | None = None, hybrid: bool = True, documents: list[str] | None = None,
                 metadata: dict[str, str] | None = None) -> list[Passage]: ...

    def ask(self, question: str, k: int | None = None, history: list[dict[str, str]] | None = None,
            documents: list[str] | None = None) -> AskResponse: ...

    def documents(self) -> list[DocumentInfo]: ...

    def document(self, doc_id: str) -> DocumentText: ...


def _tool_errors(tool: Callable[P, R]) -> Callable[P, R]:
    """qa's errors as tool errors: the caller reads their message."""

    @functools.wraps(tool)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return tool(*args, **kwargs)
        except QAError as exc:
            raise ToolError(str(exc)) from None

    return wrapper


def create_mcp(qa: QA) -> MCPServer:
    """The MCP server whose tools answer through ``qa``; qa's errors come back as tool errors
    with their message."""
    server = MCPServer("qa", instructions=INSTRUCTIONS)

    @server.tool()
    @_tool_errors
    def retrieve(
        query: Annotated[str, Field(description=f"Question or keywords (1..{MAX_QUERY} characters).")],
        k: K = None,
    ) -> list[Passage]:
        """The best passages for a query, best first, each with its document id and exact
        character offsets (text == document text[start:end])."""
        return qa.retrieve(checked_text("query", query), k)

    @server.tool()
    @_tool_errors
    def ask(question: Annotated[str, Field(description=f"The question (1..{MAX_QUERY} characters).")],
            documents: Annotated[list[str] | None, Field(max_length=1000, description="Answer from these document "
                                                         "ids only (from list_documents).")] = None,
            ) -> AskResponse:
        """Answer a question from the documents with verified citations (quote == document
        text[start:end]), or abstain (abstained: true) when the documents do not say. ``shape``
        says what shape of answer the question asked for (a summary, a list, a statement ...)."""
        return qa.ask(checked_text("question", question), documents=documents)

    @server.tool()
    @_tool_errors
    def list_documents() -> list[DocumentInfo]:
        """The indexed documents: id, title, number of chunks, content hash, metadata."""
        return qa.documents()

    @server.tool()
    @_tool_errors
    def get_document(doc_id: Annotated[str, Field(description="A document id from list_documents.")]
                     ) -> DocumentText:
        """A document's original text: citation and passage offsets refer to it."""
        return qa.document(doc_id)

    return server
