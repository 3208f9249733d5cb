#!/usr/bin/env bash
# Run the whole test suite. GUI tests need an X server: without DISPLAY this starts Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYOPENGL_PLATFORM=${PYOPENGL_PLATFORM:-egl} HF_HUB_OFFLINE=1 QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-xcb}
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
  exec xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python -m pytest -q "$@"
fi
exec .venv/bin/python -m pytest -q "$@"
