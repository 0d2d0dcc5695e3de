r"""The files a command reads and writes, checked together before any work starts.

    check_paths(inputs={"--csv": "data.csv"}, outputs={"--out": "model.safetensors"},
                directories={"--plots": "plots"})

Two paths are the same file when they resolve to the same place (symlinks followed, ``./`` and
``..`` removed, relative paths taken from the working directory) or, for files that exist, when
they are one file on disk (hard links). An output that is an input, or another output, is
refused: writing it would destroy what the command reads or what it wrote a moment before.
"""
from __future__ import annotations

import os

from ..atomicfile import NotARegularFileError, check_destination


class PathError(ValueError):
    r"""An output path that cannot be written safely (exit code 2: nothing has been done)."""


def same_file(a: str, b: str) -> bool:
    r"""Whether the paths ``a`` and ``b`` name one file (after symlinks, or one inode)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:                 # one of them does not exist yet
        return False


def directory_files(directory) -> list[str]:
    r"""The regular files directly inside ``directory`` (a data directory's inputs)."""
    if directory is None or not os.path.isdir(directory):
        return []
    return [os.path.join(directory, entry) for entry in sorted(os.listdir(directory))
            if os.path.isfile(os.path.join(directory, entry))]


def check_paths(inputs: dict, outputs: dict, directories: dict | None = None) -> None:
    r"""Refuse, before anything is read or written:

    - an output file (``outputs``: name -> path) or an output directory's file (``directories``:
      name -> (directory, [file names written in it])) that is one of the ``inputs`` (name -> path
      or list of paths) or another output;
    - an output whose directory does not exist, an output file that is a directory, a device, a
      FIFO or a socket (or a link to one), an output directory that is an existing file.
    None values are ignored.
    """
    named_inputs = []
    for name, value in inputs.items():
        for path in ([value] if isinstance(value, (str, os.PathLike)) else value or []):
            named_inputs.append((name, os.fspath(path)))
    written = []
    for name, path in outputs.items():
        if path is None:
            continue
        path = os.fspath(path)
        _check_parent(name, path)
        if os.path.isdir(path):
            raise PathError(f"{name} {path!r} is a directory; give a file name.")
        written.append((name, path))
    for name, (directory, files) in (directories or {}).items():
        if directory is None:
            continue
        directory = os.fspath(directory)
        _check_parent(name, directory)
        if os.path.exists(directory) and not os.path.isdir(directory):
            raise PathError(f"{name} {directory!r} is an existing file, not a directory; give a directory "
                            f"name (it is created if missing).")
        written += [(f"{name} file", os.path.join(directory, file)) for file in files]
    for name, path in written:
        try:
            check_destination(path, name)       # a device, a FIFO, a socket (or a link to one)
        except NotARegularFileError as error:
            raise PathError(str(error)) from None
    for i, (name, path) in enumerate(written):
        for input_name, input_path in named_inputs:
            if same_file(path, input_path):
                raise PathError(f"output is an input file: {name} {path!r} is the {input_name} file "
                                f"{input_path!r}; writing it would destroy it. Choose another output path.")
        for other_name, other in written[:i]:
            if same_file(path, other):
                raise PathError(f"output is another output file: {name} {path!r} and {other_name} "
                                f"{other!r} are the same file. Choose different paths.")


def _check_parent(name, path):
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise PathError(f"cannot write {name} {path!r}: the directory {parent!r} does not exist.")
