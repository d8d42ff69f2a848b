#!/usr/bin/env bash
# The one test command: lint, the whole test suite, and the docs build.
#
#   bash scripts/test.sh [pytest arguments...]
#
# Needs only Python 3 and Node.js on a fresh machine; everything else is
# installed into .venv (PyPI) and tests/js/node_modules (npm). Redis and
# RabbitMQ are used when reachable on 127.0.0.1 (started here if possible);
# without them the broker tests skip, or fail when CI=true.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

CI="${CI:-}"
# Pythons whose unit test run is added to the suite (oldest and newest supported).
OTHER_PYTHONS="${OTHER_PYTHONS-3.10 3.13}"

port_open() {  # host port
    (exec 3<>"/dev/tcp/$1/$2") >/dev/null 2>&1
}

wait_port() {  # host port seconds
    local i
    for ((i = 0; i < $3; i++)); do
        port_open "$1" "$2" && return 0
        sleep 1
    done
    return 1
}

setup_venv

# ---------------------------------------------------------------- node
section "javascript peers (tests/js)"
if command -v npm >/dev/null 2>&1; then
    (
        cd tests/js
        if [ -f package-lock.json ]; then
            if [ -f node_modules/.package-lock.json ] \
                && [ node_modules/.package-lock.json -nt package-lock.json ] \
                && [ node_modules/.package-lock.json -nt package.json ]; then
                echo "up to date: node $(node --version), tests/js/node_modules"
            else
                npm ci --no-audit --no-fund --loglevel=error
            fi
        else
            npm install --no-audit --no-fund --loglevel=error
        fi
    ) || warn "npm install in tests/js failed; JavaScript interop tests will not run"
else
    warn "npm not found; JavaScript interop tests will not run"
fi

# ---------------------------------------------------------------- services
section "services"
if port_open 127.0.0.1 6379; then
    echo "redis: reachable at 127.0.0.1:6379"
elif command -v redis-server >/dev/null 2>&1; then
    echo "redis: not reachable, starting redis-server ..."
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        >/dev/null 2>&1 || true
    if wait_port 127.0.0.1 6379 15; then
        echo "redis: started"
    else
        warn "could not start Redis on 127.0.0.1:6379; Redis tests will skip (fail under CI=true)"
    fi
else
    warn "Redis not reachable and redis-server not installed; Redis tests will skip (fail under CI=true)"
fi

if port_open 127.0.0.1 5672; then
    echo "rabbitmq: reachable at 127.0.0.1:5672"
elif command -v rabbitmq-server >/dev/null 2>&1; then
    echo "rabbitmq: not reachable, starting rabbitmq-server (up to 60 s) ..."
    rabbitmq-server -detached >/dev/null 2>&1 || true
    if wait_port 127.0.0.1 5672 60; then
        echo "rabbitmq: started"
    else
        warn "could not start RabbitMQ on 127.0.0.1:5672; AMQP tests will skip (fail under CI=true)"
    fi
else
    warn "RabbitMQ not reachable and rabbitmq-server not installed; AMQP tests will skip (fail under CI=true)"
fi

if [ -x /usr/bin/chromium ]; then
    echo "chromium: /usr/bin/chromium"
elif [ "$CI" = "true" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium: installing Debian chromium for the browser tests ..."
    if ! { DEBIAN_FRONTEND=noninteractive timeout 600 apt-get update -qq \
            && DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq \
                --no-install-recommends chromium >/dev/null; }; then
        warn "installing chromium failed; browser tests will skip"
    fi
else
    echo "chromium: /usr/bin/chromium not installed; browser tests will skip" \
        "(apt-get install chromium to run them)"
fi

# ---------------------------------------------------------------- lint
section "lint (ruff)"
lint_dirs=()
for d in socketio tests examples benchmarks scripts; do
    [ -d "$d" ] && lint_dirs+=("$d")
done
lint_rc=0
if [ "${#lint_dirs[@]}" -gt 0 ]; then
    echo "ruff check ${lint_dirs[*]}"
    ruff check "${lint_dirs[@]}" || lint_rc=$?
else
    echo "nothing to lint yet"
fi

# ---------------------------------------------------------------- generated code
section "generated modules (scripts/unasync.py --check)"
gen_rc=0
python scripts/unasync.py --check || gen_rc=$?

# ---------------------------------------------------------------- types
section "types (mypy socketio)"
types_rc=0
python -m mypy || types_rc=$?

# ---------------------------------------------------------------- tests
section "tests (pytest)"
test_rc=0
python -m pytest -p no:cacheprovider -q -ra "$@" || test_rc=$?
if [ "$test_rc" -eq 5 ]; then
    warn "pytest collected no tests (exit code 5); treated as success"
    test_rc=0
fi

# ------------------------------------------------- unit tests on other Pythons
# The oldest and newest supported Pythons, when installed (the suite above
# runs on .venv's). Each gets a virtual environment of its own with the
# package and what the unit tests need ([unit] extra).
other_rc=0
find_python() {  # version: print a working interpreter of that version
    local candidate
    for candidate in "python$1" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$1".*/bin/"python$1" \
            "/usr/local/bin/python$1" "/usr/bin/python$1"; do
        if "$candidate" -c 'import sys' >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

for version in $OTHER_PYTHONS; do
    section "unit tests on Python $version"
    other_venv="$REPO_ROOT/.venv-$version"
    if ! "$other_venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
        if ! interpreter="$(find_python "$version")"; then
            echo "python$version not installed; skipped"
            continue
        fi
        "$interpreter" -m venv "$other_venv" || { other_rc=1; continue; }
    fi
    other_stamp="$other_venv/.python-socketio-installed"
    other_key="$(cat pyproject.toml setup.py socketio/_speedups.c | sha256sum | cut -d' ' -f1)"
    if [ ! -f "$other_stamp" ] || [ "$(cat "$other_stamp")" != "$other_key" ]; then
        "$other_venv/bin/python" -m pip install -q -e '.[unit]' \
            && printf '%s' "$other_key" > "$other_stamp" || { other_rc=1; continue; }
    fi
    "$other_venv/bin/python" -m pytest -p no:cacheprovider -q tests/unit || other_rc=$?
done

# ---------------------------------------------------------------- docs
docs_rc=0
if [ -f docs/conf.py ]; then
    section "docs (sphinx-build -W)"
    python -m sphinx -W --keep-going -q -b html docs docs/_build/html || docs_rc=$?
    [ "$docs_rc" -eq 0 ] && echo "docs built in docs/_build/html"
fi

# ---------------------------------------------------------------- summary
section "summary"
status() { [ "$1" -eq 0 ] && echo ok || echo "FAILED (exit $1)"; }
echo "lint:            $(status "$lint_rc")"
echo "generated code:  $(status "$gen_rc")"
echo "types:           $(status "$types_rc")"
echo "tests:           $(status "$test_rc")"
echo "other Pythons:   $(status "$other_rc") ($OTHER_PYTHONS)"
echo "docs:            $(status "$docs_rc")"
for rc in "$lint_rc" "$gen_rc" "$types_rc" "$test_rc" "$other_rc" "$docs_rc"; do
    [ "$rc" -eq 0 ] || exit 1
done
