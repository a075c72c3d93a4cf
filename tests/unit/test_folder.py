"""Formats, the library (uploads into the corpus folder) and the documents API, over a real
pipeline (real Chroma in a temp dir, hashed embedder)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.core.config import Settings
from qa.core.errors import CorpusError, RateLimited, StorageFull, TooLarge, UnsupportedFormat
from qa.core.text import page_of
from qa.corpus.folder import CorpusFolder, Quota, safe_name
from qa.corpus.formats import extract
from qa.pipeline import Pipeline
from qa.server.api import create_app
from tests.documents import HTML, make_pdf
from tests.fakes import HashEmbedder

PDF = make_pdf(["The Zorblax gadget weighs 140 grams.", "Its battery lasts nine days on one charge."],
               title="Zorblax specification")


def test_html_keeps_the_main_text_and_drops_navigation_and_footer() -> None:
    found = extract("launch.html", HTML.encode())
    assert "unveiled by Quentin Marsh in Lisbon" in found.text
    assert "Subscribe" not in found.text and "Cookie" not in found.text
    assert found.title == "Zorblax launch" and found.metadata["authors"] == "Ada Lovelace"


def test_a_pdf_is_read_page_by_page_and_offsets_name_their_page() -> None:
    found = extract("spec.pdf", PDF)
    assert found.title == "Zorblax specification" and found.metadata["pages"] == "2"
    second = found.text.index("battery")
    assert page_of(found.pages, 0) == 1 and page_of(found.pages, second) == 2
    assert page_of((), 5) is None


@pytest.mark.parametrize(("name", "raw", "problem"), [
    ("x.pdf", b"%PDF-1.4 not really", "not a readable PDF"),
    ("x.pdf", make_pdf([""]), "no extractable text"),
    ("x.html", b"<html><head><title>Empty</title></head><body></body></html>", "no main text"),
    ("x.txt", b"\xff\xfe bad", "not valid UTF-8"),
    ("x.exe", b"MZ", "unsupported format"),
])
def test_unreadable_files_are_refused_with_the_reason(name: str, raw: bytes, problem: str) -> None:
    with pytest.raises(CorpusError, match=problem):
        extract(name, raw)


@pytest.mark.parametrize(("name", "saved"), [
    ("report.PDF", "report.pdf"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\win.ini.md", "win.ini.md"),
    (".hidden.txt", "hidden.txt"),
    ("a b;rm -rf $(x).html", "a_b_rm_-rf_x.html"),
    ("/abs/path/notes.txt", "notes.txt"),
    ("\u202egnp.txt", "gnp.txt"),
    ("....txt", "document.txt"),
])
def test_upload_names_are_sanitised_into_the_corpus_folder(name: str, saved: str) -> None:
    assert safe_name(name) == saved


@pytest.mark.parametrize("name", ["photo.png", "archive.tar.gz", "noextension", "", "x.txt.exe"])
def test_unsupported_types_are_refused(name: str) -> None:
    with pytest.raises(UnsupportedFormat, match="unsupported file type"):
        safe_name(name)


QUOTA = Quota(file_bytes=10_000, files_per_minute=100, bytes_per_minute=1_000_000, folder_bytes=1_000_000)


def test_the_library_writes_whole_files_and_never_the_same_content_twice(tmp_path: Path) -> None:
    library = CorpusFolder(tmp_path / "corpus", QUOTA)
    first = library.save("notes.txt", b"The Zorblax weighs 140 grams.", {})
    assert (first.doc_id, first.duplicate) == ("notes.txt", False)
    text = b"The Zorblax weighs 140 grams."
    again = library.save("copy.txt", text, {"notes.txt": _sha(text)})
    assert (again.doc_id, again.duplicate) == ("notes.txt", True)
    other = library.save("notes.txt", b"Another text.", {})
    assert other.doc_id == "notes-2.txt"
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["notes-2.txt", "notes.txt"]
    with pytest.raises(TooLarge, match="QA_MAX_UPLOAD_BYTES"):
        library.save("big.txt", b"x" * 10_001, {})
    with pytest.raises(CorpusError):
        library.save("bad.pdf", b"%PDF-garbage", {})
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["notes-2.txt", "notes.txt"]


def test_delete_stays_inside_the_corpus_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("keep me")
    library = CorpusFolder(tmp_path / "corpus", QUOTA)
    library.save("a.txt", b"Some text.", {})
    from qa.core.errors import NotFound

    for doc_id in ("../secret.txt", "/etc/passwd", "missing.txt", "."):
        with pytest.raises(NotFound):
            library.delete(doc_id)
    assert (tmp_path / "secret.txt").exists()
    library.delete("a.txt")
    assert not (tmp_path / "corpus" / "a.txt").exists()


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def client(tmp_path: Path, corpus: Path):
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus, max_upload_bytes=50_000)
    pipeline = Pipeline.from_settings(settings, HashEmbedder())
    pipeline.index()
    with TestClient(create_app(pipeline)) as c:
        yield c
    pipeline.close()


def wait_indexed(client: TestClient, timeout: float = 60) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        health = client.get("/api/health").json()
        if health["status"] == "ready":
            return health
        time.sleep(0.1)
    raise AssertionError(f"still indexing: {health}")


@pytest.mark.parametrize(("name", "data", "question", "page"), [
    ("spec.pdf", PDF, "How long does the Zorblax battery last?", 2),
    ("launch.html", HTML.encode(), "Who unveiled the Zorblax gadget?", None),
    ("notes.md", b"# Zorblax notes\n\nThe Zorblax gadget was unveiled in Lisbon.\n", "Where was the Zorblax unveiled?",
     None),
    ("notes.txt", b"The Zorblax gadget was unveiled in Lisbon.\n", "Where was the Zorblax unveiled?", None),
])
def test_upload_index_retrieve_cite_delete(client: TestClient, name: str, data: bytes, question: str,
                                           page: int | None) -> None:
    r = client.post("/api/documents", files={"file": (name, data)})
    assert r.status_code == 202, r.text
    assert r.json() == {"doc_id": name, "duplicate": False, "status": "indexing"}
    health = wait_indexed(client)
    assert health["documents"] == 2 and health["last_index_error"] is None
    listed = {d["doc_id"]: d for d in client.get("/api/documents").json()["documents"]}
    assert listed[name]["chunks"] >= 1
    top = client.post("/api/retrieve", json={"query": question, "k": 1}).json()["passages"][0]
    assert top["doc_id"] == name
    doc = client.get(f"/api/documents/{name}").json()
    assert doc["text"][top["start"]:top["end"]] == top["text"]
    answer = client.post("/api/ask", json={"question": question, "k": 2}).json()
    for c in answer["citations"]:
        assert client.get(f"/api/documents/{c['doc_id']}").json()["text"][c["start"]:c["end"]] == c["quote"]
        if c["doc_id"] == name:
            assert c["page"] == (page if page is None else doc_page(doc, c["start"]))
    again = client.post("/api/documents", files={"file": ("other-name" + name[name.rindex("."):], data)})
    assert again.status_code == 200 and again.json() == {"doc_id": name, "duplicate": True, "status": "indexed"}
    assert client.delete(f"/api/documents/{name}").json() == {"deleted": name}
    assert name not in {d["doc_id"] for d in client.get("/api/documents").json()["documents"]}
    assert client.get(f"/api/documents/{name}").status_code == 404
    assert client.delete(f"/api/documents/{name}").status_code == 404


def doc_page(doc: dict, offset: int) -> int:
    return page_of(tuple(doc["pages"]), offset)  # type: ignore[return-value]


@pytest.mark.parametrize(("name", "data", "status", "kind"), [
    ("big.txt", b"x" * 50_001, 413, "too_large"),
    ("tool.exe", b"MZ", 415, "unsupported_format"),
    ("broken.pdf", b"%PDF-1.4 nothing", 400, "corpus_error"),
])
def test_refused_uploads_get_a_clear_error_and_write_nothing(client: TestClient, tmp_path: Path, name: str,
                                                             data: bytes, status: int, kind: str) -> None:
    before = sorted(p.name for p in (tmp_path / "corpus").iterdir())
    r = client.post("/api/documents", files={"file": (name, data)})
    assert r.status_code == status and r.json()["error"]["type"] == kind, r.text
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == before


def test_an_upload_far_over_the_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    r = client.post("/api/documents", files={"file": ("huge.txt", b"x" * 200_000)})
    assert r.status_code == 413 and r.json()["error"]["type"] == "too_large"


def test_an_upload_without_a_file_field_is_a_422(client: TestClient) -> None:
    r = client.post("/api/documents", files={"document": ("a.txt", b"text")})
    assert r.status_code == 422 and "file" in r.json()["error"]["message"]


def test_retrieve_searches_only_the_documents_asked_for(client: TestClient) -> None:
    assert client.post("/api/documents", files={"file": ("launch.html", HTML.encode())}).status_code == 202
    wait_indexed(client)
    listed = {d["doc_id"]: d for d in client.get("/api/documents").json()["documents"]}
    assert listed["launch.html"]["size"] > 100 and listed["launch.html"]["indexed_at"] > 1.7e9
    query = {"query": "Who unveiled the Zorblax gadget in Lisbon?", "k": 5}
    everywhere = client.post("/api/retrieve", json=query).json()["passages"]
    assert {p["doc_id"] for p in everywhere} == {"launch.html", "alibaba-ai-infrastructure.txt"}
    for extra, expected in [({"documents": ["alibaba-ai-infrastructure.txt"]}, {"alibaba-ai-infrastructure.txt"}),
                            ({"metadata": {"authors": "Ada Lovelace"}}, {"launch.html"}),
                            ({"metadata": {"title": "Zorblax launch"}, "hybrid": False}, {"launch.html"}),
                            ({"metadata": {"authors": "Nobody"}}, set()),
                            ({"documents": []}, set())]:
        found = client.post("/api/retrieve", json={**query, **extra}).json()["passages"]
        assert {p["doc_id"] for p in found} == expected, extra
    bad = client.post("/api/retrieve", json={**query, "metadata": {"authors": 3}})
    assert bad.status_code == 422


def test_uploads_past_the_quota_are_refused_with_the_wait_and_nothing_is_written(tmp_path: Path) -> None:
    library = CorpusFolder(tmp_path / "corpus", Quota(10_000, files_per_minute=2, bytes_per_minute=1_000_000,
                                                 folder_bytes=1_000_000))
    library.save("a.txt", b"One.", {})
    library.save("b.txt", b"Two.", {})
    with pytest.raises(RateLimited, match="QA_UPLOADS_PER_MINUTE") as refused:
        library.save("c.txt", b"Three.", {})
    assert 1 <= refused.value.retry_after <= 60
    bytes_limited = CorpusFolder(tmp_path / "other", Quota(10_000, 100, bytes_per_minute=10, folder_bytes=1_000_000))
    bytes_limited.save("a.txt", b"0123456789", {})
    with pytest.raises(RateLimited, match="bytes a minute"):
        bytes_limited.save("b.txt", b"x", {})
    full = CorpusFolder(tmp_path / "full", Quota(10_000, 100, 1_000_000, folder_bytes=15))
    full.save("a.txt", b"0123456789", {})
    with pytest.raises(StorageFull, match="QA_CORPUS_MAX_BYTES"):
        full.save("b.txt", b"0123456789", {})
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["a.txt", "b.txt"]
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["a.txt"]


@pytest.mark.parametrize(("name", "kept"), [("报告.txt", "报告.txt"), ("Доклад 2026.md", "Доклад_2026.md"),
                                            ("تقرير.html", "تقرير.html"), ("a\u202eexe.txt", "a_exe.txt")])
def test_names_in_any_script_are_kept_and_format_characters_are_not(name: str, kept: str) -> None:
    assert safe_name(name) == kept
