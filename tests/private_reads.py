r"""Reads of another object's private name (``obj._name``) in a module, found by walking its syntax tree.

A read counts when the attribute starts with one underscore (not a dunder) and the object is not
``self``, ``cls``, ``super()`` or a name the module itself defines at its top level (its own
classes, functions and constants). Whether the object's class lives in the same module the walk
cannot know: the lines it reports are the ones to look at.

    python tests/private_reads.py src/neurona/saving.py src/neurona/tune     # files or folders
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

#: renamed everywhere at once, separately
LEFT_ALONE = {"_registry_name"}


def _top_level_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def _own(value: ast.expr, own_names: set[str]) -> bool:
    if isinstance(value, ast.Name):
        return value.id in {"self", "cls"} | own_names
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super"


def private_reads(path: Path) -> list[tuple[int, str]]:
    r"""(line, ``obj._name`` as written) of each private read in the module at ``path``."""
    source = path.read_text()
    tree = ast.parse(source)
    own_names = _top_level_names(tree)
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and node.attr not in LEFT_ALONE and not _own(node.value, own_names)):
            found.append((node.lineno, ast.get_source_segment(source, node) or node.attr))
    return sorted(found)


def python_files(paths) -> list[Path]:
    files = []
    for path in map(Path, paths):
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def main(argv) -> int:
    total = 0
    for path in python_files(argv):
        for line, text in private_reads(path):
            print(f"{path}:{line}: {text}")
            total += 1
    print(f"{total} private reads")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
