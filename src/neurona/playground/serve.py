r"""Running the playground's server: bind the socket (a free port when asked for 0), print the
address, open the browser once the server listens, stop cleanly on Ctrl-C."""
from __future__ import annotations

import socket
import threading
import webbrowser

from .server import LOOPBACK_NAMES, MAX_FRAME_BYTES, create_app


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        raise OSError(error.errno, f"cannot listen there: {error.strerror}", f"{host}:{port}") from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def run(host: str, port: int, open_browser: bool, max_pages: int, print_fn=print) -> None:
    import uvicorn

    if host not in LOOPBACK_NAMES and not host.startswith("127."):
        print_fn(f"Warning: listening on {host}, not on the loopback: other machines can open the playground "
                 f"and train on this computer.")
    sock = bind(host, port)
    port = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0',) else shown}:{port}/"
    config = uvicorn.Config(create_app(host=host, max_pages=max_pages), log_level="warning",
                            ws_max_size=MAX_FRAME_BYTES, timeout_graceful_shutdown=2, lifespan="off")
    server = uvicorn.Server(config)
    print_fn(f"neurona playground on {url}  (Ctrl-C stops it)")
    if open_browser:
        def opener():
            while not server.started and not server.should_exit:
                threading.Event().wait(0.05)
            if server.started:
                webbrowser.open(url)
        threading.Thread(target=opener, daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print_fn("neurona playground stopped.")


class BackgroundServer:
    r"""The playground served from a thread on a free port of 127.0.0.1, for tests and benchmarks:

        with BackgroundServer() as server:
            open(server.url) ...
    """

    def __init__(self, host: str = "127.0.0.1", **app_options):
        self.host, self.app_options = host, app_options

    def __enter__(self):
        import uvicorn

        self.socket = bind(self.host, 0)
        self.url = f"http://{self.host}:{self.socket.getsockname()[1]}/"
        config = uvicorn.Config(create_app(host=self.host, **self.app_options), log_level="warning",
                                ws_max_size=MAX_FRAME_BYTES, timeout_graceful_shutdown=1, lifespan="off")
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None      # older uvicorn: not from a thread
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the playground server did not start")
            threading.Event().wait(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()
