"""The MediaPipe graph is reached without the solutions package's drawing imports (matplotlib)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)


def test_detection_does_not_import_matplotlib():
    proc = _run("""
        import sys
        import numpy as np
        from posestudio.detect.mediapipe_pose import detect_mediapipe
        assert detect_mediapipe(np.zeros((96, 64, 3), np.uint8), max_people=1) == []
        print(sorted(m for m in ("matplotlib", "torch") if m in sys.modules))
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout


def test_mediapipe_imported_afterwards_is_whole():
    """Code that imports ``mediapipe`` after the detector gets the full package."""
    proc = _run("""
        from posestudio.detect.mediapipe_pose import holistic_module
        holistic = holistic_module()
        import mediapipe as mp
        from mediapipe.python.solutions import drawing_utils
        assert mp.solutions.holistic is holistic and mp.__version__
        assert mp.tasks.__name__ == "mediapipe.tasks.python" and drawing_utils.draw_landmarks
        print("ok")
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
