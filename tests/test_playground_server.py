"""The playground's server through Starlette's TestClient: pages, the WebSocket protocol, and hostile
messages (each answered with an error that says what is wrong; the server stays up)."""
import base64
import contextlib
import json
import re
import warnings

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
with warnings.catch_warnings():     # Starlette asks for httpx2; httpx is what is installed
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

import neurona as nr  # noqa: E402
from neurona.playground import create_app  # noqa: E402
from neurona.playground.server import MAX_MESSAGE_BYTES  # noqa: E402

BASE = "http://127.0.0.1:8000"
SOCKET_HOST = "testserver"          # the Host of TestClient's WebSockets, whatever its base_url


@pytest.fixture
def client():
    with TestClient(create_app(max_pages=3, hosts=["127.0.0.1", SOCKET_HOST]), base_url=BASE) as c:
        yield c


def receive(ws, kind):
    r"""The next message of type ``kind`` (frames of a playing page may come first)."""
    for _ in range(500):
        message = ws.receive_json()
        if message["type"] == kind:
            return message
        assert message["type"] != "error" or kind == "error", message
    raise AssertionError(f"no {kind} message")


@contextlib.contextmanager
def opened(client, settings=None):
    r"""A configured page: (its WebSocket, the first state)."""
    with client.websocket_connect("/ws") as ws:
        assert receive(ws, "ready")["limits"]["maxRows"] == 10_000
        ws.send_json({"type": "configure", "settings": settings or {"seed": "0.5"}})
        yield ws, receive(ws, "state")


def test_the_page_and_its_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and 'id="play-pause-button"' in page.text
    for path in ("/static/playground.js", "/static/playground.css"):
        assert client.get(path).status_code == 200
    # nothing from the web: no address but the SVG namespace in the page and its script
    for text in (page.text, client.get("/static/playground.js").text):
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text)
    schema = client.get("/settings.json").json()
    assert {s["name"] for s in schema["settings"]} >= {"learningRate", "networkShape", "percTrainData"}
    assert client.get("/", headers={"host": "attacker.example"}).status_code == 400     # DNS rebinding
    with TestClient(create_app(), base_url=BASE) as loopback:       # bound to 127.0.0.1: loopback names only
        assert loopback.get("/").status_code == 200
        assert loopback.get("/", headers={"host": "playground.attacker.example:8000"}).status_code == 400


def test_websockets_from_other_origins_are_refused(client):
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/ws", headers={"origin": "http://attacker.example"}):
            pass
    assert refused.value.code == 1008
    with client.websocket_connect("/ws", headers={"origin": f"http://{SOCKET_HOST}"}) as ws:
        assert ws.receive_json()["type"] == "ready"


def test_configure_step_play_pause_and_the_frames(client):
    with opened(client) as (s, state):
        check_the_protocol(s, state)


def check_the_protocol(s, state):
    assert state["what"] == "all" and len(state["train"]) == 250 and len(state["test"]) == 250
    assert state["shape"] == [4, 2, 1] and state["settings"]["networkShape"] == [4, 2]
    frame = state["frame"]
    assert frame["epoch"] == 0 and set(frame["loss"]) == {"train", "test"}
    assert len(base64.b64decode(frame["heatmaps"]["output"]["value"])) == frame["heatmaps"]["grid"] ** 2
    s.send_json({"type": "step"})
    stepped = receive(s, "frame")
    assert stepped["epoch"] == 1 and stepped["loss"] != frame["loss"]
    s.send_json({"type": "play"})
    epochs = [receive(s, "frame")["epoch"] for _ in range(5)]
    assert epochs == sorted(epochs) and epochs[-1] > 1
    s.send_json({"type": "configure", "settings": {"learningRate": 0.1}})     # live, while playing
    assert receive(s, "state")["what"] == "live"
    s.send_json({"type": "pause"})
    while receive(s, "frame")["playing"]:
        pass
    s.send_json({"type": "reset"})
    assert receive(s, "state")["frame"]["epoch"] == 0
    s.send_json({"type": "regenerate"})
    assert receive(s, "state")["settings"]["seed"] != "0.5"
    s.send_json({"type": "focus", "node": [0, 2]})
    assert receive(s, "frame")["epoch"] == 0
    s.send_json({"type": "explain", "layer": 0, "unit": 1, "sample": 3})
    explained = receive(s, "explain")
    assert explained["layer"] == 0 and len(explained["dL/dw"]) == 2


HOSTILE = [
    ("not json {", "not valid JSON"),
    ("[1, 2, 3]", "JSON object"),
    ('{"type": 5}', "Unknown message type"),
    ('{"type": "launch"}', "Unknown message type 'launch'"),
    ('{"type": "step", "extra": 1}', "unknown field"),
    ('{"type": "configure", "settings": "all"}', "settings must be an object"),
    ('{"type": "configure", "settings": {"learningRate": "fast"}}', "'learningRate'"),
    ('{"type": "configure", "settings": {"learningRate": 1e308}}', "'learningRate'"),
    ('{"type": "configure", "settings": {"networkShape": [1000, 1000]}}', "networkShape"),
    ('{"type": "configure", "settings": {"networkShape": [8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8]}}', "at most 8"),
    ('{"type": "configure", "settings": {"batchSize": -3}}', "'batchSize'"),
    ('{"type": "configure", "settings": {"activation": {"name": "relu"}}}', "'activation'"),
    ('{"type": "configure", "settings": {"__proto__": 1}}', "Unknown setting"),
    ('{"type": "configure", "settings": {"x": false, "y": false}}', "At least one input feature"),
    ('{"type": "parameter", "layer": 9, "unit": 0, "source": 0, "value": 1}', "'layer'"),
    ('{"type": "parameter", "layer": 0, "unit": 0, "source": 0, "value": "big"}', "'value'"),
    ('{"type": "parameter", "layer": 0, "unit": 0, "source": 0, "value": 1e300}', "'value'"),
    ('{"type": "explain", "layer": 0, "unit": 0, "sample": -1}', "'sample'"),
    ('{"type": "focus", "node": [0, 99]}', "'node'"),
    ('{"type": "upload", "csv": "a,b\\n1,2\\n", "x1": "a", "x2": "b", "label": "c"}', "no column 'c'"),
    ('{"type": "upload", "csv": ["a"], "x1": "a", "x2": "b", "label": "c"}', "text of a CSV"),
    (json.dumps({"type": "upload", "csv": "a,b,c\n1,2,3\n1,2," + "7" * 140_000 + "\n", "x1": "a", "x2": "b",
                 "label": "c"}), "cannot be read at line 3: a cell is longer than 131,072 characters"),
    (json.dumps({"type": "upload", "csv": 'a,b,c\n1,2,3\n1,2,"' + "7" * 140_000, "x1": "a", "x2": "b",
                 "label": "c"}), "cannot be read at line 3"),
    ('{"type": "points", "points": [[0, 0, 0], [1, 1, 1], [2, 2, "B"], [3, 3, 1]]}', "Point 2"),
    ('{"type": "points", "points": {"a": 1}}', "list of 4"),
    ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ('{"type": "sweep", "axes": [{"name": "seed", "values": ["a"]}]}', "A sweep varies one of"),
    ('{"type": "sweep", "axes": [{"name": "learningRate", "values": [1, 2, 3, 4, 5]},'
     ' {"name": "batchSize", "values": [1, 2, 3, 4]}]}', "20 combinations"),
    ('{"type": "sweep", "axes": [{"name": "learningRate", "values": [-1]}]}', "'learningRate'"),
    ('{"type": "sweep", "axes": "lr"}', "'axes' must be a list"),
    ('{"type": "classic", "action": "step"}', "Start the classic neuron first"),
    ('{"type": "classic", "action": "start", "rule": "adaline"}', "'rule' must be one of"),
    ('{"type": "classic", "action": "start", "rule": "mira", "learningRate": -1}', "'learningRate'"),
    ('{"type": "classic", "action": "jump"}', "'action' must be"),
    ('{"type": "gate", "inputs": 40, "threshold": 1}', "'inputs'"),
    ('{"type": "gate", "inputs": 2, "threshold": 1, "inhibitory": [5]}', "'inhibitory'"),
]


def test_hostile_messages_are_answered_and_the_server_stays_up(client):
    with opened(client) as (s, _):
        check_hostile_messages(s)


def check_hostile_messages(s):
    for text, match in HOSTILE:
        s.send_text(text)
        error = receive(s, "error")
        assert match in error["message"], (text[:80], error["message"])
        assert "Traceback" not in error["message"] and "Internal error" not in error["message"]
    s.send_bytes(b"\x00\x01")
    assert "binary" in receive(s, "error")["message"]
    s.send_text(json.dumps({"type": "upload", "csv": "a" * (MAX_MESSAGE_BYTES + 10), "x1": "a", "x2": "b",
                            "label": "c"}))
    assert "limit" in receive(s, "error")["message"]
    s.send_json({"type": "ping"})
    assert receive(s, "pong")["type"] == "pong"
    s.send_json({"type": "step"})
    assert receive(s, "frame")["epoch"] == 1        # the page's experiment is intact


def test_a_page_must_configure_first_and_the_number_of_pages_is_bounded(client):
    with client.websocket_connect("/ws") as first:
        first.receive_json()
        first.send_json({"type": "step"})
        assert "configure" in receive(first, "error")["message"]
        with client.websocket_connect("/ws") as second, client.websocket_connect("/ws") as third:
            second.receive_json(), third.receive_json()
            with client.websocket_connect("/ws") as fourth:
                refused = fourth.receive_json()
                assert refused["type"] == "error" and "3 pages" in refused["message"]
                with pytest.raises(WebSocketDisconnect) as closed:
                    fourth.receive_json()
                assert closed.value.code == 1013
    with client.websocket_connect("/ws") as again:             # the closed pages freed their places
        assert again.receive_json()["type"] == "ready"


def test_user_data_export_and_the_model_file(client, tmp_path):
    with opened(client) as (s, _):
        check_user_data(s, tmp_path)


def check_user_data(s, tmp_path):
    rng = np.random.default_rng(0)
    rows = rng.uniform(-3, 3, (120, 2))
    text = "u,v,colour\n" + "".join(f"{a},{b},{'red' if a * b > 0 else 'green'}\n" for a, b in rows)
    s.send_json({"type": "upload", "csv": text, "x1": "u", "x2": "v", "label": "colour"})
    state = receive(s, "state")
    assert state["settings"]["dataset"] == "user" and state["userData"]["classes"] == ["green", "red"]
    assert len(state["train"]) + len(state["test"]) == 120
    for _ in range(3):
        s.send_json({"type": "step"})
        receive(s, "frame")
    s.send_json({"type": "export"})
    exported = receive(s, "export")
    assert exported["epoch"] == 3 and "build_mlp(" in exported["script"] and exported["toml"] is None
    s.send_json({"type": "download"})
    model_file = tmp_path / "page.safetensors"
    model_file.write_bytes(base64.b64decode(receive(s, "model")["data"]))
    model = nr.load_model(model_file)
    assert model.epoch == 3 and [layer.units for layer in model.layers] == [4, 2, 1]
    s.send_json({"type": "points", "points": [[-1, -1, 0], [1, 1, 1], [-2, -1, 0], [2, 1, 1], [0, 3, 1]]})
    assert receive(s, "state")["userData"]["rows"] == 5


def test_a_sweep_trains_every_combination_side_by_side(client):
    with opened(client, {"seed": "0.5", "dataset": "xor"}) as (s, _):
        s.send_json({"type": "sweep", "axes": [{"name": "learningRate", "values": [0.01, 0.3]},
                                               {"name": "networkShape", "values": [[2], [4, 4]]}]})
        frames = [receive(s, "sweep") for _ in range(3)]
        assert [f["epoch"] for f in frames] == [1, 2, 3]
        cells = frames[-1]["cells"]
        assert [c["values"] for c in cells] == [{"learningRate": 0.01, "networkShape": [2]},
                                                {"learningRate": 0.01, "networkShape": [4, 4]},
                                                {"learningRate": 0.3, "networkShape": [2]},
                                                {"learningRate": 0.3, "networkShape": [4, 4]}]
        assert len(base64.b64decode(cells[0]["map"]["value"])) == cells[0]["side"] ** 2
        assert len({c["loss"]["train"] for c in cells}) == 4
        s.send_json({"type": "unsweep"})
        while not receive(s, "sweep").get("stopped"):
            pass
        s.send_json({"type": "step"})
        assert receive(s, "frame")["epoch"] == 1      # the page's own experiment did not move meanwhile


def test_the_classic_neurons_learn_one_sample_at_a_time_and_gates_answer(client):
    with opened(client) as (s, _):
        for rule in ("perceptron", "averaged", "mira"):
            s.send_json({"type": "classic", "action": "start", "rule": rule, "learningRate": 1, "seed": 4})
            start = receive(s, "classic")
            assert start["steps"] == 0 and start["w"] == [0.0, 0.0] and len(start["points"]) == 60
            for step in range(1, 241):
                s.send_json({"type": "classic", "action": "step"})
                state = receive(s, "classic")
                assert state["steps"] == step and state["trace"][0].startswith(f"step {step} ")
                if state["wrongNow"] == 0:
                    break
            assert state["wrongNow"] == 0, rule             # separable: every rule gets there
            points = np.array(state["points"])
            z = points[:, :2] @ np.array(state["w"]) + state["b"]
            assert np.array_equal((z >= 0).astype(int), points[:, 2].astype(int))
        s.send_json({"type": "gate", "inputs": 2, "threshold": 2, "inhibitory": []})
        assert receive(s, "gate")["output"] == [0, 0, 0, 1]               # AND
        s.send_json({"type": "gate", "inputs": 2, "threshold": 1, "inhibitory": [1]})
        assert receive(s, "gate")["output"] == [0, 0, 1, 0]               # x1 AND NOT x2


def test_over_a_real_socket_an_oversized_message_is_answered_and_the_page_goes_on():
    asyncio = pytest.importorskip("asyncio")
    websockets = pytest.importorskip("websockets")
    pytest.importorskip("uvicorn")
    from neurona.playground.serve import BackgroundServer

    async def talk(url):
        async with websockets.connect(url, max_size=None) as ws:
            assert json.loads(await ws.recv())["type"] == "ready"
            for oversized in ("x" * (2 * MAX_MESSAGE_BYTES), json.dumps({"type": "upload", "csv": "1,2,0\n" * 900_000})):
                await ws.send(oversized)
                error = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert error["type"] == "error" and f"limit is {MAX_MESSAGE_BYTES}" in error["message"]
            await ws.send('{"type": "configure", "settings": {"batchSize": ' + "9" * 5000 + "}}")
            assert "not valid JSON" in json.loads(await ws.recv())["message"]
            await ws.send(json.dumps({"type": "ping"}))
            assert json.loads(await ws.recv())["type"] == "pong"

    with BackgroundServer() as server:
        asyncio.run(talk(server.url.replace("http", "ws") + "ws"))
