"""Editor benchmark: viewport frame time during a scripted IK drag, and preview latency.

Frame time: the real main window, the left wrist selected, then a 200-step IK drag made of real
mouse events (``QTest.mouseMove``); each step is timed from the mouse event to the repainted
viewport (IK solve + re-pose + mesh upload + GL paint + overlay), which is what one frame of a
drag costs. Target: >= 60 fps (<= 16.7 ms) on software GL under Xvfb. Also printed: the
breakdown (IK edit, paintGL alone) and the plain pose update (``BodyModel.pose``) as the peer a
frame cannot beat.

Preview latency: an edit (a numeric-field change) until the preview dock holds the maps of the
edited scene, rendered in the worker process at preview size. Target: ~100 ms. Measured both
for single edits (idle worker) and at the end of a drag (latest wins).

    xvfb-run -a -s "-screen 0 1920x1080x24" python bench/bench_viewport.py [--steps 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
os.environ.setdefault("QT_XCB_GL_INTEGRATION", "xcb_egl")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("POSESTUDIO_DATA_DIR", tempfile.mkdtemp(prefix="posestudio-bench-"))

import numpy as np  # noqa: E402


def pct(values, q) -> float:
    return float(np.percentile(np.asarray(values), q))


def summary(name: str, seconds) -> str:
    ms = np.asarray(seconds) * 1e3
    return (f"{name}: median {np.median(ms):.1f} ms · mean {ms.mean():.1f} ms · "
            f"p95 {pct(ms, 95):.1f} ms · max {ms.max():.1f} ms")


def wait_until(app, condition, timeout: float) -> bool:
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.001)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--edits", type=int, default=20, help="single edits for preview latency")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QCoreApplication, QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QMessageBox

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from OpenGL import GL

    from posestudio.body import load_body_model
    from posestudio.skeletons import SMPLX_JOINT_INDEX as J
    from posestudio.ui.main_window import MainWindow

    win = MainWindow(previews=True, thumbnails=False)
    win.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    win.resize(1400, 900)
    win.show()
    vp = win.viewport
    wait_until(app, lambda: vp.isValid(), 5)
    vp.makeCurrent()
    renderer = GL.glGetString(GL.GL_RENDERER).decode()
    vp.doneCurrent()
    print(f"viewport {vp.width()}x{vp.height()} px, GL renderer: {renderer}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    arrived = [0]                                      # previews shown so far
    win.preview.ready.connect(lambda *a: arrived.__setitem__(0, arrived[0] + 1))

    # --- first preview (worker start-up), reported apart ----------------------------------------
    t0 = time.perf_counter()
    wait_until(app, lambda: arrived[0] > 0, 120)
    print(f"preview worker start-up (spawn + imports + first render): "
          f"{time.perf_counter() - t0:.1f} s")

    # --- 200-step IK drag -----------------------------------------------------------------------
    wrist = J["left_wrist"]
    start = np.asarray(win.controller.posed[0].joints[wrist], float)
    px, _ = vp.project(start[None])
    start_px = px[0]
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(*np.round(start_px).astype(int)))
    assert win.doc.joint == wrist, "the click did not select the wrist"
    # a loop: up and in, across the chest, and back — 200 distinct targets
    t = np.linspace(0, 2 * np.pi, args.steps)
    path = start_px + np.stack([-140 * (1 - np.cos(t)) / 2, -120 * np.sin(t)], axis=1)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(*np.round(start_px).astype(int)))
    vp.frame_times.clear()
    edit_times, frame_times = [], []
    original_push = win.doc.push

    def timed_push(edit):
        t_edit = time.perf_counter()
        original_push(edit)
        edit_times.append(time.perf_counter() - t_edit)

    win.doc.push = timed_push
    t_drag = time.perf_counter()
    for p in path:
        t_frame = time.perf_counter()
        QTest.mouseMove(vp, QPoint(*np.round(p).astype(int)))
        vp.repaint()                                   # paint now, as the next vsync would
        frame_times.append(time.perf_counter() - t_frame)
        app.processEvents()                             # previews arrive between frames
    drag_seconds = time.perf_counter() - t_drag
    gl_frames = len(vp.frame_times)
    t_release = time.perf_counter()
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(*np.round(path[-1]).astype(int)))
    win.doc.push = original_push
    drag_latency = None
    if wait_until(app, lambda: not win.preview._sent, 10):
        app.processEvents()
        drag_latency = time.perf_counter() - t_release
    paint_times = list(vp.frame_times)
    steps = win.doc.undo_stack.count()

    model = load_body_model("mannequin")
    person = win.doc.scene.people[0]
    pose_times = []
    for _ in range(100):
        t_pose = time.perf_counter()
        model.pose_person(person)
        pose_times.append(time.perf_counter() - t_pose)

    print(f"\nIK drag, {len(frame_times)} mouse moves ({steps} undo step(s) after the drag):")
    print("  " + summary("frame (event → repainted)", frame_times)
          + f" → {1 / np.mean(frame_times):.0f} fps")
    print("  " + summary("  IK edit (solve + re-pose + mesh upload)", edit_times))
    print("  " + summary("  GL frame (draw offscreen + read back)", paint_times))
    print(f"  throughput: {len(path)} moves in {drag_seconds:.2f} s → "
          f"{len(path) / drag_seconds:.0f} fps wall clock, {gl_frames} GL frames drawn")
    print("  " + summary("peer: BodyModel.pose alone", pose_times)
          + f" (frame / pose = {np.median(frame_times) / np.median(pose_times):.1f}x)")

    # --- preview latency, single edits ----------------------------------------------------------
    win.doc.select(0, J["right_elbow"])
    failures = []
    win.preview.failed.connect(failures.append)
    latencies = []
    for k in range(args.edits):
        seen = arrived[0]
        t_edit = time.perf_counter()
        win.joint_panel.fields[1].setValue(float(5 + 4 * k))
        if not wait_until(app, lambda: arrived[0] > seen and not win.preview._sent,
                          10):
            print(f"preview did not arrive within 10 s (worker alive: {win.preview.running()}, "
                  f"pending {sorted(win.preview._sent)[:5]}, failures {failures[-1:]}, "
                  f"value {win.joint_panel.fields[1].value()}, undo {win.doc.undo_stack.count()})")
            break
        latencies.append(time.perf_counter() - t_edit)
    print(f"\nPreview latency (edit → preview dock updated, {len(latencies)} edits, "
          f"maps {', '.join(win.preview.maps)} at preview size):")
    print("  " + summary("single edit", latencies))
    if drag_latency is not None:
        print(f"  end of drag (mouse release → newest maps shown): {drag_latency * 1e3:.0f} ms")
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
