"""The Spanish glossary (docs/glossary.md) as data: the variants that must never appear."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

GLOSSARY = Path(__file__).resolve().parent.parent / "docs" / "glossary.md"


@cache
def forbidden_variants(path: Path = GLOSSARY) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(Spanish term, pattern of a variant that must not be used) for every row of the table."""
    variants = []
    for line in path.read_text().splitlines():
        if not line.startswith("| ") or line.startswith(("| English", "| ---")):
            continue
        # Cells are split on " | " so that an escaped "\|" inside a pattern stays in its cell.
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        term, never = cells[1], cells[2]
        for variant in filter(None, (v.strip().strip("`") for v in never.split(" ; "))):
            variants.append((term, re.compile(variant.replace(r"\|", "|"), re.IGNORECASE)))
    return tuple(variants)


def glossary_problems(text: str) -> list[str]:
    """The glossary's forbidden variants found in a Spanish text."""
    return [
        f"{match.group(0)!r} instead of {term!r} (docs/glossary.md)"
        for term, pattern in forbidden_variants()
        for match in pattern.finditer(text)
    ]
