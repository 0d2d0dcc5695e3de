r"""The map of docs/design.md, held by the code: every import of the package (function-level ones too),
parsed with ``ast``, and every read of another object's private attribute.

    foundations   registry, validation, atomicfile, windows,    import nothing else of the package (but each other)
                  kernels, notebook, custom_objects
    autodiff/     Tensor, the tape and its operations          imports NumPy and the foundations only
    engine        the pieces and the model machinery           imports no face
    faces         cli, playground, tune, estimators, neurons, linear, plot

and no import cycle anywhere.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "neurona"

FOUNDATIONS = {"neurona.registry", "neurona.validation", "neurona.atomicfile", "neurona.windows", "neurona.kernels",
               "neurona.notebook", "neurona.custom_objects"}
FACES = ("neurona.cli", "neurona.playground", "neurona.tune", "neurona.estimators", "neurona.neurons",
         "neurona.linear", "neurona.plot")
#: modules that gather the faces for the user, not part of the engine
ENTRY_POINTS = {"neurona", "neurona.__main__"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    r"""The package's modules that ``name`` imports, anywhere in its body; ``from pkg import mod`` counts
    as an import of the submodule ``pkg.mod``."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if alias.name.split(".")[0] == "neurona"}
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, path.name == "__init__.py", node)
            if target.split(".")[0] != "neurona":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in known else target)
    return {m for m in out if m in known and m != name}


#: imports that close a cycle and stay, each with its reason
ALLOWED_CYCLE_EDGES = {
    # The functional API's operators: `a + b` or `ops.concatenate([a, b])` on symbolic tensors records a
    # merge or op layer (Keras's own behaviour), so symbolic tensors make layers while layers, called on
    # symbolic tensors, record nodes. The imports sit inside the operator functions.
    ("neurona.symbolic", "neurona.layers"), ("neurona.symbolic", "neurona.layers.op"),
    ("neurona.symbolic", "neurona.layers.outputs"),
}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def test_each_allowed_cycle_edge_is_an_import_that_exists():
    graph = import_graph()
    assert {(a, b) for a, b in ALLOWED_CYCLE_EDGES if b not in graph.get(a, ())} == set()


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    r"""The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    import sys
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return out


def in_group(module: str, group) -> bool:
    return any(module == g or module.startswith(g + ".") for g in group)


def test_the_analysis_sees_imports_inside_functions_and_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    graph = import_graph()
    assert "neurona.autodiff.tensor" in graph["neurona.autodiff.ops"]
    assert "neurona.layers.core" in graph["neurona.layers"]
    assert len(graph) > 100


def test_no_import_cycle():
    graph = {m: {t for t in targets if (m, t) not in ALLOWED_CYCLE_EDGES} for m, targets in import_graph().items()}
    assert cycles(graph) == []


def test_autodiff_imports_only_numpy_and_the_foundations():
    graph = import_graph()
    outside = {(m, t) for m, targets in graph.items() if in_group(m, ("neurona.autodiff",))
               for t in targets if not in_group(t, ("neurona.autodiff",)) and t not in FOUNDATIONS}
    assert outside == set()


def test_the_foundations_import_only_foundations():
    graph = import_graph()
    assert {m: graph[m] - FOUNDATIONS for m in FOUNDATIONS if graph[m] - FOUNDATIONS} == {}


def test_no_engine_module_imports_a_face():
    graph = import_graph()
    engine = [m for m in graph if not in_group(m, FACES) and m not in ENTRY_POINTS]
    reached = {(m, t) for m in engine for t in graph[m] if in_group(t, FACES)}
    assert reached == set()


# -- private attributes -------------------------------------------------------------------------------
def _own_names(tree) -> set[str]:
    r"""The private names a module defines itself: its functions, classes, globals, and the attributes and
    methods of its classes (the module may read those on any of its objects)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name)
    return names


def private_reads() -> list[tuple[str, int, str]]:
    r"""(module, line, attribute) for each ``obj._x`` where obj is not ``self``/``cls``/``super()`` and the
    module does not itself define ``_x``: a read of another module's private state."""
    out = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = _own_names(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or not node.attr.startswith("_") or node.attr.startswith("__"):
                continue
            value = node.value
            if isinstance(value, ast.Name) and value.id in ("self", "cls"):
                continue
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and (value.func.id == "super" or (
                    value.func.id == "type" and [getattr(a, "id", None) for a in value.args] == ["self"])):
                continue            # super().x and type(self).x: the object's own class
            if node.attr in own:
                continue
            out.append((name, node.lineno, node.attr))
    return out


#: reads of another module's private names that stay, each with its reason
ALLOWED_PRIVATE_READS = {
    # sys._getframe is CPython's way to walk the caller's frames: warn_user points a warning at the first line
    # outside neurona (warnings.warn's stacklevel needs the count of frames inside it)
    ("neurona.validation", "_getframe"),
}


def test_the_private_read_scan_finds_a_reach_in(tmp_path):
    tree = ast.parse("def f(model):\n    return model._flat\n")
    assert "_flat" not in _own_names(tree)
    assert [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)] == ["_flat"]


def test_no_private_state_is_read_from_outside_its_module():
    reads = [r for r in private_reads() if (r[0], r[2]) not in ALLOWED_PRIVATE_READS]
    assert reads == [], "\n".join(f"{m}:{line} reads .{attr}" for m, line, attr in reads)


def test_fit_is_parts_under_40_lines():
    path = next(p for name, p in modules().items() if name.endswith(".training"))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = {n.name: n.end_lineno - n.lineno + 1 for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef) and n.end_lineno - n.lineno + 1 >= 40}
    assert long == {}
