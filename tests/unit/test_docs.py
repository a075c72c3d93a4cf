"""The README documents every setting and every CLI command (datasette's test_docs)."""

from qa.cli import app
from qa.config import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    missing = [f"QA_{name.upper()}" for name in Settings.model_fields if f"QA_{name.upper()}" not in README]
    assert not missing, f"README lacks {missing}"


def test_every_cli_command_is_in_the_readme() -> None:
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert set(names) == {"index", "retrieve", "ask", "serve", "eval"}
    missing = [n for n in names if f"qa {n}" not in README]
    assert not missing, f"README lacks {missing}"


def test_readme_starts_with_the_two_commands() -> None:
    blocks = README.split("```")
    assert blocks[1].strip().splitlines()[-2:] == ["make run", "make test"]
