r"""Reading the pickled files some published datasets use (CIFAR's batches, the ragged arrays of
``imdb.npz``) without running code: the unpickler rebuilds NumPy arrays, lists, dicts, strings and
numbers, and refuses any other global a file names (a tampered file cannot call ``os.system``)."""
from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np

try:
    from numpy._core.multiarray import _reconstruct
except ImportError:                                     # pragma: no cover - numpy < 2
    from numpy.core.multiarray import _reconstruct

# the globals a pickled NumPy array names (numpy < 2 and numpy >= 2 spell the module differently)
_ARRAY_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
}


class ArrayUnpickler(pickle.Unpickler):
    r"""An unpickler that knows only NumPy's array globals; ``source`` names the file in errors."""

    def __init__(self, file, source: str, **kwargs):
        super().__init__(file, **kwargs)
        self.source = source

    def find_class(self, module, name):
        try:
            return _ARRAY_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{self.source}: refusing to load {module}.{name}: a dataset file "
                                         f"holds only arrays, lists and numbers; the file is damaged or "
                                         f"not the published one") from None


def load_pickle(data: bytes, source: str, encoding: str = "ASCII"):
    r"""Unpickle ``data`` (the bytes of a file named ``source``), allowing only arrays.

    Python 2 pickles (CIFAR's batches) need ``encoding="bytes"``: their str keys come back as bytes."""
    try:
        return ArrayUnpickler(io.BytesIO(data), source, encoding=encoding).load()
    except (EOFError, ValueError, TypeError, IndexError) as error:
        raise ValueError(f"{source}: not a complete pickle file ({error})") from None


def load_npz(path, source: str | None = None) -> dict[str, np.ndarray]:
    r"""The arrays of an ``.npz`` file, object arrays included (through ``ArrayUnpickler``)."""
    source = source or str(path)
    arrays = {}
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise ValueError(f"{source}: not an .npz (zip) file ({error})") from None
    with archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                arrays[member[:-4]] = _read_npy(archive.read(member), f"{source}:{member}")
    return arrays


def _read_npy(data: bytes, source: str) -> np.ndarray:
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    read_header = {(1, 0): np.lib.format.read_array_header_1_0}.get(version, np.lib.format.read_array_header_2_0)
    shape, fortran, dtype = read_header(stream)
    if not dtype.hasobject:
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    return load_pickle(stream.read(), source, encoding="latin1")
