r"""One search at a time in a project directory: a lock file that says who holds it.

    with DirectoryLock(path):       search.lock in path: {"pid", "host", "since", "started"}
        ...                         a second process gets SearchLocked naming the holder

The lock file appears whole or not at all (written aside, then hard-linked into place, which fails if
it exists). A lock whose holder was killed (``kill -9``: no chance to remove it) does not block
forever: on the same host a holder whose pid is gone, a zombie, or a newer process that reuses the
pid (another start time) is stale, and the lock is taken over. A holder on another host cannot be
checked from here: the message says so, and which file to delete once that search is known to be over.
"""
from __future__ import annotations

import datetime
import json
import os
import socket
import tempfile

LOCK_FILE = "search.lock"


class SearchLocked(RuntimeError):
    r"""Another search holds the project directory."""


def _start_time(pid: int) -> str | None:
    r"""When process ``pid`` started (clock ticks since boot, from /proc), None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as file:
            fields = file.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[19] if len(fields) > 19 and fields[0] != "Z" else "zombie"


def _alive(pid: int, started: str | None) -> bool:
    r"""Whether the process that wrote a lock (``pid``, started at ``started``) still runs on this host."""
    if os.name == "nt":
        return True             # os.kill there would end the process, not probe it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass                    # another user's process: it exists
    except OSError:
        return True             # cannot tell: assume alive
    now = _start_time(pid)
    if now == "zombie":
        return False
    return started is None or now is None or now == started


def _place(temp: str, path: str, record: dict) -> None:
    r"""Put the lock file at ``path``; FileExistsError if it is there (one winner)."""
    try:
        os.link(temp, path)
    except FileExistsError:
        raise
    except OSError:             # a file system without hard links: created exclusively, then written
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(record, file)


class DirectoryLock:
    r"""The lock of the search directory ``path`` (created if missing)."""

    def __init__(self, path):
        self.path = os.fspath(path)
        self.file = os.path.join(self.path, LOCK_FILE)
        self.held = False

    def holder(self) -> dict | None:
        r"""The holder's record (pid, host, since, started), {} if unreadable, None if not locked."""
        try:
            with open(self.file, encoding="utf-8") as file:
                record = json.load(file)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError):
            return {}
        return record if isinstance(record, dict) else {}

    def _stale(self, record: dict) -> bool:
        pid = record.get("pid")
        if record.get("host") != socket.gethostname() or isinstance(pid, bool) or not isinstance(pid, int):
            return False
        if pid == os.getpid():
            return record.get("started") != _start_time(pid)
        return not _alive(pid, record.get("started"))

    def acquire(self) -> None:
        os.makedirs(self.path, exist_ok=True)
        pid = os.getpid()
        record = {"pid": pid, "host": socket.gethostname(), "started": _start_time(pid),
                  "since": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
        fd, temp = tempfile.mkstemp(prefix=f".{LOCK_FILE}.", suffix=".tmp", dir=self.path)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(record, file)
            for _ in range(3):
                try:
                    _place(temp, self.file, record)
                    self.held = True
                    return
                except FileExistsError:
                    holder = self.holder()
                    if holder is None:
                        continue                     # released in between: try again
                    if not self._stale(holder):
                        raise SearchLocked(self._message(holder)) from None
                    self._break(holder)
            raise SearchLocked(self._message(self.holder() or {}))
        finally:
            os.unlink(temp)

    def _break(self, stale: dict) -> None:
        r"""Remove a dead holder's lock (moved aside first, so that a live lock taken meanwhile survives)."""
        aside = f"{self.file}.stale.{os.getpid()}"
        try:
            os.rename(self.file, aside)
        except FileNotFoundError:
            return
        try:
            with open(aside, encoding="utf-8") as file:
                moved = json.load(file)
        except (OSError, ValueError):
            moved = {}
        if moved != stale:                          # not the one judged stale: put it back
            try:
                os.link(aside, self.file)
            except FileExistsError:
                pass
        os.unlink(aside)

    def _message(self, holder: dict) -> str:
        who = (f"process {holder.get('pid')} on {holder.get('host')!r} since {holder.get('since')}" if holder
               else "another process (its lock file is unreadable)")
        elsewhere = holder.get("host") not in (None, socket.gethostname())
        return (f"{self.path} is being searched by {who}: two searches in one directory would overwrite each "
                f"other's trials. Wait for it to end, or give another directory / project_name."
                + (f" (That host cannot be checked from here: if that search is over, delete {self.file}.)"
                   if elsewhere or not holder else ""))

    def release(self) -> None:
        if self.held:
            self.held = False
            try:
                os.unlink(self.file)
            except FileNotFoundError:
                pass

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
        return False
