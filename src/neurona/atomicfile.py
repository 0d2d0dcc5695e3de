r"""Atomic file writes: a crash at any moment leaves the old file or the new one, never a mix.

    write_atomic(path, data)      temporary file in the same directory, fsync, os.replace, fsync of the directory
    write_atomic(path, data, durable=False)   the same without the fsyncs: whole under a killed process
                                  (the rename is atomic and the page cache outlives the process), not
                                  promised to survive a power cut; for bookkeeping rewritten often
    remove_stale_temporaries(p)   deletes the temporaries that writes of p killed half-way left behind
"""
from __future__ import annotations

import os
import tempfile


def write_atomic(path, data: bytes, durable: bool = True) -> None:
    r"""Write ``data`` to ``path`` so that a crash leaves either the old file or the new one."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o666 & ~_umask())        # mkstemp makes 0600; a model file is made to be shared
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            if durable:
                os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    if not durable:
        return
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)        # the rename itself reaches the disk
    finally:
        os.close(dir_fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove_stale_temporaries(path) -> None:
    r"""Delete the temporary files that writes of ``path`` killed half-way left behind."""
    path = os.fspath(path)
    directory, name = os.path.split(os.path.abspath(path))
    for entry in os.listdir(directory):
        if entry.startswith(f".{name}.") and entry.endswith(".tmp"):
            try:
                os.unlink(os.path.join(directory, entry))
            except FileNotFoundError:
                pass
