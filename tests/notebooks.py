"""Running notebooks as a student would: a real Jupyter kernel (nbclient), and the saved result."""
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = ROOT / "docs" / "tutorials"
_CARRIAGE_RETURN = re.compile(r"[^\n]*\r(?=[^\n])")


def notebook(*sources):
    """A notebook of code cells (a string starting with '#md' is a markdown cell)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(s[3:]) if s.startswith("#md") else nbformat.v4.new_code_cell(s)
                for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def execute(nb, cwd, timeout=120):
    """Execute ``nb`` top to bottom in a fresh kernel started in ``cwd``; the first failing cell
    raises CellExecutionError. Returns the notebook with its outputs, as Jupyter saves it."""
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def stream_text(cell, name="stdout"):
    """What a saved notebook shows of a cell's stream: its pieces joined, carriage returns applied
    (a line redrawn with '\\r' keeps its last state), as front ends and nbconvert draw it."""
    text = "".join(o["text"] for o in cell.outputs if o["output_type"] == "stream" and o["name"] == name)
    return _CARRIAGE_RETURN.sub("", text)


def outputs_of(cell, output_type):
    return [o for o in cell.outputs if o["output_type"] == output_type]


def execute_tutorial(path, out_dir):
    """Execute one tutorial in its own folder; returns (executed path, error text or None)."""
    nb = nbformat.read(path, as_version=4)
    error = None
    try:
        execute(nb, path.parent, timeout=180)
    except CellExecutionError as failure:
        error = str(failure)
    out = Path(out_dir) / path.name
    nbformat.write(nb, out)
    return out, error


__all__ = ["ROOT", "TUTORIALS", "notebook", "execute", "stream_text", "outputs_of", "execute_tutorial",
           "CellExecutionError"]
