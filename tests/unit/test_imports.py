"""The floor plan holds (issue 38): read from the source with `ast`, every import of a qa module
points down or sideways, never up; no two modules import each other, however indirectly; the
answer stage reads neither the corpus, the index nor the server; the web UI uses no server
internals. Imports inside functions count as well."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

# lower floors first; a module may import its own floor and those below
FLOORS = {"core": 0, "corpus": 1, "index": 2, "answer": 2, "pipeline": 3, "edges": 4, "server": 5, "cli": 6}
# floors side by side that must not read each other
APART = {("answer", "index"), ("index", "answer"), ("answer", "corpus")}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each qa and ui module -> the qa modules it imports."""
    found: dict[str, set[str]] = {}
    for path in [*ROOT.joinpath("qa").rglob("*.py"), *ROOT.joinpath("ui").rglob("*.py")]:
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        found[module_name(path)] = {n for n in names if n == "qa" or n.startswith(("qa.", "ui."))}
    return found


def floor(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "qa" and len(parts) > 1 else None


def test_every_module_has_a_floor() -> None:
    loose = [m for m in imports() if m.startswith("qa.") and floor(m) not in FLOORS]
    assert not loose, f"modules outside the floor plan: {loose}"


def wrong_imports(found: dict[str, set[str]]) -> list[str]:
    """Imports that point up a floor, across floors kept apart, or from the UI into the server."""
    wrong = []
    for module, targets in found.items():
        here = floor(module)
        for target in targets:
            there = floor(target)
            if module.startswith("ui") and there in ("server", "cli"):
                wrong.append(f"{module} -> {target}")
            if here is None or there is None or there == here:
                continue
            if FLOORS[there] > FLOORS[here] or (here, there) in APART:
                wrong.append(f"{module} -> {target}")
    return wrong


def circle(found: dict[str, set[str]]) -> list[str] | None:
    """A chain of imports that comes back to where it started, if there is one."""
    graph = {m: {t for t in ts if t in found} for m, ts in found.items()}
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (found_circle := visit(target)):
                return found_circle
        state[module] = 2
        path.pop()
        return None

    for module in sorted(graph):
        if module not in state and (found_circle := visit(module)):
            return found_circle
    return None


def test_no_import_points_up_or_across_and_the_ui_uses_no_server_internals() -> None:
    assert not wrong_imports(imports())


def test_the_answer_stage_reads_neither_corpus_index_nor_server() -> None:
    wrong = [f"{m} -> {t}" for m, ts in imports().items() if floor(m) == "answer"
             for t in ts if floor(t) in ("corpus", "index", "server", "edges", "pipeline", "cli")]
    assert not wrong, wrong


def test_no_circle() -> None:
    assert circle(imports()) is None


def test_the_checks_catch_what_they_are_for() -> None:
    bad = {"qa.answer.x": {"qa.index.retrieval"}, "qa.index.retrieval": set(), "qa.core.text": {"qa.pipeline"},
           "qa.pipeline": set(), "ui.guard": {"qa.server.admission"}, "qa.server.admission": set()}
    assert wrong_imports(bad) == ["qa.answer.x -> qa.index.retrieval", "qa.core.text -> qa.pipeline",
                                  "ui.guard -> qa.server.admission"]
    assert circle({"qa.answer.judge": {"qa.answer.judge_runtime"},
                   "qa.answer.judge_runtime": {"qa.answer.judge"}}) == [
        "qa.answer.judge", "qa.answer.judge_runtime", "qa.answer.judge"]
