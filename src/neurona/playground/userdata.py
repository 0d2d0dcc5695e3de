r"""The user's own data: a CSV table (two feature columns and a label column, chosen by name) or
points drawn with the mouse, checked and brought onto the playground's view.

Each feature column is mapped linearly onto [-5, 5] (x' = -5 + 10 (x - min) / (max - min)), so
every table fits the [-6, 6] view. A label column of at most 6 distinct values (names or numbers)
is a class label (classes numbered in sorted order); a numeric column with more values is a
regression target, mapped onto [-1, 1] in the same way.
"""
from __future__ import annotations

import csv
import io
import math

import numpy as np

from .settings import SettingsError

MAX_BYTES = 2_000_000
MAX_ROWS = 10_000
MAX_CLASSES = 6
SPAN = 5.0


def _scaled(column: np.ndarray, low: float, high: float) -> np.ndarray:
    lo, hi = float(column.min()), float(column.max())
    if hi == lo:
        return np.full_like(column, (low + high) / 2)
    return low + (high - low) * (column - lo) / (hi - lo)


def _numbers(name: str, cells: list[str]) -> np.ndarray:
    values = []
    for line, cell in enumerate(cells, start=2):
        try:
            value = float(cell)
        except ValueError:
            raise SettingsError(f"Column {name!r}, line {line}: {cell[:30]!r} is not a number.") from None
        if not math.isfinite(value):
            raise SettingsError(f"Column {name!r}, line {line}: {cell[:30]!r} is not a finite number.")
        values.append(value)
    return np.array(values, np.float64)


def _rows(text: str, dialect) -> list[list[str]]:
    r"""The non-blank rows; a cell longer than the csv module's field limit (131,072 characters: no
    number is that long), a NUL character or an unclosed quote is an error naming its line."""
    reader = csv.reader(io.StringIO(text), dialect)
    rows = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
    except csv.Error as error:
        reason = str(error)
        if "field limit" in reason:
            reason = (f"a cell is longer than {csv.field_size_limit():,} characters (the playground reads "
                      f"numbers and labels, not texts)")
        raise SettingsError(f"The CSV file cannot be read at line {reader.line_num}: {reason}.") from None
    return rows


def parse_csv(text, x1, x2, label) -> tuple[np.ndarray, np.ndarray, str, dict]:
    r"""(x, y, problem, description) of a CSV text with a header line; ``x1``, ``x2`` and ``label``
    name its columns."""
    if not isinstance(text, str):
        raise SettingsError(f"'csv' must be the text of a CSV file. Got {type(text).__name__}.")
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise SettingsError(f"The CSV file is larger than {MAX_BYTES // 1_000_000} MB, the playground's limit.")
    for key, value in (("x1", x1), ("x2", x2), ("label", label)):
        if not isinstance(value, str):
            raise SettingsError(f"'{key}' must be the name of a column. Got {value!r}.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = _rows(text, dialect)
    if len(rows) < 2:
        raise SettingsError("The CSV file needs a header line and at least one row of data.")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    if len(body) > MAX_ROWS:
        raise SettingsError(f"The CSV file has {len(body)} rows; the playground takes at most {MAX_ROWS}.")
    index = {}
    for key, name in (("x1", x1), ("x2", x2), ("label", label)):
        if name not in header:
            raise SettingsError(f"'{key}': there is no column {name[:40]!r}; the columns are "
                                f"{', '.join(repr(h) for h in header[:20])}.")
        index[key] = header.index(name)
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise SettingsError(f"Line {line} has {len(row)} cells; the header has {len(header)}.")
    cells = {key: [row[i].strip() for row in body] for key, i in index.items()}
    x = np.c_[_numbers(x1, cells["x1"]), _numbers(x2, cells["x2"])]
    labels = cells["label"]
    distinct = sorted(set(labels))
    description = {"rows": len(body), "columns": [x1, x2, label],
                   "ranges": [[float(x[:, j].min()), float(x[:, j].max())] for j in range(2)]}
    if len(distinct) <= MAX_CLASSES:
        if len(distinct) < 2:
            raise SettingsError(f"The label column {label!r} holds one value only; it needs 2 to {MAX_CLASSES} classes "
                                f"or numbers to regress.")
        try:
            distinct = sorted(distinct, key=float)
        except ValueError:
            pass
        y = np.array([distinct.index(v) for v in labels], np.int64)
        description["classes"] = distinct
        problem = "classification"
    else:
        try:
            y = _numbers(label, labels)
        except SettingsError as error:
            raise SettingsError(f"{error} The label column has {len(distinct)} distinct values: at most "
                                f"{MAX_CLASSES} classes, or numbers for a regression.") from None
        description["target_range"] = [float(y.min()), float(y.max())]
        y = _scaled(y, -1.0, 1.0)
        problem = "regression"
    x = np.c_[_scaled(x[:, 0], -SPAN, SPAN), _scaled(x[:, 1], -SPAN, SPAN)]
    if len(y) < 4:
        raise SettingsError(f"The data need at least 4 rows; got {len(y)}.")
    return x, y, problem, description


def parse_points(points) -> tuple[np.ndarray, np.ndarray, str, dict]:
    r"""Drawn points: a list of [x1, x2, class] with x1, x2 in [-6, 6] and class in 0..5."""
    if not isinstance(points, list) or not 4 <= len(points) <= MAX_ROWS:
        raise SettingsError(f"'points' must be a list of 4 to {MAX_ROWS} points [x1, x2, class]. Got "
                            f"{len(points) if isinstance(points, list) else type(points).__name__}.")
    x, y = np.empty((len(points), 2)), np.empty(len(points), np.int64)
    for i, point in enumerate(points):
        ok = (isinstance(point, list) and len(point) == 3
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in point)
              and all(math.isfinite(v) and abs(v) <= 6 for v in point[:2])
              and point[2] == int(point[2]) and 0 <= point[2] < MAX_CLASSES)
        if not ok:
            raise SettingsError(f"Point {i} must be [x1, x2, class] with x1, x2 in [-6, 6] and class an integer "
                                f"in 0..{MAX_CLASSES - 1}. Got {str(point)[:60]}.")
        x[i], y[i] = point[:2], int(point[2])
    present = np.unique(y)
    if len(present) < 2:
        raise SettingsError("The points need at least 2 classes: click for class A, shift-click for class B.")
    y = np.searchsorted(present, y)      # classes numbered 0.. in the order of those drawn
    return x, y, "classification", {"rows": len(y), "classes": [str(c) for c in present.tolist()]}
