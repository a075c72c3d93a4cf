"""What the JSON API takes: the request models of its routes (what leaves the process is
qa/edges/contract.py's)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from qa.core.inputs import MAX_COMMENT, MAX_QUERY, MAX_TURNS, K, Text, TurnText


class RetrieveRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"query": "How much will Alibaba invest in AI?", "k": 4},
                                         {"query": "battery life", "metadata": {"authors": "Ada Lovelace"}}]},
    )
    query: Annotated[Text, Field(description=f"Question or keywords (1..{MAX_QUERY} characters).")]
    k: K = None
    hybrid: StrictBool = Field(True, description="Fuse BM25 with dense retrieval (false: dense only).")
    documents: Annotated[list[StrictStr] | None, Field(max_length=1000, description="Search these document "
                                                       "ids only.")] = None
    metadata: Annotated[dict[StrictStr, StrictStr] | None, Field(max_length=20, description="Search documents "
                        "whose title or metadata (authors, source, date ...) has exactly these values only.")] = None


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: TurnText


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": "Who co-founded Alibaba?"},
                {
                    "question": "How much did its shares fall?",
                    "history": [
                        {"role": "user", "content": "Who co-founded Alibaba?"},
                        {"role": "assistant", "content": "Jack Ma co-founded Alibaba."},
                    ],
                },
            ]
        },
    )
    question: Annotated[Text, Field(description=f"The question (1..{MAX_QUERY} characters).")]
    history: Annotated[list[Turn], Field(max_length=MAX_TURNS, description="Earlier turns, oldest first.")] = []
    k: K = None
    hybrid: StrictBool = True
    documents: Annotated[list[StrictStr] | None, Field(max_length=1000, description="Answer from these document "
                                                       "ids only (404 for an id that is not indexed).")] = None


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"rating": "up"}]})
    rating: Literal["up", "down"]
    comment: Annotated[StrictStr, Field(max_length=MAX_COMMENT)] = ""
