"""`neurona playground`: serves the page on the port asked for, stops cleanly on Ctrl-C (SIGINT)."""
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

SRC = os.path.join(os.path.dirname(__file__), "..", "src")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*arguments):
    env = dict(os.environ, PYTHONPATH=os.path.abspath(SRC), PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "neurona", "playground", *arguments], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def test_the_command_serves_the_page_and_ctrl_c_stops_it():
    port = free_port()
    process = start("--port", str(port), "--no-browser")
    try:
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        for _ in range(100):
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert page.status_code == 200 and "play-pause-button" in page.text
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_a_port_in_use_is_a_usage_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start("--port", str(port), "--no-browser")
        out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert f"127.0.0.1:{port}" in err and "Traceback" not in err
