"""The LangChain retriever over a pipeline in this process, and the LLM settings (hashed embedder)."""

from pathlib import Path

import pytest

from qa.core.config import Settings
from qa.core.errors import ConfigError
from qa.edges.langchain_retriever import QARetriever
from qa.pipeline import Pipeline
from tests.fakes import HashEmbedder


def test_langchain_retriever_returns_documents_with_offsets(pipeline: Pipeline) -> None:
    docs = QARetriever.from_pipeline(pipeline, k=3).invoke("Who co-founded Alibaba?")
    assert len(docs) == 3
    text = pipeline.get_document(docs[0].metadata["doc_id"]).text
    for d in docs:
        assert text[d.metadata["start"] : d.metadata["end"]] == d.page_content
        assert {"title", "score", "chunk_id", "dense_score", "bm25_score"} <= set(d.metadata)


def test_a_retriever_with_no_qa_behind_it_says_how_to_make_one() -> None:
    with pytest.raises(ValueError, match="base_url"):
        QARetriever().invoke("anything")


def test_langchain_retriever_honours_k_per_call_sync_and_async(pipeline: Pipeline) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    retriever = QARetriever.from_pipeline(pipeline, k=3)
    assert len(retriever.invoke("Who co-founded Alibaba?", k=1)) == 1
    with ThreadPoolExecutor(1) as pool:  # a loop of its own (the browser tests keep one in this thread)
        found = pool.submit(asyncio.run, retriever.ainvoke("Who co-founded Alibaba?", k=2)).result()
    assert len(found) == 2
    assert len(retriever.invoke("Who co-founded Alibaba?")) == 3


def test_an_llm_needs_a_model_name(tmp_path: Path, corpus: Path) -> None:
    settings = Settings(index_dir=tmp_path / "i2", corpus_dir=corpus, llm="ollama")
    with pytest.raises(ConfigError, match="QA_LLM_MODEL"):
        Pipeline.from_settings(settings, HashEmbedder())


def test_ollama_is_wired_from_settings(tmp_path: Path, corpus: Path) -> None:
    settings = Settings(index_dir=tmp_path / "i3", corpus_dir=corpus, llm="ollama", llm_model="llama3.2",
                        llm_base_url="http://127.0.0.1:11434")
    p = Pipeline.from_settings(settings, HashEmbedder())
    assert p.answerer.name == "llm" and p.answerer.model == "ollama:llama3.2"
    assert p.answerer.base.chat_model.base_url == "http://127.0.0.1:11434"  # type: ignore[attr-defined]
    p.close()
