r"""Atomic file writes: a crash at any moment leaves the old file or the new one, never a mix.

    write_atomic(path, data)      temporary file in the same directory, fsync, os.replace, fsync of the directory
    write_atomic(path, data, durable=False)   the same without the fsyncs: whole under a killed process
                                  (the rename is atomic and the page cache outlives the process), not
                                  promised to survive a power cut; for bookkeeping rewritten often
    with atomic_writer(path) as file:   the same for data written piece by piece (file.write(...))
    check_destination(path)       refuses a path that exists and is not a regular file
    remove_stale_temporaries(p)   deletes the temporaries that writes of p killed half-way left behind

Only regular files are written. A path that exists as a character device (/dev/null), a FIFO, a
socket or a directory is refused with a ``NotARegularFileError`` before anything is written: the
rename would put a regular file in its place (as root, /dev/null itself). A symlink is followed:
the file it points to is written (atomically, in its own directory) and the link is kept.
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile


class NotARegularFileError(ValueError):
    r"""A destination that exists and is not a regular file (a device, a FIFO, a socket, a directory)."""


def _kind(mode) -> str:
    return ("a directory" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
            "a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "not a regular file")


def check_destination(path, what: str | None = None) -> str:
    r"""The path to write for ``path``: ``path`` itself, or the file a symlink points to. Raises
    ``NotARegularFileError`` if it exists and is not a regular file; ``what`` names it in the message."""
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode            # follows symlinks: a link to /dev/null is a device
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        target = os.path.realpath(path)
        through = f" (a link to {target!r})" if os.path.islink(path) and target != path else ""
        named = f"{what} {path!r}" if what else repr(path)
        raise NotARegularFileError(f"cannot write {named}: it exists{through} and is {_kind(mode)}, not a regular "
                                   f"file (the new file's rename would replace it); give the path of a regular file.")
    return os.path.realpath(path) if os.path.islink(path) else path


@contextlib.contextmanager
def atomic_writer(path, durable: bool = True):
    r"""A binary file to write; on leaving the block without an error it replaces ``path`` whole
    (on an error the temporary file is deleted and ``path`` is untouched)."""
    path = check_destination(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o666 & ~_umask())        # mkstemp makes 0600; a model file is made to be shared
        with os.fdopen(fd, "wb") as file:
            yield file
            file.flush()
            if durable:
                os.fsync(file.fileno())
        check_destination(path)                 # made a FIFO or a device while the data was written
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    if durable:
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)        # the rename itself reaches the disk
        finally:
            os.close(dir_fd)


def write_atomic(path, data: bytes, durable: bool = True) -> None:
    r"""Write ``data`` to ``path`` so that a crash leaves either the old file or the new one."""
    with atomic_writer(path, durable) as file:
        file.write(data)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove_stale_temporaries(path) -> None:
    r"""Delete the temporary files that writes of ``path`` killed half-way left behind."""
    path = os.fspath(path)
    path = os.path.realpath(path) if os.path.islink(path) else path        # written where the link points
    directory, name = os.path.split(os.path.abspath(path))
    for entry in os.listdir(directory):
        if entry.startswith(f".{name}.") and entry.endswith(".tmp"):
            try:
                os.unlink(os.path.join(directory, entry))
            except FileNotFoundError:
                pass
