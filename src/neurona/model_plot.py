r"""Diagrams of models (Keras's ``keras.utils.plot_model`` and ``model_to_dot``).

    dot = utils.model_to_dot(model, show_shapes=True)   # a ModelDot: the diagram as Graphviz DOT text
    dot.to_string()                                      # the text, readable without Graphviz
    utils.plot_model(model, to_file="model.png", show_shapes=True)   # drawn by Graphviz's `dot`

One box per layer (a table: name and class, then the chosen rows: activation, input and output
shapes, output dtype, trainable), one arrow from each layer to each layer that takes its output.
A Sequential is the chain of its layers; a functional model adds a box for each input and follows
the graph through merges and several outputs; a model used as a layer is one box, or with
``expand_nested=True`` a dashed cluster of its own boxes, entered at its input and left at the
layer that makes the output used. A subclassed model is one box, as in Keras.

The file is drawn by Graphviz's ``dot`` program in the format of its extension (png, svg, pdf,
jpg; png without one) and written atomically; without Graphviz the error (an ImportError, as
Keras raises) says how to install it.
"""
from __future__ import annotations

import html
import numbers
import os

from .atomicfile import write_atomic
from .autodiff.graph import GraphvizNotFoundError, run_dot

#: formats Graphviz draws; "raw", "dot" and "gv" write the DOT text itself
DRAWN_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg", "gif")
TEXT_FORMATS = ("raw", "dot", "gv")
RANKDIRS = ("TB", "LR", "BT", "RL")
SPLINES = ("ortho", "curved", "polyline", "spline", "line", "true", "false", "none")
_SAVE_HINT = "model_to_dot(model).write('model.dot')"


class PlotModelUnavailable(GraphvizNotFoundError, ImportError):
    r"""Graphviz's ``dot`` is missing: an ImportError, as Keras raises, so programs that guard
    ``plot_model`` with ``except ImportError`` go on."""


class ModelDot:
    r"""A model's diagram as DOT text, read and drawn as pydot's ``Dot`` is: ``to_string()``,
    ``create(format="png")`` (the drawing's bytes), ``write(path, format=...)``."""

    def __init__(self, text: str, name: str):
        self._text = text
        self.name = name

    def to_string(self) -> str:
        return self._text

    __str__ = to_string

    def create(self, prog=None, format="png") -> bytes:        # noqa: A002 (pydot's word)
        r"""The drawing in ``format`` (png, svg, pdf, jpg, gif), by Graphviz's ``dot``."""
        _check_prog(prog)
        format = _check_format(format)
        if format in TEXT_FORMATS:
            return self._text.encode()
        try:
            return run_dot(self._text, "jpg" if format == "jpeg" else format, _SAVE_HINT)
        except GraphvizNotFoundError as error:
            raise PlotModelUnavailable(str(error)) from None

    def write(self, path, prog=None, format="raw") -> str:     # noqa: A002
        r"""Write the DOT text (``format="raw"``) or its drawing to ``path``, atomically."""
        write_atomic(path, self.create(prog, format))
        return os.fspath(path)

    def _repr_svg_(self):
        r"""Notebooks draw the diagram inline when Graphviz is installed."""
        try:
            return self.create(format="svg").decode()
        except (ImportError, RuntimeError):
            return None


def _check_prog(prog):
    if prog not in (None, "dot"):
        raise ValueError(f"ModelDot draws with Graphviz's 'dot' program only; got prog={prog!r}.")


def _check_format(format) -> str:      # noqa: A002
    name = str(format).lower().lstrip(".")
    if name not in DRAWN_FORMATS + TEXT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(DRAWN_FORMATS + TEXT_FORMATS)}; got {format!r}.")
    return name


def _is_sequential(model) -> bool:
    from .models.sequential import Sequential
    return isinstance(model, Sequential)


def _is_functional(model) -> bool:
    r"""A model made from inputs and outputs (not a subclass with its own ``call``)."""
    from .models.model import Model
    return (isinstance(model, Model) and not _is_sequential(model) and model.functional_graph is not None
            and type(model).call is Model.call)


def _shape_text(shape) -> str:
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join(["None", *map(str, shape)]) + ")" if len(shape) else "(None,)"


def _kind(layer) -> str:
    r"""The class shown in a box; an operation on tensors (``x * 2.0``) with its function, "Op multiply"."""
    function = getattr(layer, "function", None)
    return f"{type(layer).__name__} {function}" if isinstance(function, str) else type(layer).__name__


def _activation_name(layer):
    from . import activations
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    if isinstance(activation, str):
        return activation
    try:
        config = activations.serialize(activation)
    except (TypeError, ValueError):
        config = None
    if isinstance(config, dict) and isinstance(config.get("name"), str):
        return config["name"]
    return getattr(activation, "__name__", type(activation).__name__)


class _Options:
    def __init__(self, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable,
                 expand_nested):
        self.show_shapes, self.show_dtype, self.show_layer_names = show_shapes, show_dtype, show_layer_names
        self.show_layer_activations, self.show_trainable = show_layer_activations, show_trainable
        self.expand_nested = expand_nested


def _cell(text, colspan=1, fill="white", color="black") -> str:
    return (f'<td colspan="{colspan}" bgcolor="{fill}"><font point-size="14" color="{color}">{text}</font></td>')


def _label(name, kind, options, input_shape=None, output_shape=None, dtype=None, activation=None,
           trainable=None) -> str:
    r"""A box's HTML-like table: a title row, then the rows the options ask for."""
    title = f"<b>{html.escape(name)}</b> ({html.escape(kind)})" if options.show_layer_names else \
        f"<b>{html.escape(kind)}</b>"
    cells = []
    if options.show_shapes:
        if input_shape is not None:
            cells.append(_cell(f"Input shape: <b>{html.escape(_shape_text(input_shape))}</b>"))
        cells.append(_cell("Output shape: <b>" + (html.escape(_shape_text(output_shape)) if output_shape
                                                  is not None else "?") + "</b>"))
    if options.show_dtype:
        cells.append(_cell(f"Output dtype: <b>{html.escape(str(dtype or '?'))}</b>"))
    if options.show_trainable and trainable is not None:
        cells.append(_cell("<b>Trainable</b>", fill="forestgreen", color="white") if trainable else
                     _cell("<b>Non-trainable</b>", fill="firebrick", color="white"))
    span = max(1, len(cells))
    rows = [f'<tr><td colspan="{span}" bgcolor="#1f2937"><font point-size="16" color="white">{title}</font></td></tr>']
    if options.show_layer_activations and activation is not None:
        rows.append(f"<tr>{_cell(f'Activation: <b>{html.escape(activation)}</b>', span)}</tr>")
    if cells:
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return '<<table border="0" cellborder="1" cellspacing="0" cellpadding="8">' + "".join(rows) + "</table>>"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Diagram:
    r"""The boxes and arrows of a model and, expanded, of the models inside it."""

    def __init__(self, options: _Options):
        self.options = options
        self.lines: list[str] = []
        self.edges: list[tuple[str, str]] = []
        self.ids: dict[int, str] = {}           # id(layer or input tensor) -> box id
        self.taken: set[str] = set()
        self.models: dict[int, object] = {}     # id(model) -> an expanded model

    def box(self, key, name, label, indent) -> str:
        box_id, k = name, 1
        while box_id in self.taken:         # two layers of one name (given names are not checked unique)
            box_id, k = f"{name}_{k}", k + 1
        self.taken.add(box_id)
        self.ids[id(key)] = box_id
        self.lines.append(f"{indent}{_dot_id(box_id)} [label={label}];")
        return box_id

    def edge(self, source, destination):
        if (source, destination) not in self.edges:
            self.edges.append((source, destination))

    def expands(self, layer) -> bool:
        return self.options.expand_nested and (_is_sequential(layer) or _is_functional(layer))

    # -- boxes -----------------------------------------------------------------------------------
    def layer_box(self, layer, name, indent, dtype, prefix):
        r"""The box of ``layer`` (its id ``prefix + name``), or the cluster of a model expanded."""
        if self.expands(layer):
            self.lines.append(f"{indent}subgraph {_dot_id('cluster_' + prefix + name)} {{")
            self.lines.append(f'{indent}  label={_dot_id(name)}; labeljust="l"; style="dashed";')
            self.add_model(layer, indent + "  ", f"{prefix}{name}/")
            self.lines.append(f"{indent}}}")
            self.models[id(layer)] = layer
            return
        shapes = getattr(layer, "sample_output_shapes", None)
        output = list(shapes) if shapes is not None else layer.sample_output_shape if layer.built else None
        inputs = layer.sample_input_shape if layer.built else None
        trainable = layer.trainable if layer.weights else None
        self.box(layer, prefix + name, _label(name, _kind(layer), self.options, inputs, output, dtype,
                                     _activation_name(layer), trainable), indent)

    def input_box(self, tensor, k, indent, prefix):
        name = tensor.name or ("input_layer" if k == 0 else f"input_layer_{k}")
        dtype = "string" if tensor.dtype == object else tensor.dtype.name      # Keras's name for texts
        self.box(tensor, prefix + name, _label(name, "InputLayer", self.options, None, tensor.sample_shape, dtype),
                 indent)

    def add_model(self, model, indent, prefix=""):
        r"""The boxes of ``model``'s layers (and inputs) and the arrows between them; the ids of the
        boxes of a model inside another start with its name (``"inner/dense_0"``)."""
        dtype = model.dtype.name
        if _is_sequential(model):
            layers = model.layers
            for i, layer in enumerate(layers):
                self.layer_box(layer, layer.display_name(i), indent, dtype, prefix)
            for before, after in zip(layers, layers[1:]):
                self.edge(self.exit(before, 0), self.entry(after, 0))
            return
        if not _is_functional(model):
            self.layer_box(model, model.name, indent, dtype, prefix)
            return
        graph = model.functional_graph
        for k, tensor in enumerate(graph.inputs):
            self.input_box(tensor, k, indent, prefix)
        layers = graph.layers
        for node in graph.nodes:
            if _part_index(node) is None and id(node.layer) not in self.ids and id(node.layer) not in self.models:
                i = next(i for i, layer in enumerate(layers) if layer is node.layer)
                self.layer_box(node.layer, node.layer.display_name(i), indent, node.output.dtype.name, prefix)
        for node in graph.nodes:
            if _part_index(node) is None:
                for k, tensor in enumerate(node.inputs):
                    self.edge(self.source(tensor), self.entry(node.layer, k))

    # -- where arrows start and end ----------------------------------------------------------------
    def source(self, tensor) -> str:
        r"""The box an arrow carrying ``tensor`` starts from."""
        if tensor.node is None:
            return self.ids[id(tensor)]
        k = _part_index(tensor.node)
        if k is None:
            return self.exit(tensor.node.layer, 0)
        return self.exit(tensor.node.inputs[0].node.layer, k)

    def exit(self, layer, k) -> str:
        if id(layer) not in self.models:
            return self.ids[id(layer)]
        if _is_sequential(layer):
            return self.exit(layer.layers[-1], 0)
        return self.source(layer.functional_graph.outputs[k])

    def entry(self, layer, k) -> str:
        if id(layer) not in self.models:
            return self.ids[id(layer)]
        if _is_sequential(layer):
            return self.entry(layer.layers[0], 0)
        return self.ids[id(layer.functional_graph.inputs[k])]


def _part_index(node):
    r"""k when ``node`` picks output k of a layer with several outputs, else None."""
    from .layers.outputs import Part
    return node.layer.index if isinstance(node.layer, Part) else None


def _check_options(where, rankdir, dpi, splines, kwargs):
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError(f"{where}: the argument layer_range is not supported (nor is it in Keras 3).")
    if kwargs:
        raise TypeError(f"{where} got unknown argument(s) {', '.join(sorted(kwargs))}; it takes show_shapes, "
                        f"show_dtype, show_layer_names, rankdir, expand_nested, dpi, show_layer_activations, "
                        f"show_trainable and splines.")
    if rankdir not in RANKDIRS:
        raise ValueError(f"{where}: rankdir must be one of {', '.join(RANKDIRS)}; got {rankdir!r}.")
    if isinstance(dpi, bool) or not isinstance(dpi, numbers.Real) or not dpi > 0:
        raise ValueError(f"{where}: dpi must be a positive number; got {dpi!r}.")
    if str(splines).lower() not in SPLINES:
        raise ValueError(f"{where}: splines must be one of {', '.join(SPLINES)}; got {splines!r}.")


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, subgraph=False, show_layer_activations=False, show_trainable=False,
                 splines="ortho", **kwargs) -> ModelDot:
    r"""The diagram of a built ``model`` as a ``ModelDot`` (DOT text; Keras returns a pydot.Dot)."""
    _check_options("model_to_dot", rankdir, dpi, splines, kwargs)
    if not getattr(model, "built", False):
        raise ValueError(f"model_to_dot: the model {getattr(model, 'name', model)!r} is not built yet; build it "
                         f"(model.build(input_shape), an Input first, or a call on data) before drawing it.")
    diagram = _Diagram(_Options(show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable,
                                expand_nested))
    diagram.add_model(model, "  ")
    if subgraph:
        head = [f"subgraph {_dot_id('cluster_' + model.name)} {{",
                f'  label={_dot_id(model.name)}; labeljust="l"; style="dashed";']
    else:
        head = [f"digraph {_dot_id(model.name)} {{",
                f'  graph [rankdir="{rankdir}", concentrate=true, dpi={dpi:g}, splines="{str(splines).lower()}"];']
    head.append('  node [shape="plaintext", fontname="Helvetica", margin="0"];')
    head.append('  edge [penwidth="2"];')
    arrows = [f"  {_dot_id(a)} -> {_dot_id(b)};" for a, b in diagram.edges]
    return ModelDot("\n".join(head + diagram.lines + arrows + ["}"]) + "\n", model.name)


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
               splines="ortho", **kwargs):
    r"""Draw ``model`` into ``to_file`` (its extension picks png, svg, pdf or jpg; png without one).
    Returns an IPython ``Image`` of it when IPython is installed (not for a pdf), as Keras does."""
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable,
                       splines=splines, **kwargs)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1].lstrip(".").lower() or "png"
    if extension not in DRAWN_FORMATS:
        raise ValueError(f"plot_model draws {', '.join(DRAWN_FORMATS)} files (by to_file's extension); got "
                         f"to_file={to_file!r}.")
    drawing = dot.create(format=extension)
    write_atomic(to_file, drawing)
    if extension == "pdf":
        return None
    try:
        from IPython import display
    except ImportError:
        return None
    if extension == "svg":
        return display.SVG(data=drawing.decode())
    return display.Image(data=drawing, format="jpeg" if extension == "jpg" else extension)
