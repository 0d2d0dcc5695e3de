r"""Reader for the IDX format, and loaders for MNIST and Fashion-MNIST (four IDX .gz files each)."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from .download import fetch

# IDX type code (third byte of the magic) -> big-endian element dtype.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

GZIP_MAGIC = b"\x1f\x8b"

# split -> (images file, labels file), as published.
MNIST_FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    r"""Decode the (uncompressed) bytes of an IDX file; ``source`` names it in errors."""
    if len(data) < 4:
        raise ValueError(f"{source}: truncated IDX header: expected 4 bytes, got {len(data)}")
    zero0, zero1, code, ndim = data[:4]
    if zero0 != 0 or zero1 != 0:
        raise ValueError(f"{source}: wrong magic {data[:4].hex()}: first two bytes must be zero")
    if code not in IDX_DTYPES:
        raise ValueError(f"{source}: wrong magic {data[:4].hex()}: unknown type code 0x{code:02X}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"{source}: truncated IDX header: expected {header} bytes, got {len(data)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(data) - header
    if got != expected:
        what = "truncated" if got < expected else "trailing bytes"
        raise ValueError(
            f"{source}: {what}: expected {expected} payload bytes for shape {shape}, got {got}"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    r"""Read an IDX file, gzip-compressed or raw, as an array of its dtype and shape."""
    data = Path(path).read_bytes()
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as error:
            raise ValueError(f"{os.fspath(path)}: corrupt or truncated gzip file ({error})") from None
    return parse_idx(data, source=os.fspath(path))


def _mnist_file(directory: Path, filename: str) -> Path:
    r"""Path of one MNIST file in ``directory``; ``FileNotFoundError`` if it is missing."""
    path = directory / filename
    if not path.is_file():
        raise FileNotFoundError(f"MNIST file {filename!r} not found in {os.fspath(directory)!r}")
    return path


def _mnist_split(directory: Path, split: str, flatten: bool, scale: bool, dtype: np.dtype):
    r"""Images and int64 labels of one split (``"train"`` or ``"test"``)."""
    images_file, labels_file = MNIST_FILES[split]
    images = read_idx(_mnist_file(directory, images_file))
    labels = read_idx(_mnist_file(directory, labels_file)).astype(np.int64)
    if images.ndim != 3 or len(images) != len(labels):
        raise ValueError(f"{split}: images {images.shape} do not match labels {labels.shape}")
    x = images.astype(dtype)
    if scale:
        x /= 255
    if flatten:
        x = x.reshape(len(x), -1)
    return x, labels


FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                         "Sneaker", "Bag", "Ankle boot")


def _load_set(name: str, path, flatten: bool, scale: bool, dtype, download: bool, progress: bool):
    dtype = np.dtype(dtype)
    if scale and dtype.kind != "f":
        raise ValueError(f"scale=True needs a floating dtype, got {dtype}")
    directory = Path(path) if path is not None else fetch(name, download=download, progress=progress)
    x_train, y_train = _mnist_split(directory, "train", flatten, scale, dtype)
    x_test, y_test = _mnist_split(directory, "test", flatten, scale, dtype)
    return x_train, y_train, x_test, y_test


def load_mnist(path: str | os.PathLike | None = None, flatten: bool = True, scale: bool = True,
               dtype: str | np.dtype = "float32", download: bool = True, progress: bool = True):
    r"""Load MNIST (handwritten digits 0-9, 60,000 train + 10,000 test images of 28x28).

    Reads the four ``.gz`` IDX files from directory ``path``; without ``path`` from the cache
    (``$NEURONA_DATA/mnist`` or ``~/.neurona/datasets/mnist``), downloading what is missing
    (verified by MD5, see ``neurona.datasets.download``). Returns ``(x_train, y_train, x_test,
    y_test)``: images of shape (n, 784) if ``flatten`` else (n, 28, 28), divided by 255 (into
    [0, 1]) if ``scale``; labels int64.
    """
    return _load_set("mnist", path, flatten, scale, dtype, download, progress)


def load_fashion_mnist(path: str | os.PathLike | None = None, flatten: bool = True, scale: bool = True,
                       dtype: str | np.dtype = "float32", download: bool = True, progress: bool = True):
    r"""Load Fashion-MNIST (Zalando's clothes, 10 classes named in ``FASHION_MNIST_CLASSES``), a
    drop-in replacement for MNIST with the same files, shapes and options as ``load_mnist``."""
    return _load_set("fashion_mnist", path, flatten, scale, dtype, download, progress)
