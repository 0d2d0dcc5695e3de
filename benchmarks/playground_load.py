r"""How the playground answers a new page while other pages train: the server's limit is 8 pages, so
7 pages play TensorFlow Playground's largest network (6 hidden layers of 8 neurons, batch 10) on
their own data at the playground's limit (a CSV of 10,000 rows: an epoch is 900 steps), acknowledging
each frame as the page does once it has drawn it, and an 8th page opens.

The server is ``neurona playground`` in its own process (as a user runs it); the pages are
WebSocket clients speaking the page's protocol. The script prints, over the rounds,

    new page: ready         seconds from opening the WebSocket to the server's "ready"
    new page: first state   seconds from its "configure" to the "state" it draws first
                            (its network built, its data drawn: the page's first answer)
    training pages          frames per second each of the 7 playing pages received meanwhile, and
                            the frames of all pages per CPU second of the server (on a shared
                            machine a process with more runnable threads takes more of the CPUs,
                            so the rate alone does not compare two servers)

    python benchmarks/playground_load.py                   # 7 training pages, 5 rounds
    python benchmarks/playground_load.py --rows 0          # the generated circle set (500 points)
    python benchmarks/playground_load.py --pages 3 --rounds 10
    python benchmarks/playground_load.py --no-ack          # pages that read frames without acknowledging
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time

import websockets

from machine import cpu_name

LARGEST = {"networkShape": [8, 8, 8, 8, 8, 8], "dataset": "circle", "batchSize": 10}


def cpu_seconds(pid: int) -> float:
    r"""User + system CPU seconds of a process so far (Linux's /proc)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server() -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([sys.executable, "-m", "neurona", "playground", "--no-browser", "--port", "0"],
                              stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    match = re.search(r"http://([^/]+)/", line)
    if match is None:
        server.kill()
        raise RuntimeError(f"the playground did not start: {line!r}")
    return server, f"ws://{match.group(1)}/ws"


async def receive(socket, kind) -> dict:
    while True:
        message = json.loads(await socket.recv())
        if message["type"] == kind:
            return message
        if message["type"] == "error":
            raise RuntimeError(message["message"])


def table(rows: int, seed: int) -> str:
    r"""A CSV of two features and a class: inside or outside a circle."""
    import numpy as np

    points = np.random.default_rng(seed).uniform(-5, 5, (rows, 2))
    inside = (points ** 2).sum(axis=1) < 9
    return "u,v,c\n" + "".join(f"{u:.4f},{v:.4f},{'in' if i else 'out'}\n" for (u, v), i in zip(points, inside))


async def training_page(url: str, seed: int, frames: list, started: asyncio.Event, ack: bool, rows: int):
    r"""A page that plays, counting its frames in ``frames[seed]``; with ``ack`` it acknowledges each
    (as the page does once it has drawn it), else it only reads them (a script, or a page that does
    not draw: the server sends as fast as it trains)."""
    async with websockets.connect(url, max_size=None) as socket:
        await receive(socket, "ready")
        await socket.send(json.dumps({"type": "configure", "settings": {**LARGEST, "seed": f"0.{seed + 1}"}}))
        await receive(socket, "state")
        if rows:
            await socket.send(json.dumps({"type": "upload", "csv": table(rows, seed), "x1": "u", "x2": "v",
                                          "label": "c"}))
            await receive(socket, "state")
        if ack:
            await socket.send(json.dumps({"type": "ack"}))
        await socket.send(json.dumps({"type": "play"}))
        started.set()
        while True:
            message = json.loads(await socket.recv())
            if message["type"] == "frame":
                frames[seed] += 1
                if ack:
                    await socket.send(json.dumps({"type": "ack"}))


async def new_page(url: str) -> tuple[float, float]:
    r"""(seconds to "ready", seconds from "configure" to the first "state")."""
    opened = time.perf_counter()
    async with websockets.connect(url, max_size=None) as socket:
        await receive(socket, "ready")
        ready = time.perf_counter()
        await socket.send(json.dumps({"type": "configure", "settings": {**LARGEST, "seed": "0.99"}}))
        await receive(socket, "state")
        return ready - opened, time.perf_counter() - ready


async def measure(url: str, pages: int, rounds: int, pause: float, ack: bool, rows: int, pid: int):
    frames = [0] * pages
    events = [asyncio.Event() for _ in range(pages)]
    trainers = [asyncio.create_task(training_page(url, i, frames, events[i], ack, rows)) for i in range(pages)]
    await asyncio.wait_for(asyncio.gather(*(event.wait() for event in events)), 60)
    await asyncio.sleep(pause)                                  # every page well into its play
    readies, firsts = [], []
    counted, t0, cpu0 = sum(frames), time.perf_counter(), cpu_seconds(pid)
    for _ in range(rounds):
        ready, first = await new_page(url)
        readies.append(ready)
        firsts.append(first)
        await asyncio.sleep(pause)
    rate = (sum(frames) - counted) / (time.perf_counter() - t0) / pages
    per_cpu = (sum(frames) - counted) / max(1e-9, cpu_seconds(pid) - cpu0)
    for task in trainers:
        task.cancel()
    await asyncio.gather(*trainers, return_exceptions=True)
    return readies, firsts, rate, per_cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=7, help="pages training meanwhile (the limit is 8 in all)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between the new pages")
    parser.add_argument("--rows", type=int, default=10_000, help="rows of each training page's own data "
                        "(0: the generated circle set)")
    parser.add_argument("--no-ack", action="store_true", help="the training pages do not acknowledge frames")
    options = parser.parse_args()
    print(cpu_name())
    server, url = start_server()
    try:
        readies, firsts, rate, per_cpu = asyncio.run(measure(url, options.pages, options.rounds, options.pause,
                                                              not options.no_ack, options.rows, server.pid))
    finally:
        server.terminate()
        server.wait(10)
    data = f"{options.rows} rows of their own" if options.rows else LARGEST["dataset"]
    print(f"{options.pages} pages training ({LARGEST['networkShape']} on {data}, batch "
          f"{LARGEST['batchSize']}{'' if options.no_ack else ', acknowledging frames'}), {options.rounds} new pages, "
          f"{os.cpu_count()} CPUs")
    print(f"  new page: ready         median {statistics.median(readies):.3f} s, worst {max(readies):.3f} s")
    print(f"  new page: first state   median {statistics.median(firsts):.3f} s, worst {max(firsts):.3f} s")
    print(f"  training pages          {rate:.2f} frames per second each, {per_cpu:.2f} frames per CPU second "
          f"of the server")


if __name__ == "__main__":
    main()
