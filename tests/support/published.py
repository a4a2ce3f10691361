"""Exact published parameter totals (tests/data/published.json), each with its source."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "data" / "published.json"


@dataclass(frozen=True)
class Published:
    """One published total: the preset, which model of it, the count and where it is read."""

    preset: str
    encoder_only: bool
    total: int
    source: str
    how: str


def all_totals() -> list[Published]:
    """Every published total, in file order."""
    rows = json.loads(PATH.read_text(encoding="utf-8"))["totals"]
    return [Published(**row) for row in rows]


def totals(encoder_only: bool = False) -> dict[str, int]:
    """Preset name → published total of the full model (or of its encoder alone)."""
    return {p.preset: p.total for p in all_totals() if p.encoder_only == encoder_only}


def total(preset: str, encoder_only: bool = False) -> int:
    """The published total of one preset; KeyError when none is recorded."""
    return totals(encoder_only)[preset]
