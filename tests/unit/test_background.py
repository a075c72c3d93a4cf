"""Background work: a failure of any kind is reported and the next request runs again."""

from __future__ import annotations

import time

from qa.index.background import Background


def wait_idle(background: Background) -> None:
    deadline = time.monotonic() + 10
    while background.running():
        assert time.monotonic() < deadline, "the background run never ended"
        time.sleep(0.01)


def test_any_exception_is_reported_and_the_next_run_starts() -> None:
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the store went away")

    background = Background(work, "indexing")
    background.request()
    wait_idle(background)
    assert background.error == "RuntimeError: the store went away" and not background.running()
    background.request()
    wait_idle(background)
    assert calls == [1, 1] and background.error is None


def test_health_says_a_background_run_failed_and_the_next_upload_indexes(tmp_path, corpus) -> None:  # type: ignore[no-untyped-def]
    from qa.core.config import Settings
    from qa.pipeline import Pipeline
    from tests.fakes import HashEmbedder

    pipeline = Pipeline.from_settings(Settings(index_dir=tmp_path / "index", corpus_dir=corpus), HashEmbedder())
    run = pipeline.indexer.run
    pipeline.indexer.run = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk I/O error"))  # type: ignore[method-assign]
    pipeline.upload("note.txt", b"Penguins live in the south of the world.")
    wait_idle(pipeline.catalog.background)
    health = pipeline.health()
    assert health.status != "indexing" and health.last_index_error == "RuntimeError: disk I/O error"
    pipeline.indexer.run = run  # type: ignore[method-assign]
    pipeline.upload("other.txt", b"Bees make honey in the summer months.")
    wait_idle(pipeline.catalog.background)
    assert pipeline.health().last_index_error is None and "other.txt" in {d.doc_id for d in pipeline.documents()}
    pipeline.close()
