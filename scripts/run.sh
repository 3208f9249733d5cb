#!/usr/bin/env bash
# Set up (first run only) and start the PoseStudio editor on its bundled default scene.
# Without a display it renders the bundled example's control maps to ./out instead.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/posestudio-gui ] || bash scripts/bootstrap.sh
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec .venv/bin/posestudio-gui "$@"
fi
echo "No display found: rendering examples/standing.pose.json to ./out instead of opening the editor."
exec .venv/bin/posestudio render examples/standing.pose.json --out out
