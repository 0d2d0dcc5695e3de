r"""Computational graphs (seed 001): the nodes of a computation, their values and gradients.

    with ad.GradientTape() as tape:
        y = ad.exp(ad.sin(x ** 2))
    g = tape.graph(y)          # nodes: x -> pow -> sin -> exp, each with value and dy/d(node)
    print(g)                   # a table, readable in a terminal
    g.to_dot()                 # Graphviz DOT text, always available
    g.render("graph.svg")      # drawn by Graphviz's `dot` program, when it is installed

Leaves (inputs, Variables, constants) are drawn as boxes, operations as ellipses; an arrow goes
from each input to the operation that uses it. Each node shows its shape (or its value, for a
scalar) and the gradient d(output)/d(node) of the backward pass.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np

from ..atomicfile import write_atomic
from .backprop import backpropagate, topological_order
from .tensor import Tensor, Variable


class GraphvizNotFoundError(RuntimeError):
    r"""Rendering a graph needs Graphviz's ``dot`` program, which is not installed."""


@dataclass
class Node:
    r"""One node: ``op`` is None for a leaf; ``inputs`` are the indices of its input nodes."""

    index: int
    op: str | None
    name: str | None
    kind: str                   # "op", "variable", "tensor" (watched) or "constant" (no gradient)
    value: np.ndarray
    gradient: np.ndarray | None
    inputs: tuple[int, ...]
    attrs: dict

    @property
    def shape(self):
        return self.value.shape

    @property
    def label(self) -> str:
        if self.op == "pow_const" and np.size(self.attrs["p"]) == 1:
            return f"pow {float(np.asarray(self.attrs['p'])):g}"
        if self.op is not None:
            return self.op
        return self.name or f"{self.kind} {self.index}"


def _kind(tensor, followed) -> str:
    if tensor.op is not None:
        return "op"
    return "variable" if isinstance(tensor, Variable) else "tensor" if followed else "constant"


def _short(array, gradient=False) -> str:
    r"""A scalar's value; an array's shape (a gradient's norm, which says how much flows there)."""
    if array is None:
        return "-"
    array = np.asarray(array)
    if array.size == 1:
        return f"{float(array.reshape(())):.6g}"
    return f"norm {np.linalg.norm(array):.4g}" if gradient else f"shape {array.shape}"


class Graph:
    r"""The graph of ``output``: ``nodes`` in topological order (inputs first, output last),
    each with its value and gradient d(output)/d(node)."""

    def __init__(self, output: Tensor):
        if not isinstance(output, Tensor):
            raise TypeError(f"Graph needs a Tensor; got {type(output).__name__}.")
        order = topological_order(output)
        grads = backpropagate(output) if output.is_floating else {}
        index = {id(t): i for i, t in enumerate(order)}
        seen, followed = {}, set()          # the value each input had when it was used (a Variable
        for t in order:                     # may have been assigned since) and who gets gradients
            for parent, value, flag in zip(t.inputs, t.input_values, t.followed):
                seen[id(parent)] = value
                if flag:
                    followed.add(id(parent))
        self.nodes = [Node(i, t.op, t.name, _kind(t, id(t) in followed), seen.get(id(t), t.data),
                           grads.get(id(t)), tuple(index[id(p)] for p in t.inputs), t.attrs)
                      for i, t in enumerate(order)]

    @property
    def edges(self) -> list[tuple[int, int]]:
        return [(i, node.index) for node in self.nodes for i in node.inputs]

    def __len__(self):
        return len(self.nodes)

    def __str__(self) -> str:
        rows = [("#", "node", "inputs", "value", "gradient")]
        rows += [(str(n.index), n.label, ", ".join(f"#{i}" for i in n.inputs) or "-", _short(n.value),
                  _short(n.gradient, True)) for n in self.nodes]
        widths = [max(len(r[c]) for r in rows) for c in range(5)]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)

    def to_dot(self, name: str = "computation") -> str:
        r"""The graph as Graphviz DOT text (``dot -Tsvg file.dot`` draws it)."""
        lines = [f'digraph "{_escape(name)}" {{', "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];']
        for n in self.nodes:
            parts = [n.label, _short(n.value) if n.value.size == 1 else str(n.shape)]
            if n.gradient is not None:
                parts.append(f"grad {_short(n.gradient, True)}")
            shape = "ellipse" if n.op else "box"
            style = ', style=filled, fillcolor="#dce8f7"' if n.kind == "variable" else ""
            label = "\\n".join(_escape(part) for part in parts)    # \\n: a line break in a DOT label
            lines.append(f'  n{n.index} [label="{label}", shape={shape}{style}];')
        lines += [f"  n{a} -> n{b};" for a, b in self.edges]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def save(self, path):
        r"""Write the DOT text to ``path`` (atomically)."""
        write_atomic(path, self.to_dot().encode())

    def render(self, path, format: str | None = None) -> str:    # noqa: A002 (Graphviz's word)
        r"""Draw the graph into ``path`` with Graphviz (``format`` svg, png or pdf; by default
        the file's suffix). Raises GraphvizNotFoundError when ``dot`` is not installed."""
        format = (format or os.path.splitext(os.fspath(path))[1].lstrip(".")).lower()
        if format not in ("svg", "png", "pdf"):
            raise ValueError(f"render draws svg, png or pdf; got the format {format!r} (from the "
                             f"path {os.fspath(path)!r} or the format argument).")
        write_atomic(path, run_dot(self.to_dot(), format))
        return os.fspath(path)

    def _repr_svg_(self):
        r"""Notebooks draw the graph inline when Graphviz is installed (and show the text otherwise)."""
        try:
            return run_dot(self.to_dot(), "svg").decode()
        except RuntimeError:                # no Graphviz (GraphvizNotFoundError), or dot failed
            return None


def _graph(self: Tensor) -> Graph:
    r"""The computational graph that produced this tensor, with every node's gradient
    d(self)/d(node) (see ``neurona.autodiff.Graph``)."""
    return Graph(self)


Tensor.graph = _graph


def _escape(text: str) -> str:
    r"""``text`` inside a DOT string: backslashes and quotes escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def run_dot(text: str, format: str, save_hint: str = "graph.save('graph.dot')") -> bytes:     # noqa: A002
    r"""The drawing of DOT ``text`` by Graphviz's ``dot`` program, in ``format``; ``save_hint`` is
    the call that saves the DOT text, named in the error when Graphviz is missing."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFoundError(
            "Drawing the graph needs Graphviz's 'dot' program, which is not on PATH. Install "
            "Graphviz (apt install graphviz, brew install graphviz or conda install graphviz), or "
            f"save the DOT text with {save_hint} and draw it elsewhere (e.g. an online "
            "Graphviz viewer).")
    result = subprocess.run([dot, f"-T{format}"], input=text.encode(), capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"Graphviz's dot failed (exit status {result.returncode}): "
                           f"{result.stderr.decode(errors='replace').strip()}")
    return result.stdout
