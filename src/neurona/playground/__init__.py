r"""The neurona playground: TensorFlow Playground's page on neurona's engine, in the browser.

    neurona playground                  # serves http://127.0.0.1:<free port>/ and opens the browser
    python -m neurona playground --port 8000 --no-browser

Each open page drives its own ``Experiment`` (a ``build_mlp`` network trained by the engine's
layers, losses and optimizers) over a WebSocket; the page is static HTML, CSS and JavaScript
served by the package (no build step, nothing from the web). Needs ``neurona[playground]``
(Starlette and uvicorn).
"""
from __future__ import annotations

from .experiment import Experiment
from .settings import SETTINGS, SettingsError, from_hash

__all__ = ["Experiment", "SETTINGS", "SettingsError", "from_hash", "create_app", "serve"]


def create_app(*args, **kwargs):
    r"""The ASGI app (see ``server.create_app``); Starlette is imported only here."""
    from .server import create_app as create
    return create(*args, **kwargs)


def serve(host: str = "127.0.0.1", port: int = 0, open_browser: bool = True, max_pages: int = 8,
          print_fn=print) -> None:
    r"""Serve the playground until Ctrl-C; ``port=0`` picks a free port. A host other than the
    loopback makes the page reachable from the network: there is a warning."""
    from .serve import run
    run(host, port, open_browser, max_pages, print_fn)
