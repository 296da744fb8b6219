from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "tests" / "fixtures" / "text" / "sentiment_heldout.tsv"
DEV = ROOT / "samphan" / "text" / "data" / "dev_examples.tsv"


def examples(path: Path) -> list[tuple[str, str, str]]:
    """(text, label, domain) rows of a labelled TSV, without its heading."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "text\tlabel\tdomain"
    rows = []
    for line in lines[1:]:
        text, label, domain = line.split("\t")
        rows.append((text, label, domain))
    return rows
