#!/usr/bin/env bash
# Run the whole test suite. GUI tests need an X server: without DISPLAY this starts Xvfb.
# On a fresh clone (no .venv yet) it sets everything up first with scripts/bootstrap.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import posestudio, pytest" 2>/dev/null; then
  echo "test: no working .venv yet; running scripts/bootstrap.sh first" >&2
  bash scripts/bootstrap.sh
fi
export PYOPENGL_PLATFORM=${PYOPENGL_PLATFORM:-egl} HF_HUB_OFFLINE=1 QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-xcb}
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
  exec xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python -m pytest -q "$@"
fi
exec .venv/bin/python -m pytest -q "$@"
