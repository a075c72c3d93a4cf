"""Judges to compare, named on the command line: ``NAME=FOLDER`` (a folder holding judge.json and
judge.safetensors) or ``NAME=git:REV`` (the judge shipped at that commit, unpacked once under
.qa/judges/REV; needs the repository's history)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ("judge.json", "judge.safetensors")
CACHE = ROOT / ".qa" / "judges"


def judge_folder(spec: str) -> Path:
    """The folder of one judge spec (FOLDER or git:REV)."""
    if not spec.startswith("git:"):
        folder = Path(spec)
        if not all((folder / f).is_file() for f in FILES):
            raise SystemExit(f"--judge {spec}: no {' and '.join(FILES)} there")
        return folder
    rev = spec[4:]
    folder = CACHE / rev
    if not all((folder / f).is_file() for f in FILES):
        folder.mkdir(parents=True, exist_ok=True)
        for f in FILES:
            shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:qa/models/judge/{f}"],  # nosec B603 B607
                                   capture_output=True, check=False)
            if shown.returncode:
                raise SystemExit(f"--judge git:{rev}: {shown.stderr.decode().strip()} (a shallow clone lacks old "
                                 "judges: git fetch --unshallow)")
            (folder / f).write_bytes(shown.stdout)
    return folder


def parse_judges(specs: list[str]) -> dict[str, Path | None]:
    """NAME -> folder, in the order given; none given: the shipped judge (None)."""
    judges: dict[str, Path | None] = {}
    for spec in specs:
        name, sep, where = spec.partition("=")
        if not sep or not name or not where:
            raise SystemExit(f"--judge {spec!r}: write NAME=FOLDER or NAME=git:REV")
        judges[name] = judge_folder(where)
    return judges or {"shipped": None}
