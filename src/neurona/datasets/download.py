r"""Downloading the IDX datasets into a local cache, verified and written atomically.

    fetch("mnist")   ->  ~/.neurona/datasets/mnist/  with the four .gz files

The cache directory is ``$NEURONA_DATA`` if set, else ``~/.neurona/datasets``. A missing file is
fetched from each mirror in turn; the download goes to a temporary file beside its final place, is
checked (complete, a valid gzip stream, the published MD5), and only then renamed into place
(``os.replace``, atomic). A download that fails any check is deleted: the cache never holds a
partial or wrong file.
"""
from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from ..notebook import in_notebook


class DownloadError(OSError):
    r"""No mirror gave a complete file with the expected checksum."""


@dataclass(frozen=True)
class RemoteFile:
    r"""One file of a dataset and its published MD5.

    ``md5_of`` says what the MD5 covers: "content" (the decompressed IDX bytes; the same whichever
    gzip wrapper a mirror serves) or "archive" (the .gz file as published).
    """
    name: str
    md5: str
    md5_of: str = "content"


@dataclass(frozen=True)
class RemoteDataset:
    name: str
    mirrors: tuple[str, ...]
    files: tuple[RemoteFile, ...]
    source: str


REMOTE: dict[str, RemoteDataset] = {
    "mnist": RemoteDataset(
        "mnist",
        # the original site last: it has refused plain downloads for years
        mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/",
                 "http://yann.lecun.com/exdb/mnist/"),
        files=(RemoteFile("train-images-idx3-ubyte.gz", "6bbc9ace898e44ae57da46a324031adb"),
               RemoteFile("train-labels-idx1-ubyte.gz", "a25bea736e30d166cdddb491f175f624"),
               RemoteFile("t10k-images-idx3-ubyte.gz", "2646ac647ad5339dbf082846283269ea"),
               RemoteFile("t10k-labels-idx1-ubyte.gz", "27ae3e4e09519cfbb04c329615203637")),
        source="Y. LeCun, C. Cortes, C. J. C. Burges, The MNIST database (CC BY-SA 3.0)"),
    "fashion_mnist": RemoteDataset(
        "fashion_mnist",
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                 "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
        # Fashion-MNIST publishes the MD5 of its .gz files (its README), not of their contents.
        files=(RemoteFile("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "archive"),
               RemoteFile("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", "archive"),
               RemoteFile("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", "archive"),
               RemoteFile("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", "archive")),
        source="H. Xiao, K. Rasul, R. Vollgraf, Fashion-MNIST (Zalando Research, MIT licence)"),
}


def data_home() -> Path:
    r"""The cache directory: ``$NEURONA_DATA``, else ``~/.neurona/datasets``."""
    return Path(os.environ.get("NEURONA_DATA") or Path.home() / ".neurona" / "datasets")


def offline() -> bool:
    r"""True when ``$NEURONA_OFFLINE`` is set (to anything but "" or "0"): nothing is downloaded."""
    return os.environ.get("NEURONA_OFFLINE", "") not in ("", "0")


def fetch(name: str, download: bool = True, progress: bool = True) -> Path:
    r"""The cache directory of dataset ``name`` with all its files, downloading those missing
    (unless ``download=False`` or ``$NEURONA_OFFLINE`` is set)."""
    if name not in REMOTE:
        raise ValueError(f"Unknown downloadable dataset {name!r}; known: {', '.join(REMOTE)}.")
    dataset = REMOTE[name]
    directory = data_home() / name
    for remote in dataset.files:
        if (directory / remote.name).is_file():
            continue
        if not download or offline():
            why = "download=False" if not download else "NEURONA_OFFLINE is set"
            raise FileNotFoundError(f"{remote.name} of {name} is not in the cache {os.fspath(directory)!r} "
                                    f"and {why}; put the file there, give its folder as path=, or allow "
                                    f"the download.")
        directory.mkdir(parents=True, exist_ok=True)
        _download(dataset, remote, directory, progress)
    return directory


def _download(dataset: RemoteDataset, remote: RemoteFile, directory: Path, progress: bool):
    r"""Try each mirror until one gives a verified file; keep nothing otherwise."""
    failures = []
    for mirror in dataset.mirrors:
        url = mirror + remote.name
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{remote.name}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                _stream(url, out, f"{dataset.name}/{remote.name}", progress)
                out.flush()
                os.fsync(out.fileno())
            _verify(Path(temporary).read_bytes(), remote)
            os.replace(temporary, directory / remote.name)
            return
        except (OSError, ValueError, http.client.HTTPException) as error:
            failures.append(f"{url}: {error}")
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    raise DownloadError(f"Could not download {remote.name} of {dataset.name}; nothing was kept in "
                        f"{os.fspath(directory)!r}. If you have the four IDX .gz files, give their folder "
                        f"(`neurona train --data-path DIR`, or path=DIR in Python) or copy them into that "
                        f"cache directory. Tried:\n  " + "\n  ".join(failures))


def _stream(url: str, out, label: str, progress: bool):
    r"""Copy ``url`` into the open file ``out``; a body shorter than its Content-Length is an error."""
    with urllib.request.urlopen(url, timeout=60) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
        plain = progress and in_notebook()      # in Jupyter rich's bar needs ipywidgets and a saved
        if plain:                               # notebook loses it: two plain lines instead
            print(f"Downloading {label} ...", flush=True)
        with Progress(*columns, disable=not progress or plain, transient=False) as bar:
            task = bar.add_task(f"Downloading {label}", total=total)
            received = 0
            while chunk := response.read(1 << 16):
                out.write(chunk)
                received += len(chunk)
                bar.update(task, advance=len(chunk))
        if plain:
            print(f"Downloaded {label}: {received / 2 ** 20:.1f} MiB", flush=True)
    if total is not None and received != total:
        raise ValueError(f"truncated download: got {received} of {total} bytes")


def _verify(archive: bytes, remote: RemoteFile):
    r"""Raise ValueError unless ``archive`` is a complete gzip file with the expected MD5."""
    try:
        content = gzip.decompress(archive)
    except (EOFError, OSError, zlib.error) as error:
        raise ValueError(f"not a complete gzip file ({error})") from None
    checked = content if remote.md5_of == "content" else archive
    digest = hashlib.md5(checked, usedforsecurity=False).hexdigest()
    if digest != remote.md5:
        what = "decompressed content" if remote.md5_of == "content" else "archive"
        raise ValueError(f"checksum mismatch: MD5 of the {what} is {digest}, expected {remote.md5}")
