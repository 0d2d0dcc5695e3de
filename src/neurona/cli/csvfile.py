r"""Reading a table of samples from a CSV file: a header row, numeric features, one target column
(numbers, or class names as text).

    table = read_csv("prices.csv", target="price")
    table.x            (n, features) float64
    table.target       (n,) the raw target column: float64 if every value is a number, else str
    table.features     the feature column names, in file order

    for chunk in read_csv_chunks("inputs.csv", features=["a", "b"]): ...
                       the same, a bounded number of rows at a time (memory independent of the file's length)

Every error names the file, the line (1 = the header) and the column of the bad value.
"""
from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np


class CSVError(ValueError):
    r"""A CSV file that cannot be read as a table of samples."""


@dataclass
class Table:
    x: np.ndarray
    target: np.ndarray | None
    features: list[str]
    target_name: str | None
    lines: list[int] = field(default_factory=list)      # the file line of each row of x


FILLS = ("mean", "median", "zero")


def read_csv(path, target: str | None = None, features: list[str] | None = None,
             require_target: bool = True, drop=(), fill: str | None = None) -> Table:
    r"""Read ``path``. ``target`` names the target column (default: the last one that is not
    dropped). ``features`` selects and orders the feature columns (default: every column but the
    target and the ``drop`` columns). With ``require_target=False`` a missing target column is
    allowed (inputs for prediction). An empty feature cell is a missing value: an error naming
    its line and column, or, with ``fill`` = "mean", "median" or "zero", replaced by the mean or
    median of the column's other values in the file, or by 0."""
    path = os.fspath(path)
    if fill not in (None, *FILLS):
        raise ValueError(f"fill must be one of {', '.join(FILLS)} or None; got {fill!r}.")
    rows = _rows(path)
    header = _header(path, rows[0][1])
    unknown = [name for name in drop if name not in header]
    if unknown:
        raise CSVError(f"{path}: cannot drop the column(s) {unknown}: no such column; the columns are {header}.")
    if target is not None and target in drop:
        raise CSVError(f"{path}: the target column {target!r} is also among the dropped columns.")
    kept = [name for name in header if name not in drop]
    if target is None and require_target:
        if not kept:
            raise CSVError(f"{path}: every column is dropped.")
        target = kept[-1]
    if target is not None and target not in header and require_target:
        raise CSVError(f"{path}: no target column {target!r}; the columns are {header}.")
    has_target = target in header
    if features is None:
        features = [name for name in kept if name != target]
    missing = [name for name in features if name not in header]
    if missing:
        raise CSVError(f"{path}: missing feature column(s) {missing}; the columns are {header}.")
    if not features:
        raise CSVError(f"{path}: no feature columns besides the target {target!r}.")
    x = _features(path, header, [header.index(name) for name in features], rows[1:], fill)
    if fill is not None:
        _fill_missing(x, fill)
    target_values = None
    if has_target:
        target_values = _target_column(path, rows[1:], header.index(target), target)
    return Table(x, target_values, list(features), target if has_target else None, [line for line, _ in rows[1:]])


#: values (cells) read at a time by read_csv_chunks: about 200 bytes each while read, parsed and
#: predicted (strings, floats, output lines), so some 13 MB
CHUNK_CELLS = 2 ** 16


def read_csv_chunks(path, features: list[str], cells: int | None = None) -> Iterator[Table]:
    r"""The ``features`` columns of ``path`` (other columns are ignored) as Tables (no target) of
    as many rows as hold about ``cells`` values (default ``CHUNK_CELLS``), read as they are used:
    the memory taken does not grow with the file's length. The header is checked before any
    sample is read, and each chunk's rows before it is given."""
    path = os.fspath(path)
    cells = CHUNK_CELLS if cells is None else cells
    with _opened(path) as file:
        lines = _lines(path, file)
        first = next(lines, None)
        if first is None:
            _empty(path)
        header = _header(path, first[1])
        missing = [name for name in features if name not in header]
        if missing:
            raise CSVError(f"{path}: missing feature column(s) {missing}; the columns are {header}.")
        columns = [header.index(name) for name in features]
        rows = max(1, cells // len(header))
        chunk = list(itertools.islice(lines, rows))
        if not chunk:
            raise CSVError(f"{path}: the file has a header but no samples.")
        while chunk:
            yield Table(_features(path, header, columns, chunk), None, list(features), None, [n for n, _ in chunk])
            chunk = list(itertools.islice(lines, rows))


def _opened(path):
    return open(path, newline="", encoding="utf-8-sig")


def _lines(path, file) -> Iterator[tuple[int, list[str]]]:
    r"""(line number, values) of the non-blank rows of ``file``, read lazily."""
    reader = csv.reader(file)
    try:
        for row in reader:
            if "".join(row).strip():            # not a blank row (every cell empty or spaces)
                yield reader.line_num, row
    except UnicodeDecodeError as error:
        raise CSVError(f"{path}: not a text file in UTF-8 ({error.reason} at byte {error.start}).") from None
    except csv.Error as error:
        raise CSVError(f"{path}: not a valid CSV file ({error}).") from None


def _empty(path):
    raise CSVError(f"{path}: the file is empty; expected a header row and samples.")


def _rows(path) -> list[tuple[int, list[str]]]:
    r"""(line number, values) of the non-blank rows; the header first, then at least one sample."""
    with _opened(path) as file:
        rows = list(_lines(path, file))
    if not rows:
        _empty(path)
    if len(rows) == 1:
        raise CSVError(f"{path}: the file has a header but no samples.")
    return rows


def _header(path, names) -> list[str]:
    r"""The column names of the first row, checked: words (not a row of samples), each once."""
    header = [name.strip() for name in names]
    numbers = [name for name in header if _is_number(name)]
    if len(numbers) > len(header) / 2:         # column names are words; a row of samples is numbers
        raise CSVError(f"{path}: line 1 holds numbers ({', '.join(numbers[:4])}{', ...' if len(numbers) > 4 else ''}), "
                       f"not column names: the file seems to have no header row. Add a first line naming "
                       f"the columns, e.g. {','.join(f'x{j}' for j in range(len(header) - 1))},label.")
    if len(set(header)) != len(header):
        repeated = sorted({name for name in header if header.count(name) > 1})
        raise CSVError(f"{path}: line 1 repeats the column name(s) {repeated}.")
    return header


def _features(path, header, columns, rows, fill=None) -> np.ndarray:
    r"""(rows, columns) float64 of the numbers in ``columns`` of ``rows``, each row's length checked."""
    for line, row in rows:
        if len(row) != len(header):
            raise CSVError(f"{path}: line {line} has {len(row)} values; the header has {len(header)}.")
    if fill is None and rows:               # NumPy parses as float() does, 3x faster; a bad cell is found below
        try:
            x = np.array([[row[column] for column in columns] for _, row in rows], dtype=np.float64)
            if np.isfinite(x).all():
                return x
        except ValueError:
            pass
    x = np.empty((len(rows), len(columns)))
    for i, (line, row) in enumerate(rows):
        for j, column in enumerate(columns):
            x[i, j] = _number(path, line, header[column], row[column], fill)
    return x


def _is_number(text) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return bool(text.strip())


def _number(path, line, column, text, fill=None) -> float:
    if not text.strip():
        if fill is not None:
            return np.nan                     # filled once the whole column is read
        raise CSVError(f"{path}: line {line}, column {column!r}: the cell is empty (a missing value). Fill it in, "
                       f"drop the row or the column (--drop {column}), or give --fill mean, median or zero.")
    try:
        value = float(text)
    except ValueError:
        raise CSVError(f"{path}: line {line}, column {column!r}: {text.strip()!r} is not a number.") from None
    if not np.isfinite(value):
        raise CSVError(f"{path}: line {line}, column {column!r}: {text.strip()!r} is not a finite number.")
    return value


def _fill_missing(x, fill) -> None:
    r"""Replace the NaN of each column (its empty cells) by the column's mean or median, or 0."""
    for j in np.flatnonzero(np.isnan(x).any(axis=0)):
        column = x[:, j]
        missing = np.isnan(column)
        if fill == "zero":
            value = 0.0
        elif missing.all():
            value = 0.0                       # nothing to average: the column carries no information
        else:
            value = float(np.mean(column[~missing]) if fill == "mean" else np.median(column[~missing]))
        column[missing] = value


def _target_column(path, rows, index, name) -> np.ndarray:
    texts = [row[index].strip() for _, row in rows]
    for (line, _), text in zip(rows, texts):
        if not text:
            raise CSVError(f"{path}: line {line}, column {name!r}: the target is empty.")
    try:
        values = np.array([float(text) for text in texts])
    except ValueError:
        return np.array(texts)                 # class names
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise CSVError(f"{path}: line {rows[bad[0]][0]}, column {name!r}: {texts[bad[0]]!r} is not a finite number.")
    return values
