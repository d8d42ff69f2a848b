"""Sphinx configuration for the python-socketio documentation (offline build)."""

import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)


def _version():
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        m = re.search(r'^version\s*=\s*"([^"]+)"', f.read(), re.MULTILINE)
    return m.group(1) if m else "0"


project = "python-socketio"
author = "The python-socketio rebuilt contributors"
copyright = "2026, " + author
release = _version()
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"

exclude_patterns = ["_build"]
master_doc = "index"
html_theme = "alabaster"
