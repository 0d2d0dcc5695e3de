r"""The playground's server: a Starlette app that serves the static page and, per open page, one
WebSocket driving that page's own ``Experiment``.

Bounded, and nobody else's: it answers only Host names of the address it is bound to (a web page
elsewhere cannot reach it by DNS rebinding) and WebSockets from its own origin; every message is
checked (size, kind, fields, the settings' bounds) and a bad one gets an "error" message back;
at most ``max_pages`` pages at once; each page trains at most ``max_steps_per_second`` epochs a
second, so a slow or vanished page delays nobody else.

Two bounded thread pools do the work (``Workers``): the pages' training (the epochs and frames of
play and of sweeps) takes turns on ``training_threads`` threads (one fewer than the CPUs, at least
one), and everything a page asks for (a new network, a step, an explanation, a file) runs on the
other pool's threads, one per page at most. A new page is answered while the others train: it never
waits for a thread behind their epochs (which, on a user's 10,000 rows, last about a second each).

Messages (JSON objects with a "type"): from the page ``configure {settings}``, ``play``, ``pause``,
``step``, ``reset``, ``regenerate``, ``focus {node}``, ``parameter {layer, unit, source, value}``,
``explain {layer, unit, sample}``, ``upload {csv, x1, x2, label}``, ``points {points}``, ``export``,
``download``, ``ping``, ``ack`` (a frame was drawn), ``sweep {axes}``, ``unsweep``, ``classic {action, rule, learningRate, seed}``,
``gate {inputs, threshold, inhibitory}``; to the page ``ready``, ``state``, ``frame``, ``sweep``,
``classic``, ``gate``, ``explain``, ``export``, ``model``, ``error``, ``pong``.
"""
from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import functools
import json
import logging
import math
import os
import random
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from . import export, userdata
from .classic import ClassicExperiment, gate
from .experiment import Experiment
from .sweep import MAX_EPOCHS as SWEEP_EPOCHS, Sweep
from .settings import SettingsError, schema

STATIC = Path(__file__).parent / "static"
MAX_MESSAGE_BYTES = 3_000_000
#: the WebSocket frame limit, well above the message limit so that an oversized message is read and
#: answered with an error; only beyond this one does the protocol close the socket (1009)
MAX_FRAME_BYTES = 16 * 2**20
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
log = logging.getLogger("neurona.playground")

#: message type -> the fields it may carry (besides "type")
MESSAGES = {
    "configure": {"settings"}, "play": set(), "pause": set(), "step": set(), "reset": set(),
    "regenerate": set(), "focus": {"node"}, "parameter": {"layer", "unit", "source", "value"},
    "explain": {"layer", "unit", "sample"}, "upload": {"csv", "x1", "x2", "label"}, "points": {"points"},
    "export": set(), "download": set(), "ping": set(), "ack": set(), "sweep": {"axes"}, "unsweep": set(),
    "classic": {"action", "rule", "learningRate", "seed"}, "gate": {"inputs", "threshold", "inhibitory"},
}
#: frames sent ahead of the page's acknowledgements (a page that acknowledges them gets them as fast
#: as it draws them; the losses and replies it asks for never wait behind a queue of frames)
FRAMES_AHEAD = 2


class MessageError(ValueError):
    r"""A message that is not JSON, not an object, of an unknown type or with unknown fields."""


def parse_message(text) -> dict:
    r"""The message as a dict, checked for size, JSON, type and fields; raises ``MessageError``."""
    if not isinstance(text, str):
        raise MessageError("Messages are JSON text; got a binary frame.")
    if len(text) > MAX_MESSAGE_BYTES:
        raise MessageError(f"The message has {len(text)} characters; the limit is {MAX_MESSAGE_BYTES}.")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as error:     # ValueError: also an integer of thousands of digits
        raise MessageError(f"The message is not valid JSON ({str(error)[:80]}).") from None
    if not isinstance(message, dict):
        raise MessageError(f"A message must be a JSON object with a 'type'; got {type(message).__name__}.")
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in MESSAGES:
        raise MessageError(f"Unknown message type {str(kind)[:40]!r}. Known types: {', '.join(MESSAGES)}.")
    unknown = set(message) - MESSAGES[kind] - {"type"}
    if unknown:
        raise MessageError(f"A {kind!r} message takes {', '.join(sorted(MESSAGES[kind])) or 'no fields'}; "
                           f"got the unknown field(s) {', '.join(sorted(str(u)[:40] for u in unknown))}.")
    return message


def points_of(data) -> list[list]:
    r"""The points the page draws: [x1, x2, label], 4 decimals."""
    x, y = data
    return [[round(float(a), 4), round(float(b), 4), (round(float(c), 4) if y.dtype.kind == "f" else int(c))]
            for (a, b), c in zip(x, y)]


class Workers:
    r"""The server's two thread pools: ``training`` (the play and sweep loops' epochs and frames,
    taking turns) and ``answers`` (the replies to the pages' messages)."""

    def __init__(self, max_pages: int, training_threads: int | None = None):
        if training_threads is None:
            training_threads = max(1, (os.cpu_count() or 2) - 1)
        self.training = concurrent.futures.ThreadPoolExecutor(training_threads, "playground-training")
        self.answers = concurrent.futures.ThreadPoolExecutor(max_pages, "playground-answers")


class Page:
    r"""One open page: its WebSocket, its experiment and its play loop."""

    def __init__(self, websocket: WebSocket, max_steps_per_second: float, workers: Workers):
        self.websocket = websocket
        self.workers = workers
        self.experiment: Experiment | None = None
        self.lock = asyncio.Lock()
        self.playing = False
        self.player: asyncio.Task | None = None
        self.sweep: Sweep | None = None
        self.classic: ClassicExperiment | None = None
        self.sweeper: asyncio.Task | None = None
        self.interval = 1.0 / max_steps_per_second
        self.acknowledging = False      # the page acknowledges frames: send at most FRAMES_AHEAD ahead
        self.unacknowledged = 0
        self.acknowledged = asyncio.Event()

    async def send(self, message: dict):
        await self.websocket.send_text(json.dumps(_finite(message), allow_nan=False, default=_json_default))

    async def error(self, text: str, request=None):
        await self.send({"type": "error", "message": text, "request": request})

    async def run(self):
        await self.send({"type": "ready", "limits": {"maxMessageBytes": MAX_MESSAGE_BYTES,
                                                     "maxRows": userdata.MAX_ROWS, "maxBytes": userdata.MAX_BYTES}})
        try:
            while True:
                received = await self.websocket.receive()
                if received["type"] == "websocket.disconnect":
                    break
                await self.handle(received.get("text") if received.get("text") is not None
                                  else received.get("bytes"))
        except WebSocketDisconnect:
            pass
        finally:
            self.playing = False
            self.sweep = None
            for task in (self.player, self.sweeper):
                if task is not None:
                    task.cancel()

    async def handle(self, raw):
        kind = None
        try:
            message = parse_message(raw)
            kind = message["type"]
            await getattr(self, "on_" + kind)(message)
        except (SettingsError, MessageError, ValueError, TypeError) as error:
            await self.error(str(error), kind)
        except FloatingPointError as error:
            self.playing = False
            await self.error(str(error), kind)
        except (WebSocketDisconnect, asyncio.CancelledError):
            raise
        except Exception as error:          # never a dead server: report it, keep the page
            log.exception("playground: %s message failed", kind)
            await self.error(f"Internal error while handling {kind!r}: {type(error).__name__}: {str(error)[:200]}",
                             kind)

    async def work(self, function, *args):
        r"""Run ``function`` on the experiment in an answering thread, one call of the page at a time."""
        return await self._run(self.workers.answers, function, *args)

    async def train(self, function, *args):
        r"""Run a step of the play or sweep loop on the training pool, where the pages take turns."""
        return await self._run(self.workers.training, function, *args)

    async def _run(self, pool, function, *args):
        async with self.lock:
            return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(function, *args))

    def need_experiment(self):
        if self.experiment is None:
            raise MessageError("Send a 'configure' message with the page's settings first.")
        return self.experiment

    # -- the state the page draws ---------------------------------------------------------------
    def state(self, what: str) -> dict:
        e = self.experiment
        message = {"type": "state", "what": what, "settings": e.settings, "problem": e.problem,
                   "classes": e.n_classes, "features": e.feature_keys, "epoch": e.epoch}
        if what in ("data", "reset", "all"):
            message.update(train=points_of((e.x_train, e.y_train)), test=points_of((e.x_test, e.y_test)),
                           featureMaps=e.feature_maps(), shape=[layer.units for layer in e.dense_layers],
                           lossName="cross-entropy" if e.cross_entropy else "squared error",
                           history=e.history)
        message["frame"] = self.frame()
        return message

    def frame(self) -> dict:
        e = self.experiment
        return {"type": "frame", "epoch": e.epoch, "loss": e.losses, "scores": e.scores(),
                "heatmaps": e.heatmaps(), "parameters": e.parameters(), "playing": self.playing}

    async def send_state(self, what):
        await self.send(await self.work(self.state, what))

    # -- handlers ---------------------------------------------------------------------------------
    async def on_configure(self, message):
        values = message.get("settings")
        if self.experiment is None:
            self.experiment = await self.work(Experiment, values)
            await self.send_state("all")
        else:
            what = await self.work(self.experiment.configure, values)
            await self.send_state(what)

    async def on_play(self, message):
        self.need_experiment()
        self.sweep = None
        self.playing = True
        if self.player is None or self.player.done():
            self.player = asyncio.create_task(self.play_loop())

    async def on_sweep(self, message):
        e = self.need_experiment()
        self.playing = False
        self.sweep = await self.work(Sweep, e, message.get("axes"))
        if self.sweeper is None or self.sweeper.done():
            self.sweeper = asyncio.create_task(self.sweep_loop())

    async def on_unsweep(self, message):
        self.sweep = None
        if self.sweeper is None or self.sweeper.done():
            await self.send({"type": "sweep", "stopped": True})
        # else the sweep's loop sends "stopped" after its last round

    async def on_pause(self, message):
        self.playing = False
        if self.experiment is not None:
            await self.send(await self.work(self.frame))

    async def on_step(self, message):
        e = self.need_experiment()
        await self.work(e.step)
        await self.send(await self.work(self.frame))

    async def on_reset(self, message):
        e = self.need_experiment()
        self.playing = False
        await self.work(e.reset)
        await self.send_state("reset")

    async def on_regenerate(self, message):
        e = self.need_experiment()
        await self.work(e.configure, {"seed": f"{random.random():.5f}"})     # as TensorFlow Playground
        await self.send_state("data")

    async def on_focus(self, message):
        e = self.need_experiment()
        node = message.get("node")
        if node is None or (isinstance(node, str) and node in e.feature_keys):
            e.focus = node
        elif (isinstance(node, list) and len(node) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                                  for v in node)
              and 0 <= node[0] < len(e.dense_layers) and 0 <= node[1] < e.dense_layers[node[0]].units):
            e.focus = tuple(node)
        else:
            raise MessageError(f"'node' must be null, an input feature in use ({', '.join(e.feature_keys)}) or "
                               f"[layer, unit] of the network; got {str(node)[:60]}.")
        await self.send(await self.work(self.frame))

    async def on_parameter(self, message):
        e = self.need_experiment()
        await self.work(e.set_parameter, message.get("layer"), message.get("unit"), message.get("source"),
                        message.get("value"))
        await self.send(await self.work(self.frame))

    async def on_explain(self, message):
        e = self.need_experiment()
        result = await self.work(e.explain, message.get("layer"), message.get("unit"), message.get("sample", 0))
        await self.send({"type": "explain", **result})

    async def on_upload(self, message):
        e = self.need_experiment()
        x, y, problem, description = userdata.parse_csv(message.get("csv"), message.get("x1"), message.get("x2"),
                                                        message.get("label"))
        self.playing = False
        await self.work(e.use_data, x, y, problem)
        state = await self.work(self.state, "data")
        state["userData"] = description
        await self.send(state)

    async def on_points(self, message):
        e = self.need_experiment()
        x, y, problem, description = userdata.parse_points(message.get("points"))
        self.playing = False
        await self.work(e.use_data, x, y, problem)
        state = await self.work(self.state, "data")
        state["userData"] = description
        await self.send(state)

    async def on_export(self, message):
        e = self.need_experiment()
        script = await self.work(export.script, e)
        await self.send({"type": "export", "script": script, "toml": await self.work(export.toml, e),
                         "epoch": e.epoch})

    async def on_download(self, message):
        e = self.need_experiment()
        await self.send({"type": "model", "filename": "playground.safetensors",
                         "data": await self.work(_model_bytes, e)})

    async def on_ack(self, message):
        self.acknowledging = True
        self.unacknowledged = max(0, self.unacknowledged - 1)
        self.acknowledged.set()

    async def on_classic(self, message):
        action = message.get("action")
        if action == "start":
            self.classic = await self.work(ClassicExperiment, message.get("rule"), message.get("learningRate", 1.0),
                                           message.get("seed", 0))
            await self.send(await self.work(self.classic.state))
        elif action == "step":
            if self.classic is None:
                raise MessageError("Start the classic neuron first: a 'classic' message with action 'start'.")
            await self.send(await self.work(self.classic.step))
        else:
            raise MessageError(f"'action' must be 'start' or 'step'. Got {str(action)[:40]!r}.")

    async def on_gate(self, message):
        await self.send(gate(message.get("inputs"), message.get("threshold"), message.get("inhibitory", [])))

    async def on_ping(self, message):
        await self.send({"type": "pong"})

    # -- playing ----------------------------------------------------------------------------------
    async def play_loop(self):
        r"""One epoch and one frame at a time, at most ``max_steps_per_second``; a send to a page that
        reads slowly waits for that page only."""
        async def one():
            try:
                await self.train(self.experiment.step)
            except (FloatingPointError, SettingsError) as error:
                self.playing = False
                await self.error(str(error), "play")
            frame = await self.train(self.frame)
            frame["playing"] = self.playing
            return frame
        await self.loop(lambda: self.playing, one)

    async def sweep_loop(self):
        r"""One epoch of every cell of the sweep and one "sweep" frame per round."""
        async def one():
            sweep = self.sweep
            await self.train(sweep.step)
            frame = await self.train(sweep.frame)
            if sweep.epoch >= SWEEP_EPOCHS and self.sweep is sweep:
                self.sweep = None
            return frame
        await self.loop(lambda: self.sweep is not None, one)
        try:
            await self.send({"type": "sweep", "stopped": True})
        except (WebSocketDisconnect, RuntimeError, ConnectionError):
            pass

    async def loop(self, going, one):
        try:
            while going():
                started = time.monotonic()
                await self.send(await one())
                self.unacknowledged += 1
                await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - started)))
                while self.acknowledging and self.unacknowledged >= FRAMES_AHEAD and going():
                    self.acknowledged.clear()
                    try:
                        await asyncio.wait_for(self.acknowledged.wait(), 2.0)
                    except asyncio.TimeoutError:        # a page that stopped answering: go on slowly
                        self.unacknowledged -= 1
        except (WebSocketDisconnect, RuntimeError, ConnectionError):
            self.playing, self.sweep = False, None
        except asyncio.CancelledError:
            raise
        except Exception:
            self.playing, self.sweep = False, None
            log.exception("playground: a training loop stopped")


def _model_bytes(experiment: Experiment) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "playground.safetensors")
        experiment.model.save(path)
        return base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _finite(value):
    r"""NaN and infinities become null (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _json_default(value):
    import numpy as np
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot send {type(value).__name__}")


def same_origin(origin: str, host: str | None) -> bool:
    r"""True when the page that opens the WebSocket was served by this server."""
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and host is not None and parts.netloc == host


def allowed_hosts(host: str) -> list[str]:
    r"""The Host names the server answers: the loopback names when bound to loopback, else ``host``."""
    if host in LOOPBACK_NAMES or host.startswith("127."):
        return list(LOOPBACK_NAMES) + ([host] if host not in LOOPBACK_NAMES else [])
    return ["*"] if host in ("0.0.0.0", "::") else [host, *LOOPBACK_NAMES]


def create_app(host: str = "127.0.0.1", max_pages: int = 8, max_steps_per_second: float = 60.0,
               hosts: list[str] | None = None, training_threads: int | None = None) -> Starlette:
    r"""The ASGI app. ``hosts`` overrides the Host names answered (default: from ``host``);
    ``training_threads`` the threads the playing pages share (default: one fewer than the CPUs)."""
    pages = {"open": 0}
    workers = Workers(max_pages, training_threads)

    async def index(request):
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def settings_json(request):
        return JSONResponse(schema())

    async def socket(websocket: WebSocket):
        origin = websocket.headers.get("origin")
        if origin is not None and not same_origin(origin, websocket.headers.get("host")):
            await websocket.close(code=1008, reason="WebSocket from another origin")
            return
        await websocket.accept()
        if pages["open"] >= max_pages:
            await websocket.send_text(json.dumps({"type": "error", "request": None, "message":
                                                  f"The playground already serves {max_pages} pages, its limit: "
                                                  f"close one and reload."}))
            await websocket.close(code=1013, reason="too many pages")
            return
        pages["open"] += 1
        try:
            await Page(websocket, max_steps_per_second, workers).run()
        finally:
            pages["open"] -= 1

    routes = [Route("/", index), Route("/settings.json", settings_json), WebSocketRoute("/ws", socket),
              Mount("/static", StaticFiles(directory=STATIC), name="static")]
    app = Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware,
                                                          allowed_hosts=hosts or allowed_hosts(host))])
    app.state.pages = pages
    app.state.workers = workers
    return app
