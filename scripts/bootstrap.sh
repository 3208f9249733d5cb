#!/usr/bin/env bash
# Set up everything PoseStudio needs on Debian/Ubuntu, from nothing, idempotently:
#   - system libraries for headless OpenGL (EGL, Mesa) and for Qt under X/Xvfb (apt, when root);
#   - a virtual environment in .venv with the CPU build of torch and the project installed
#     editable with its test extras, plus controlnet-aux without its declared dependencies
#     (they pull torchvision/timm; we only import its OpenPose drawing and detector modules).
# Usage: bash scripts/bootstrap.sh        (VENV=/path to use another folder)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=${PYTHON:-python3}

APT_PACKAGES="xvfb xauth libegl1 libegl-mesa0 libgl1-mesa-dri libgl1 libglu1-mesa libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0 libxkbcommon-x11-0 libxkbcommon0
  libdbus-1-3 libfontconfig1 libfreetype6 libxrender1 libxi6"
missing=$(for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; else SUDO=none; fi
  if [ "$SUDO" = none ]; then
    echo "bootstrap: please install these system packages first: $missing" >&2; exit 1
  fi
  echo "bootstrap: installing system packages:" $missing
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "bootstrap: creating $VENV"
  "$PY" -m venv "$VENV"
fi
pip() { "$VENV/bin/python" -m pip "$@"; }
pip install -q --upgrade pip setuptools wheel
# torch first, pinned: its CPU wheel; an unpinned torch would pull a multi-GB CUDA build.
pip install -q "torch==${TORCH_VERSION:-2.13.0}"
pip install -q -e ".[dev]"
pip install -q --no-deps "controlnet-aux==0.0.10"
"$VENV/bin/python" -c "import posestudio, torch, smplx, pyrender; print('bootstrap: ok, torch', torch.__version__)"
