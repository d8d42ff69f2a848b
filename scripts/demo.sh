#!/usr/bin/env bash
# Runs the demo chat application on http://127.0.0.1:5000 (Ctrl+C to stop).
#
#   bash scripts/demo.sh [arguments for examples/chat/app.py...]
#   bash scripts/demo.sh --port 5001 --redis redis://127.0.0.1:6379/0
#
# Uses the same .venv as scripts/test.sh. On first use it installs only what
# the demo runs on (the package, werkzeug, simple-websocket; redis for --redis),
# which takes seconds; an existing test install is reused as it is.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

# redis is needed only with --redis (argparse also takes --redis=URL or --r...).
need=""
[ -n "${SOCKETIO_REDIS:-}" ] && need=redis
for arg in "$@"; do
    case "$arg" in --r*) need=redis ;; esac
done
setup_demo_venv "$need"

APP="examples/chat/app.py"
if [ ! -f "$APP" ]; then
    echo "ERROR: $APP not found in this checkout" >&2
    exit 1
fi
section "demo chat (examples/chat/app.py)"
echo "Open the address below in two browser tabs, pick nicknames, join a room and chat."
echo "Options: --port N (or PORT=N), --host ADDR, --redis URL (or SOCKETIO_REDIS=URL)."
exec python "$APP" "$@"
