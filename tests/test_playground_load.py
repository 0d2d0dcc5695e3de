"""The playground under load, on a real server (uvicorn, one event loop, as `neurona playground`) and
real WebSocket clients: a new page is answered while the other pages train.

Each epoch here is a sleep of two seconds (an epoch on a user's 10,000 rows lasts about a second on
a loaded machine, but a sleep costs no CPU, so the test measures the server's scheduling, not the
machine). More pages play than asyncio's default thread pool has threads: if the pages' epochs
and their answers shared that pool, the new page would wait behind the epochs. The bound is loose
(a CI machine is busy); `benchmarks/playground_load.py` measures the real thing."""
import json
import os
import time

import pytest

pytest.importorskip("uvicorn")
websockets_client = pytest.importorskip("websockets.sync.client")

from neurona.playground.experiment import Experiment  # noqa: E402
from neurona.playground.serve import BackgroundServer  # noqa: E402

EPOCH_SECONDS = 2.0


def receive(socket, kind):
    while True:
        message = json.loads(socket.recv(timeout=30))
        assert message["type"] != "error", message
        if message["type"] == kind:
            return message


def open_page(url):
    socket = websockets_client.connect(url, max_size=None)
    receive(socket, "ready")
    return socket


def test_a_new_page_is_answered_while_more_pages_train_than_asyncio_has_threads(monkeypatch):
    monkeypatch.setattr(Experiment, "step", lambda self: time.sleep(EPOCH_SECONDS))
    playing = min(32, (os.cpu_count() or 1) + 4) + 1            # asyncio's default pool, and one more
    with BackgroundServer(max_pages=playing + 1) as server:
        url = server.url.replace("http://", "ws://") + "ws"
        pages = []
        try:
            for seed in range(playing):
                page = open_page(url)
                pages.append(page)
                page.send(json.dumps({"type": "configure", "settings": {"seed": f"0.{seed + 1}"}}))
                receive(page, "state")
                page.send(json.dumps({"type": "play"}))
            time.sleep(0.5)                                     # every page is in an epoch
            new = open_page(url)
            pages.append(new)
            started = time.perf_counter()
            new.send(json.dumps({"type": "configure", "settings": {"seed": "0.99"}}))
            state = receive(new, "state")
            waited = time.perf_counter() - started
        finally:
            for page in pages:
                page.close()
    assert state["epoch"] == 0
    assert waited < EPOCH_SECONDS / 2, f"the new page waited {waited:.2f} s for its first answer"
