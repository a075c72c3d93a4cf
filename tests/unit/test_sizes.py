"""STYLE.md's sign to split, held: no module of qa, ui, bench or tests past 300 lines and no
class past 150, no function of qa or ui past 60 (an ``ast`` walk, as the issue that asked for the splits
checks it)."""

import ast
from pathlib import Path

from tests.support import ROOT

MAX_MODULE = 300
MAX_CLASS = 150
MAX_FUNCTION = 60


def modules() -> list[Path]:
    return [p for folder in ("qa", "ui", "bench", "tests") for p in sorted((ROOT / folder).rglob("*.py"))]


def test_no_module_is_past_300_lines() -> None:
    long = [f"{p.relative_to(ROOT)}: {n}" for p in modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE]
    assert not long, long


def test_no_class_is_past_150_lines() -> None:
    long = [f"{p.relative_to(ROOT)}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1}"
            for p in modules() for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
            if isinstance(node, ast.ClassDef) and node.end_lineno and node.end_lineno - node.lineno + 1 > MAX_CLASS]
    assert not long, long


def test_no_function_of_qa_or_ui_is_past_60_lines() -> None:
    long = [f"{p.relative_to(ROOT)}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1}"
            for p in modules() if p.relative_to(ROOT).parts[0] in ("qa", "ui")
            for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION]
    assert not long, long
