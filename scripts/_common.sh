# Shared set-up for scripts/test.sh and scripts/demo.sh. Source it, don't run it.
# Both use the virtual environment .venv in the repository (created when
# missing) and install the project in editable mode: setup_venv with its test
# extras, setup_demo_venv with only what the demo chat runs on. Idempotent:
# each install is skipped while pyproject.toml, setup.py, the C speedups and the
# Python version are unchanged. A stamp file in .venv records each install; the
# demo's own stamp never counts as the (larger) test install.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

export PIP_DISABLE_PIP_VERSION_CHECK=1
export PYTHONDONTWRITEBYTECODE=1

section() { printf '\n===== %s =====\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }

VENV="$REPO_ROOT/.venv"
PY="$VENV/bin/python"

make_venv() {
    local base="${PYTHON:-python3}"
    if ! command -v "$base" >/dev/null 2>&1; then
        echo "ERROR: $base not found; Python 3.10+ is required" >&2
        exit 1
    fi
    if [ ! -x "$PY" ] || ! "$PY" -c 'import sys' >/dev/null 2>&1; then
        echo "creating $VENV"
        "$base" -m venv "$VENV"
    fi
}

# What an install depends on; a stamp holding another value is out of date.
install_key() {
    printf '%s|%s|%s' "$("$PY" -c 'import sys; print(sys.version)' | tr -d '\n')" \
        "$(cat pyproject.toml setup.py socketio/_speedups.c | sha256sum | cut -d' ' -f1)" \
        "$([ -f socketio/__init__.py ] && echo pkg || echo nopkg)"
}

TEST_STAMP="$VENV/.python-socketio-installed"
DEMO_STAMP="$VENV/.python-socketio-demo-installed"

# Everything the tests, lint and docs need (scripts/test.sh).
setup_venv() {
    section "python environment (.venv)"
    make_venv
    local key
    key="$(install_key)"
    if [ -f "$TEST_STAMP" ] && [ "$(cat "$TEST_STAMP")" = "$key" ]; then
        echo "up to date: $("$PY" --version) in .venv, python-socketio[test] installed"
    else
        echo "installing python-socketio (editable) with [test] extras ..."
        "$PY" -m pip install -q -e '.[test]'
        # Flask-SocketIO must use this python-socketio, never one from the index.
        "$PY" -m pip install -q --no-deps flask-socketio
        printf '%s' "$key" > "$TEST_STAMP"
        echo "done: $("$PY" --version)"
    fi
    export PATH="$VENV/bin:$PATH"
}

# Only what examples/chat/app.py runs on (scripts/demo.sh): the package, the
# Werkzeug server and simple-websocket; redis too when called with "redis".
# A complete test install has all of these already and is reused as it is.
setup_demo_venv() {
    section "python environment (.venv)"
    make_venv
    local key
    key="$(install_key)"
    if { [ -f "$TEST_STAMP" ] && [ "$(cat "$TEST_STAMP")" = "$key" ]; } \
            || { [ -f "$DEMO_STAMP" ] && [ "$(cat "$DEMO_STAMP")" = "$key" ]; }; then
        echo "up to date: $("$PY" --version) in .venv, the demo's packages installed"
    else
        echo "installing python-socketio (editable), werkzeug and simple-websocket ..."
        "$PY" -m pip install -q -e . werkzeug simple-websocket
        printf '%s' "$key" > "$DEMO_STAMP"
        echo "done: $("$PY" --version)"
    fi
    if [ "${1:-}" = redis ] && ! "$PY" -c 'import redis' >/dev/null 2>&1; then
        echo "installing redis (for --redis) ..."
        "$PY" -m pip install -q 'redis>=4.2'  # as the [redis] extra
    fi
    export PATH="$VENV/bin:$PATH"
}
