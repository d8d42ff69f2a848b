#!/usr/bin/env bash
# Runs the demo chat application on http://127.0.0.1:5000 (Ctrl+C to stop).
#
#   bash scripts/demo.sh [arguments for examples/chat/app.py...]
#
# Uses the same .venv as scripts/test.sh and installs it on first use.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

setup_venv

APP="examples/chat/app.py"
if [ ! -f "$APP" ]; then
    echo "ERROR: $APP not found in this checkout" >&2
    exit 1
fi
section "demo chat: http://127.0.0.1:5000"
exec python "$APP" "$@"
