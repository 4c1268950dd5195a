"""Outcome tables: one row per prompt with whether the weak and the strong model answered well.

RouteLLM's format: a CSV with a ``prompt`` column and a True/False column per model (other columns are ignored).
A folder means every ``*.csv`` in it, in sorted name order; each file is a group (e.g. an MMLU domain).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ValidationError

__all__ = ["OutcomeTable", "csv_files", "read_outcomes", "read_prompts"]

_TRUE = {"true": True, "false": False}


@dataclass(frozen=True)
class OutcomeTable:
    prompts: list[str]
    weak: list[bool]
    strong: list[bool]
    groups: list[str] = field(default_factory=list[str])  # the source file's stem per row
    sources: list[str] = field(default_factory=list[str])  # the files read, in order

    def __len__(self) -> int:
        return len(self.prompts)


def csv_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders expand to their ``*.csv`` files in sorted name order."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(p.glob("*.csv"))
            if not found:
                raise ValidationError(
                    f"Folder {p} holds no .csv files.", hint="Point at CSV files or a folder of them."
                )
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise ValidationError(f"{p} does not exist.", hint="Check the path.")
    if not out:
        raise ValidationError("No outcome files given.", hint="Pass one or more CSV files or folders.")
    return out


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            rows = list(reader)
    except UnicodeDecodeError as e:
        raise ValidationError(f"{path} is not UTF-8 text ({e.reason}).", hint="Save it as UTF-8 CSV.") from e
    except csv.Error as e:
        raise ValidationError(f"{path} is not a readable CSV: {e}.") from e
    if header is None:
        raise ValidationError(
            f"{path} is empty.", hint="It needs a header row (prompt,<weak>,<strong>) and one row per prompt."
        )
    if not rows:
        raise ValidationError(f"{path} has a header but no rows.", hint="Add one row per prompt.")
    return header, rows


def _column(header: Sequence[str], name: str, path: Path) -> int:
    try:
        return list(header).index(name)
    except ValueError:
        found = ", ".join(repr(h) for h in header)
        raise ValidationError(
            f"{path} has no column '{name}'. Columns found: {found}.",
            hint="Pass --weak/--strong with column names from that list.",
        ) from None


def _bool(value: str, path: Path, row: int, column: str) -> bool:
    try:
        return _TRUE[value.strip().lower()]
    except KeyError:
        raise ValidationError(
            f"{path} row {row}, column '{column}': {value!r} is not True or False.",
            hint="Outcome columns hold True (the model answered well) or False.",
        ) from None


def read_outcomes(paths: Iterable[str | Path], weak: str, strong: str) -> OutcomeTable:
    """Read outcome CSVs (files or folders). Row numbers in messages count data rows from 1 (header excluded)."""
    prompts: list[str] = []
    w_out: list[bool] = []
    s_out: list[bool] = []
    groups: list[str] = []
    files = csv_files(paths)
    for path in files:
        header, rows = _rows(path)
        ip, iw, is_ = (_column(header, c, path) for c in ("prompt", weak, strong))
        for n, row in enumerate(rows, start=1):
            if len(row) != len(header):
                raise ValidationError(
                    f"{path} row {n} has {len(row)} fields, the header has {len(header)}.",
                    hint="Quote fields that contain commas or line breaks.",
                )
            prompts.append(row[ip])
            w_out.append(_bool(row[iw], path, n, weak))
            s_out.append(_bool(row[is_], path, n, strong))
            groups.append(path.stem)
    return OutcomeTable(prompts, w_out, s_out, groups, [str(p) for p in files])


def read_prompts(paths: Iterable[str | Path]) -> list[str]:
    """The ``prompt`` column of CSV files (folders: sorted name order), in input order."""
    prompts: list[str] = []
    for path in csv_files(paths):
        header, rows = _rows(path)
        i = _column(header, "prompt", path)
        prompts.extend(row[i] for row in rows)
    return prompts
