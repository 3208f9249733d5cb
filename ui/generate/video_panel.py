"""The Generate Video panel: the scene's animation drives a local video model.

The user picks a video model folder (Wan VACE, Wan-Animate, CogVideoX-Fun Control, LTX-Video, or
an SD 1.5 base with an AnimateDiff motion adapter and ControlNet), a sequence preset (default:
the model's), a reference image, prompt, seed, steps, frame rate and device, and presses Generate
Video. The folder is checked at once (a wrong pairing is one line in the panel), then the job
process (:mod:`posestudio.generate.job_service`) exports the control frames in memory and runs
the pipeline with :func:`posestudio.generate.video.generate_video`, the function the CLI calls:
the progress bar follows every step of every segment ("segment 2/3, step 7/30"), Cancel stops
within one step and writes nothing. The clip then loops in the panel (its frames), with buttons
that open the mp4 in the system's player and its folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from PySide6 import QtWidgets

from posestudio.errors import PoseStudioError
from posestudio.generate.params import DEVICES, PRECISIONS

from .job_panel import JobPanel
from .run_controls import open_path
from .job_widgets import FramePlayer, ImageField, SeedField
from .widgets import PathPicker, dim_label

__all__ = ["SETTINGS_KEY", "VideoPanel"]

SETTINGS_KEY = "generate/video"
MODEL_DEFAULT = "model's"
SEGMENT = re.compile(r"segment (\d+)/(\d+)")


class VideoPanel(JobPanel):
    """Video model, preset, reference, prompt and parameters; Generate Video with progress per
    step and segment; the clip shown and openable."""

    kind = "video"
    settings_key = SETTINGS_KEY
    run_text = "Generate Video"
    suffix = ".mp4"

    # -- layout --------------------------------------------------------------------------------
    def _build_fields(self, layout: QtWidgets.QVBoxLayout) -> None:
        from posestudio.sequence.presets import PRESETS

        models = QtWidgets.QGroupBox("Video model")
        column = QtWidgets.QVBoxLayout(models)
        self.base = PathPicker("Video model folder (model_index.json)", files=False)
        self.family = dim_label()
        self.motion_adapter = PathPicker("AnimateDiff only: motion adapter folder", files=False)
        self.controlnet = PathPicker("AnimateDiff only: ControlNet / SparseCtrl folder",
                                     files=False)
        column.addWidget(self.base)
        column.addWidget(self.family)
        column.addWidget(self.motion_adapter)
        column.addWidget(self.controlnet)
        self.family.hide()
        layout.addWidget(models)

        inputs = QtWidgets.QGroupBox("Input")
        form = QtWidgets.QFormLayout(inputs)
        self.preset = QtWidgets.QComboBox()
        self.preset.addItem(f"the {MODEL_DEFAULT}", None)
        for name in PRESETS:
            self.preset.addItem(name, name)
        self.preset.setToolTip("Sequence preset the control frames are drawn with (frame rate, "
                               "size rounding, skeleton style)")
        self.reference = ImageField("Reference (character) image")
        self.reference.setToolTip("Wan VACE and LTX take one (optional), Wan-Animate needs one")
        self.prompt = QtWidgets.QPlainTextEdit()
        self.prompt.setPlaceholderText("a dancer on a stage, studio light")
        self.prompt.setFixedHeight(54)
        form.addRow("Preset", self.preset)
        form.addRow("Reference", self.reference)
        form.addRow("Prompt", self.prompt)
        layout.addWidget(inputs)

        params = QtWidgets.QGroupBox("Parameters")
        form = QtWidgets.QFormLayout(params)
        self.seed = SeedField()
        self.steps = self._spin(0, 1000, "Denoising steps per segment")
        self.fps = self._spin(0, 240, "Output frame rate")
        self.segment_frames = self._spin(0, 1000, "Frames per pipeline call; longer clips run in "
                                                   "overlapping segments")
        self.device = QtWidgets.QComboBox()
        self.device.addItems(DEVICES)
        self.precision = QtWidgets.QComboBox()
        self.precision.addItems(PRECISIONS)
        self.size = QtWidgets.QLabel()
        form.addRow("Seed", self.seed)
        form.addRow("Steps", self.steps)
        form.addRow("Frame rate", self.fps)
        form.addRow("Segment", self.segment_frames)
        form.addRow("Device", self.device)
        form.addRow("Precision", self.precision)
        form.addRow("Clip", self.size)
        layout.addWidget(params)

        self.base.changed.connect(self._on_base_changed)
        for part in (self.motion_adapter, self.controlnet):
            part.changed.connect(lambda *_: self._describe_base())
        self.doc.changed.connect(lambda *_: self._update_clip())
        self.remember(self.base.changed, self.motion_adapter.changed, self.controlnet.changed,
                      self.preset.currentIndexChanged, self.reference.changed,
                      self.prompt.textChanged, self.seed.changed, self.steps.valueChanged,
                      self.fps.valueChanged, self.segment_frames.valueChanged,
                      self.device.currentIndexChanged, self.precision.currentIndexChanged)
        self._update_clip()

    @staticmethod
    def _spin(hi: int, top: int, tip: str) -> QtWidgets.QSpinBox:
        box = QtWidgets.QSpinBox()
        box.setRange(hi, top)
        box.setSpecialValueText(f"the {MODEL_DEFAULT}")   # 0: the model's / preset's default
        box.setToolTip(tip + " (0: the model's default)")
        return box

    def _build_result(self, layout: QtWidgets.QVBoxLayout) -> None:
        self.segment = QtWidgets.QLabel("")
        self.segment.hide()
        layout.addWidget(self.segment)
        self.result_box = QtWidgets.QWidget()           # shown once there is a clip
        self.result_box.hide()
        layout.addWidget(self.result_box)
        box = QtWidgets.QVBoxLayout(self.result_box)
        box.setContentsMargins(0, 0, 0, 0)
        self.player = FramePlayer(160)
        box.addWidget(self.player)
        self.result_label = QtWidgets.QLabel("")
        self.result_label.setWordWrap(True)
        box.addWidget(self.result_label)
        self.open_video_button = QtWidgets.QPushButton("Play video")
        self.open_video_button.setToolTip("Open the mp4 in the system's video player (its "
                                          "parameters .json and frames are beside it)")
        self.open_video_button.setEnabled(False)
        self.open_video_button.clicked.connect(lambda: open_path(self.result["video"]))
        box.addWidget(self.open_video_button)
        self.result: dict | None = None

    def result_widget(self) -> QtWidgets.QWidget:
        return self.open_video_button     # the clip above it, its buttons in view

    # -- settings ------------------------------------------------------------------------------
    def state(self) -> dict:
        return {"base": self.base.text(), "motion_adapter": self.motion_adapter.text(),
                "controlnet": self.controlnet.text(), "preset": self.preset.currentData(),
                "reference": self.reference.text(), "prompt": self.prompt.toPlainText(),
                **self.seed.state(), "steps": self.steps.value(), "fps": self.fps.value(),
                "segment_frames": self.segment_frames.value(),
                "device": self.device.currentText(), "precision": self.precision.currentText()}

    def restore(self, state: dict) -> None:
        for picker, key in ((self.base, "base"), (self.motion_adapter, "motion_adapter"),
                            (self.controlnet, "controlnet"), (self.reference, "reference")):
            picker.set_text(str(state.get(key, "") or ""))
        self.preset.setCurrentIndex(max(self.preset.findData(state.get("preset")), 0))
        self.prompt.setPlainText(str(state.get("prompt", "")))
        self.seed.restore(state)
        for box, key in ((self.steps, "steps"), (self.fps, "fps"),
                         (self.segment_frames, "segment_frames")):
            if isinstance(state.get(key), int):
                box.setValue(state[key])
        for combo, key in ((self.device, "device"), (self.precision, "precision")):
            combo.setCurrentIndex(max(combo.findText(str(state.get(key, ""))), 0))
        self._describe_base()

    # -- model family --------------------------------------------------------------------------
    def _on_base_changed(self, _text: str = "") -> None:
        info = self._describe_base()
        if info is not None and not self._restoring:
            self.steps.setValue(0)          # each family has its own sweet spot

    def _describe_base(self):
        from posestudio.generate.video_families import inspect_video_model

        wants_parts = self._takes_parts()
        self.motion_adapter.setVisible(wants_parts)
        self.controlnet.setVisible(wants_parts)
        self.family.setVisible(bool(self.base.text()))
        if not self.base.text():
            self.family.setText("")
            return None
        try:
            info = inspect_video_model(self.base.text(), self.controlnet.text() or None,
                                       self.motion_adapter.text() or None)
        except PoseStudioError as exc:
            self.family.setText(str(exc))
            return None
        spec = info.spec
        self.family.setText(f"{spec.label}: {spec.segment_frames} frames a segment, "
                            f"{spec.default_steps} steps; reference image {spec.reference}")
        return info

    def _takes_parts(self) -> bool:
        """Whether to show the AnimateDiff pickers: they hold paths, or the base folder is a
        Stable Diffusion pipeline (which runs as AnimateDiff with them)."""
        if self.motion_adapter.text() or self.controlnet.text():
            return True
        try:
            index = json.loads((Path(self.base.text()) / "model_index.json").read_text())
        except (OSError, ValueError):
            return False
        return isinstance(index, dict) and str(index.get("_class_name", "")).startswith(
            "StableDiffusion")

    def _update_clip(self) -> None:
        scene = self.doc.scene
        canvas = scene.canvas
        animation = scene.animation
        if animation is None or not getattr(animation, "tracks", None):
            length = "a still pose (no animation)"
        else:
            length = f"animation at {animation.fps:g} fps"
        self.size.setText(f"{canvas.width}×{canvas.height}, {length}")

    # -- request -------------------------------------------------------------------------------
    def build_request(self):
        from posestudio.errors import InputError
        from posestudio.generate.video_params import VideoRequest

        if not self.base.text():
            raise InputError("choose a video model folder")
        return VideoRequest(
            base=self.base.text(), prompt=self.prompt.toPlainText(),
            controlnet=self.controlnet.text() or None,
            motion_adapter=self.motion_adapter.text() or None,
            reference_image=self.reference.text() or None, preset=self.preset.currentData(),
            steps=self.steps.value() or None, seed=self.seed.value(),
            fps=float(self.fps.value()) if self.fps.value() else None,
            segment_frames=self.segment_frames.value() or None,
            device=self.device.currentText(), precision=self.precision.currentText())

    def check(self, request) -> None:
        from posestudio.generate.video import load_reference
        from posestudio.generate.video_families import inspect_video_model

        info = inspect_video_model(request.base, request.controlnet, request.motion_adapter)
        if info.spec.reference == "required" and not request.reference_image:
            from posestudio.errors import InputError

            raise InputError(f"{info.spec.label} needs a reference (character) image")
        load_reference(request.reference_image)

    def apply_request(self, request) -> None:
        """Put a clip's parameters back into the fields (e.g. from its ``.json``)."""
        self._restoring = True
        try:
            self.base.set_text(request.base)
            self.motion_adapter.set_text(request.motion_adapter or "")
            self.controlnet.set_text(request.controlnet or "")
            self.reference.set_text(request.reference_image or "")
            self.preset.setCurrentIndex(max(self.preset.findData(request.preset), 0))
            self.prompt.setPlainText(request.prompt)
            self.seed.set_value(request.seed)
            self.steps.setValue(request.steps or 0)
            self.fps.setValue(int(round(request.fps)) if request.fps else 0)
            self.segment_frames.setValue(request.segment_frames or 0)
            self.device.setCurrentIndex(max(self.device.findText(request.device), 0))
            self.precision.setCurrentIndex(max(self.precision.findText(request.precision), 0))
        finally:
            self._restoring = False
        self._describe_base()
        self._save()

    # -- progress and result -------------------------------------------------------------------
    def run(self) -> bool:
        self.segment.setText("")
        self.segment.hide()
        return super().run()

    def _on_stage(self, text: str) -> None:
        super()._on_stage(text)
        found = SEGMENT.search(text)
        if found:
            self.segment.setText(f"Segment {found.group(1)} of {found.group(2)}")
            self.segment.show()

    def _show_result(self, payload: dict) -> None:
        self.result = payload
        frames = sorted(Path(payload["frames_dir"]).glob("*.png"))
        self.player.play(frames, float(payload["fps"]))
        video = Path(payload["video"])
        request = payload["request"]
        self.result_label.setText(f"{video.name}: {payload['frames']} frames at "
                                  f"{payload['fps']:g} fps · seed {request['seed']}")
        self.result_label.setToolTip(str(video))
        self.open_video_button.setEnabled(True)
        self.result_box.show()
        self._message(f"Wrote {video.name} · seed {request['seed']}")

    def shutdown(self, timeout_ms: int = 30000) -> None:
        self.player.stop()
        super().shutdown(timeout_ms)
