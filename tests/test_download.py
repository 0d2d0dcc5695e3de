"""load_mnist / load_fashion_mnist without a path: cache, download from a local HTTP server (never
the internet), checksum, atomic writes, and mirrors that fail."""
import dataclasses
import gzip
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from neurona import datasets
from neurona.datasets import download, idx

from test_datasets import MNIST_DIR, idx_bytes, needs_mnist


def fake_set(seed=0, n_train=6, n_test=4):
    r"""{file name: decompressed IDX bytes} of a small MNIST-shaped set."""
    rng = np.random.default_rng(seed)
    files = {}
    for split, n in (("train", n_train), ("test", n_test)):
        images_file, labels_file = idx.MNIST_FILES[split]
        files[images_file] = idx_bytes(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), 0x08)
        files[labels_file] = idx_bytes(rng.integers(0, 10, n, dtype=np.uint8), 0x08)
    return files


class Server:
    r"""A local HTTP server: routes map a path to (body, declared Content-Length or None)."""

    def __init__(self):
        routes = self.routes = {}
        self.requests = []
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                if self.path not in routes:
                    self.send_error(404)
                    return
                body, length = routes[self.path]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NEURONA_DATA", str(tmp_path / "cache"))
    monkeypatch.delenv("NEURONA_OFFLINE", raising=False)     # the mirrors here are a local server
    return tmp_path / "cache"


def serve(monkeypatch, server, name, files, mirrors=("/a/",), md5_of="content"):
    r"""Publish ``files`` on each mirror and point dataset ``name`` at them with their checksums."""
    remote = []
    for filename, content in files.items():
        archive = gzip.compress(content, mtime=0)
        digest = hashlib.md5(content if md5_of == "content" else archive).hexdigest()
        remote.append(download.RemoteFile(filename, digest, md5_of))
        for mirror in mirrors:
            server.routes[mirror + filename] = (archive, None)
    dataset = dataclasses.replace(download.REMOTE[name], mirrors=tuple(server.url + m for m in mirrors),
                                  files=tuple(remote))
    monkeypatch.setitem(download.REMOTE, name, dataset)
    return dataset


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part")) if directory.exists() else []


@pytest.mark.parametrize("name,loader,md5_of", [("mnist", datasets.load_mnist, "content"),
                                                ("fashion_mnist", datasets.load_fashion_mnist, "archive")])
def test_download_then_read_from_the_cache(server, cache, monkeypatch, name, loader, md5_of):
    files = fake_set()
    serve(monkeypatch, server, name, files, md5_of=md5_of)
    x_train, y_train, x_test, y_test = loader(progress=False)
    assert x_train.shape == (6, 784) and x_test.shape == (4, 784) and x_train.max() <= 1
    assert sorted(p.name for p in (cache / name).iterdir()) == sorted(files)
    for filename, content in files.items():
        assert gzip.decompress((cache / name / filename).read_bytes()) == content
    assert len(server.requests) == 4
    again = loader(download=False, progress=False)             # from the cache, no request
    assert len(server.requests) == 4
    np.testing.assert_array_equal(again[1], y_train)
    np.testing.assert_array_equal(loader(path=cache / name, progress=False)[3], y_test)


def test_progress_bar_is_drawn(server, cache, monkeypatch, capsys):
    serve(monkeypatch, server, "mnist", fake_set())
    datasets.load_mnist(progress=True)
    output = capsys.readouterr()
    assert "Downloading mnist/train-images-idx3-ubyte.gz" in output.out + output.err


def test_in_a_notebook_the_download_prints_plain_lines(server, cache, monkeypatch, capsys):
    serve(monkeypatch, server, "mnist", fake_set())
    monkeypatch.setattr(download, "in_notebook", lambda: True)
    datasets.load_mnist(progress=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["Downloading mnist/train-images-idx3-ubyte.gz ...",
                         "Downloaded mnist/train-images-idx3-ubyte.gz: 0.0 MiB"]
    assert len(lines) == 8 and not any("━" in line for line in lines)


def test_first_mirror_down_second_used(server, cache, monkeypatch):
    files = fake_set()
    dataset = serve(monkeypatch, server, "mnist", files, mirrors=("/b/",))
    monkeypatch.setitem(download.REMOTE, "mnist", dataclasses.replace(
        dataset, mirrors=(server.url + "/missing/",) + dataset.mirrors))
    datasets.load_mnist(progress=False)
    assert any(r.startswith("/missing/") for r in server.requests)
    assert sorted(p.name for p in (cache / "mnist").iterdir()) == sorted(files)


def test_checksum_mismatch_keeps_nothing(server, cache, monkeypatch):
    files = fake_set()
    serve(monkeypatch, server, "mnist", files)
    wrong = fake_set(seed=1)["train-labels-idx1-ubyte.gz"]        # same shape, other labels
    server.routes["/a/train-labels-idx1-ubyte.gz"] = (gzip.compress(wrong), None)
    with pytest.raises(download.DownloadError, match="checksum mismatch: MD5 of the decompressed content is "
                                                     f"{hashlib.md5(wrong).hexdigest()}"):
        datasets.load_mnist(progress=False)
    assert not (cache / "mnist" / "train-labels-idx1-ubyte.gz").exists()
    assert leftovers(cache / "mnist") == []
    # a later good download fills the gap without fetching the verified files again
    serve(monkeypatch, server, "mnist", files)
    before = len(server.requests)
    datasets.load_mnist(progress=False)
    assert server.requests[before:] == ["/a/train-labels-idx1-ubyte.gz", "/a/t10k-images-idx3-ubyte.gz",
                                        "/a/t10k-labels-idx1-ubyte.gz"]


def test_archive_checksum_mismatch(server, cache, monkeypatch):
    serve(monkeypatch, server, "fashion_mnist", fake_set(), md5_of="archive")
    archive = gzip.compress(fake_set()["train-images-idx3-ubyte.gz"], mtime=12345)   # other wrapper
    server.routes["/a/train-images-idx3-ubyte.gz"] = (archive, None)
    with pytest.raises(download.DownloadError, match="MD5 of the archive is"):
        datasets.load_fashion_mnist(progress=False)
    assert leftovers(cache / "fashion_mnist") == [] and not (cache / "fashion_mnist" / "train-images-idx3-ubyte.gz").exists()


@pytest.mark.parametrize("how", ["short body", "cut gzip"])
def test_truncated_download_keeps_nothing(server, cache, monkeypatch, how):
    files = fake_set()
    serve(monkeypatch, server, "mnist", files)
    archive = gzip.compress(files["t10k-images-idx3-ubyte.gz"])
    cut = archive[: len(archive) // 2]
    # the server announces the full length but sends half; or sends a cut file with a matching length
    server.routes["/a/t10k-images-idx3-ubyte.gz"] = (cut, len(archive) if how == "short body" else None)
    with pytest.raises(download.DownloadError) as info:
        datasets.load_mnist(progress=False)
    message = str(info.value)
    assert "t10k-images-idx3-ubyte.gz" in message and "nothing was kept" in message
    assert ("truncated" in message or "IncompleteRead" in message) if how == "short body" else "not a complete gzip" in message
    assert not (cache / "mnist" / "t10k-images-idx3-ubyte.gz").exists()
    assert leftovers(cache / "mnist") == []


def test_no_download_offline_and_unknown_name(cache, monkeypatch):
    with pytest.raises(FileNotFoundError, match="download=False"):
        datasets.load_mnist(download=False)
    monkeypatch.setenv("NEURONA_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="not in the cache .* and NEURONA_OFFLINE is set"):
        datasets.load_fashion_mnist()
    assert not cache.exists()                                  # nothing created
    with pytest.raises(ValueError, match="known: mnist, fashion_mnist"):
        download.fetch("cifar")


def test_cache_location(monkeypatch, tmp_path):
    monkeypatch.setenv("NEURONA_DATA", str(tmp_path))
    assert datasets.data_home() == tmp_path
    monkeypatch.delenv("NEURONA_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert datasets.data_home() == tmp_path / "home" / ".neurona" / "datasets"


def test_downloadable_listing():
    assert set(datasets.DOWNLOADABLE) == set(download.REMOTE) == {"mnist", "fashion_mnist"}
    for name, description in datasets.DOWNLOADABLE.items():
        assert callable(getattr(datasets, f"load_{name}")) and "70000 images" in description
    for dataset in download.REMOTE.values():
        assert len(dataset.mirrors) >= 2 and len(dataset.files) == 4
        assert {f.name for f in dataset.files} == {n for pair in idx.MNIST_FILES.values() for n in pair}
        assert all(len(f.md5) == 32 for f in dataset.files)
    assert len(datasets.FASHION_MNIST_CLASSES) == 10


@needs_mnist
def test_real_mnist_files_pass_the_download_check():
    # the MD5s a download is checked against are those of the real files (decompressed content)
    for remote in download.REMOTE["mnist"].files:
        download._verify((MNIST_DIR / remote.name).read_bytes(), remote)
    wrong = dataclasses.replace(download.REMOTE["mnist"].files[0], md5="0" * 32)
    with pytest.raises(ValueError, match="checksum mismatch"):
        download._verify((MNIST_DIR / wrong.name).read_bytes(), wrong)


def test_a_failed_download_in_the_command_line_is_a_failure_that_suggests_data_path(server, cache, monkeypatch,
                                                                                       capsys, tmp_path):
    from neurona import cli
    serve(monkeypatch, server, "mnist", fake_set(), mirrors=("/a/",))
    server.routes.clear()                                   # every mirror answers 404
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--dataset", "mnist", "--epochs", "1", "--verbose", "0"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("neurona: error: Could not download") and "--data-path DIR" in err
    assert len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"] and leftovers(cache / "mnist") == []
