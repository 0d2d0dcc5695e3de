"""Build the documentation site (mkdocs, strict) from a copy of docs/ whose tutorials were already
executed, so that each notebook runs once per test session."""
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def build(executed: dict, work: Path) -> subprocess.CompletedProcess:
    """``executed``: tutorial file name -> path of its executed copy. Returns the finished
    ``mkdocs build --strict`` (the site in ``work / "site"``)."""
    docs = work / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for name, path in executed.items():
        shutil.copy(path, docs / "tutorials" / name)
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"], config["site_dir"] = str(docs), str(work / "site")
    config["hooks"] = [str(ROOT / hook) for hook in config.get("hooks", [])]
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocs-jupyter" in plugin:
            plugin["mkdocs-jupyter"]["execute"] = False            # already executed, outputs kept
        if isinstance(plugin, dict) and "mkdocstrings" in plugin:
            plugin["mkdocstrings"]["handlers"]["python"]["paths"] = [str(ROOT / "src")]
    (work / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(work / "mkdocs.yml")],
                          capture_output=True, text=True, timeout=600, cwd=work)     # its caches go there
