"""Judges compared along their whole trade-off on the val articles, not at one threshold each:
for calibrated judge folders holding the questions ``bench.calibrate_judge --questions
FOLDER/questions.json --write`` kept, the answerable questions answered right at a given share of
human-written unanswerable ones refused, and the refused share at a given answerable accuracy
(in-sample: each judge's calibration was fitted on these questions).

  python -m bench.operating_points .qa/judges/v7 .qa/judges/v8
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bench.calibrate_judge import collected, probabilities
from qa.answer.judge import CARD

HUMAN_REFUSED = (0.45, 0.55, 0.60)
ANSWERABLE = (0.65, 0.70, 0.75)


def trade_off(folder: Path) -> list[tuple[float, float]]:
    """(answerable right, human-written refused) at every threshold."""
    card = json.loads((folder / CARD).read_text(encoding="utf-8"))
    questions = collected(folder / "questions.json", Path(), 0, None)
    prob, right, kinds = probabilities(questions, card)
    kind = np.array(kinds)
    return [(float(np.mean((prob >= t)[kind == "answerable"] & right[kind == "answerable"])),
             float(np.mean(prob[kind == "human"] < t))) for t in np.linspace(0.0, 1.0, 1001)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", type=Path, nargs="+")
    a = ap.parse_args()
    print(f"{'judge':<28}" + "".join(f"  ans@hum>={h}" for h in HUMAN_REFUSED)
          + "".join(f"  hum@ans>={x}" for x in ANSWERABLE))
    for folder in a.folders:
        if not (folder / "questions.json").is_file():
            raise SystemExit(f"{folder}: no questions.json (run bench.calibrate_judge --questions there first)")
        points = trade_off(folder)
        row = [max((ans for ans, hum in points if hum >= h), default=float("nan")) for h in HUMAN_REFUSED]
        row += [max((hum for ans, hum in points if ans >= x), default=float("nan")) for x in ANSWERABLE]
        print(f"{folder.name:<28}" + "".join(f"{v:>14.3f}" for v in row))


if __name__ == "__main__":
    main()
