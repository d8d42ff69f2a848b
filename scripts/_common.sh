# Shared set-up for scripts/test.sh and scripts/demo.sh. Source it, don't run it.
# Creates (or reuses) the virtual environment .venv in the repository and
# installs the project in editable mode with its test extras. Idempotent: the
# install is skipped while pyproject.toml and the Python version are unchanged.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

export PIP_DISABLE_PIP_VERSION_CHECK=1
export PYTHONDONTWRITEBYTECODE=1

section() { printf '\n===== %s =====\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }

VENV="$REPO_ROOT/.venv"
PY="$VENV/bin/python"

setup_venv() {
    section "python environment (.venv)"
    local base="${PYTHON:-python3}"
    if ! command -v "$base" >/dev/null 2>&1; then
        echo "ERROR: $base not found; Python 3.8+ is required" >&2
        exit 1
    fi
    if [ ! -x "$PY" ] || ! "$PY" -c 'import sys' >/dev/null 2>&1; then
        echo "creating $VENV"
        "$base" -m venv "$VENV"
    fi
    # Re-install only when the inputs change.
    local stamp="$VENV/.python-socketio-installed"
    local key
    key="$("$PY" -c 'import sys; print(sys.version)' | tr -d '\n')|$(cat pyproject.toml setup.py socketio/_speedups.c | sha256sum | cut -d' ' -f1)|$([ -f socketio/__init__.py ] && echo pkg || echo nopkg)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
        echo "up to date: $("$PY" --version) in .venv, python-socketio[test] installed"
    else
        echo "installing python-socketio (editable) with [test] extras ..."
        "$PY" -m pip install -q -e '.[test]'
        # Flask-SocketIO must use this python-socketio, never one from the index.
        "$PY" -m pip install -q --no-deps flask-socketio
        printf '%s' "$key" > "$stamp"
        echo "done: $("$PY" --version)"
    fi
    export PATH="$VENV/bin:$PATH"
}
