"""The README documents every setting, CLI command, route and response field (datasette's
test_docs), checked against the CLI, Settings and the OpenAPI schema."""

import re
from pathlib import Path

from qa.cli import app
from qa.core.config import Settings
from qa.pipeline import Pipeline
from qa.server.api import create_app
from tests.fakes import HashEmbedder
from tests.support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    missing = [f"QA_{name.upper()}" for name in Settings.model_fields if f"QA_{name.upper()}" not in README]
    assert not missing, f"README lacks {missing}"


def test_the_readme_lists_the_settings_there_are_and_no_more_than_45() -> None:
    """Knobs a user turns, each documented; fitted constants live in qa/models/, not in Settings."""
    listed = set(re.findall(r"^\| `(QA_[A-Z0-9_]+)` \|", README, re.MULTILINE))
    assert listed == {f"QA_{name.upper()}" for name in Settings.model_fields}
    assert len(Settings.model_fields) <= 45


def test_every_cli_command_is_in_the_readme() -> None:
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert set(names) == {"index", "retrieve", "ask", "serve", "eval", "mcp"}
    missing = [n for n in names if f"qa {n}" not in README]
    assert not missing, f"README lacks {missing}"


def test_readme_starts_with_the_two_commands() -> None:
    blocks = README.split("```")
    assert blocks[1].strip().splitlines()[-2:] == ["make run", "make test"]


def test_every_route_and_response_field_is_in_the_readme(tmp_path: Path, corpus: Path) -> None:
    pipeline = Pipeline.from_settings(Settings(index_dir=tmp_path / "index", corpus_dir=corpus), HashEmbedder())
    schema = create_app(pipeline).openapi()
    pipeline.close()
    routes = [f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item]
    missing = [r for r in routes if re.sub(r"\{\w+\}", "{", r).split("{")[0] not in README]
    assert not missing, f"README lacks {missing}"
    fields = {f for name, model in schema["components"]["schemas"].items() if not name.endswith("Request")
              for f in model.get("properties", {})}
    undocumented = sorted(f for f in fields if not re.search(rf"\b{f}\b", README))
    assert not undocumented, f"README lacks the fields {undocumented}"
