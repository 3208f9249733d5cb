"""The Generate panel: local ControlNet generation from the scene, without blocking the editor.

The user picks a base model and one ControlNet per control map ("OpenPose 1.0 + depth 0.5"),
types a prompt and presses Generate. The panel checks the model files at once (a wrong pairing
or a missing file is reported before anything starts), then hands a snapshot of the scene and the
request to the generation process (:mod:`posestudio.generate.service`: control maps, model
loading and denoising run there, through the same ``generate_scene`` the CLI uses), through a
:class:`~ui.generate.job.JobRunner` that reports stage and per-step progress; Cancel takes
effect within one step. Results land in a gallery next to the control maps that made them;
"Reuse parameters" puts a result's parameters back into the fields and, with "Also restore the
scene", the scene it was made from (one undo step). Model paths and fields are remembered in the
app settings (:mod:`ui.generate.settings`), steps and guidance per model as well. The image size
is the scene canvas's, or a long side the user picks (the canvas's aspect kept), rounded as the
model family needs; the control maps are rendered at that size and the scene is left alone. The
Generate/Cancel row, progress, status and the output folder ("Open folder") stay at the bottom,
outside the scrolling fields. The widgets themselves live in :mod:`ui.generate.widgets`.

No modal dialog opens except the file pickers behind the "…" buttons: errors go to the panel's
status line and the window's status bar.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Signal

from posestudio.errors import PoseStudioError
from posestudio.generate.params import (DEVICES, OFFLOADS, PRECISIONS, SCHEDULERS,
                                        GenerationRequest, MemoryOptions, generation_size,
                                        parse_seed)

from .job import ServiceJob
from .run_controls import RunControls
from .service import generation_service
from .settings import load_state, remember_for_model, remembered_for_model, save_state
from .widgets import (THUMB, ControlRow, GalleryEntry, PathPicker, ResultStrip, VerticalScroll,
                      dim_label)

__all__ = ["DEFAULT_ROWS", "MODELS_KEY", "SETTINGS_KEY", "GeneratePanel"]

DEFAULT_ROWS = (("openpose", 1.0, True), ("depth", 0.5, False))
SETTINGS_KEY = "generate/state"
MODELS_KEY = "generate/models"      # steps and guidance per base model path and family


class GeneratePanel(RunControls, QtWidgets.QWidget):
    """Models, prompt and parameters, Generate/Cancel with progress, and the results gallery.

    Signals
    -------
    resultAdded(GalleryEntry)   after each image of a finished run lands in the gallery
    runFinished(str)            "done", "cancelled" or "failed" when a run ends
    """

    run_text = "Generate"

    resultAdded = Signal(object)
    runFinished = Signal(str)

    def __init__(self, document, parent=None, *, status_bar: QtWidgets.QStatusBar | None = None,
                 output_dir: Path | None = None) -> None:
        super().__init__(parent)
        self._follow(generation_service, document, status_bar, output_dir)
        self.entries: list[GalleryEntry] = []
        self.rows: list[ControlRow] = []
        self._restoring = False
        self._model = None           # ModelInfo of the base model, when it is usable
        self._multiple = 8           # its output size multiple (pixels)
        self._build()
        self._restore()
        self.doc.changed.connect(lambda *_: self._update_size())
        self._update_size()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        self.fields_scroll = VerticalScroll(body)
        outer.addWidget(self.fields_scroll, 1)
        models = QtWidgets.QGroupBox("Models")
        column = QtWidgets.QVBoxLayout(models)
        self.base = PathPicker("Base model folder (model_index.json) or .safetensors")
        self.base.changed.connect(self._on_base_changed)
        self.family = dim_label()
        column.addWidget(QtWidgets.QLabel("Base model"))
        column.addWidget(self.base)
        column.addWidget(self.family)
        column.addWidget(QtWidgets.QLabel("ControlNets (tick, control map, weight)"))
        self.rows_box = QtWidgets.QVBoxLayout()
        column.addLayout(self.rows_box)
        add = QtWidgets.QPushButton("Add ControlNet")
        add.clicked.connect(lambda: self.add_row("openpose", 1.0, True))
        column.addWidget(add)
        layout.addWidget(models)

        prompts = QtWidgets.QGroupBox("Prompt")
        form = QtWidgets.QFormLayout(prompts)
        self.prompt = QtWidgets.QPlainTextEdit()
        self.prompt.setPlaceholderText("a dancer on a stage, studio light")
        self.prompt.setFixedHeight(60)
        self.negative = QtWidgets.QPlainTextEdit()
        self.negative.setPlaceholderText("blurry, extra limbs")
        self.negative.setFixedHeight(40)
        form.addRow("Prompt", self.prompt)
        form.addRow("Negative", self.negative)
        layout.addWidget(prompts)

        params = QtWidgets.QGroupBox("Parameters")
        form = QtWidgets.QFormLayout(params)
        self.steps = QtWidgets.QSpinBox()
        self.steps.setRange(1, 1000)
        self.steps.setValue(30)
        self.guidance = QtWidgets.QDoubleSpinBox()
        self.guidance.setRange(0.0, 100.0)
        self.guidance.setSingleStep(0.5)
        self.guidance.setValue(7.0)
        seed_row = QtWidgets.QHBoxLayout()
        self.seed = QtWidgets.QLineEdit("0")
        self.seed.setValidator(QtGui.QRegularExpressionValidator(QtCore.QRegularExpression(r"\d{0,10}")))
        self.random_seed = QtWidgets.QCheckBox("random")
        self.random_seed.setChecked(True)
        self.random_seed.toggled.connect(lambda on: self.seed.setEnabled(not on))
        self.seed.setEnabled(False)
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.random_seed)
        self.batch = QtWidgets.QSpinBox()
        self.batch.setRange(1, 64)
        self.scheduler = QtWidgets.QComboBox()
        self.scheduler.addItems(SCHEDULERS)
        self.device = QtWidgets.QComboBox()
        self.device.addItems(DEVICES)
        self.precision = QtWidgets.QComboBox()
        self.precision.addItems(PRECISIONS)
        self.offload = QtWidgets.QComboBox()
        self.offload.addItems(OFFLOADS)
        self.offload.setToolTip("CPU offload for small GPUs (slower, far less GPU memory)")
        self.vae_tiling = QtWidgets.QCheckBox("VAE tiling")
        self.long_side = QtWidgets.QSpinBox()
        self.long_side.setRange(0, 8192)
        self.long_side.setSingleStep(64)
        self.long_side.setSuffix(" px")
        self.long_side.setSpecialValueText("scene canvas")
        self.long_side.setToolTip("Long side of the generated image in pixels: the scene "
                                  "canvas's aspect is kept and each side rounded as the model "
                                  "needs; the scene itself does not change")
        self.long_side.valueChanged.connect(lambda *_: self._update_size())
        self.size = dim_label()
        form.addRow("Steps", self.steps)
        form.addRow("Guidance", self.guidance)
        form.addRow("Seed", seed_row)
        form.addRow("Batch", self.batch)
        form.addRow("Scheduler", self.scheduler)
        form.addRow("Device", self.device)
        form.addRow("Precision", self.precision)
        form.addRow("Offload", self.offload)
        form.addRow("", self.vae_tiling)
        form.addRow("Long side", self.long_side)
        form.addRow("Size", self.size)
        layout.addWidget(params)

        self._add_action_row(outer, self.generate)        # fixed below the scrolling fields
        self.generate_button = self.run_button

        self.gallery = QtWidgets.QListWidget()
        self.gallery.setViewMode(QtWidgets.QListView.ViewMode.IconMode)
        self.gallery.setIconSize(QtCore.QSize(THUMB, THUMB))
        self.gallery.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.gallery.setMinimumHeight(THUMB + 30)
        self.gallery.currentRowChanged.connect(self._show_entry)
        layout.addWidget(self.gallery, 1)
        self.strip = ResultStrip()
        layout.addWidget(self.strip)
        self._add_reuse_row(
            layout, "Put the selected image's parameters (seed included) back into the fields",
            "Reuse the parameters saved in a PoseStudio PNG",
            "Reusing also puts back the scene the image was made from (pose, camera, canvas), so "
            "Generate remakes the same image; one Undo brings the current scene back")

        for signal in (self.prompt.textChanged, self.negative.textChanged, self.steps.valueChanged,
                       self.guidance.valueChanged, self.batch.valueChanged,
                       self.scheduler.currentIndexChanged, self.device.currentIndexChanged,
                       self.precision.currentIndexChanged, self.offload.currentIndexChanged,
                       self.vae_tiling.toggled, self.random_seed.toggled, self.seed.editingFinished,
                       self.long_side.valueChanged):
            signal.connect(lambda *_: self._save())

    def add_row(self, map_name: str = "openpose", scale: float = 1.0, enabled: bool = True,
                path: str = "", start: float = 0.0, end: float = 1.0) -> ControlRow:
        row = ControlRow(map_name, scale, enabled, path, start, end)
        row.changed.connect(self._save)
        row.removed.connect(self._remove_row)
        self.rows.append(row)
        self.rows_box.addWidget(row)
        self._save()
        return row

    def _remove_row(self, row: ControlRow) -> None:
        self.rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self._save()

    def _clear_rows(self) -> None:
        for row in list(self.rows):
            self.rows.remove(row)
            row.setParent(None)
            row.deleteLater()

    # -- settings ------------------------------------------------------------------------------
    def state(self) -> dict:
        """What the settings remember: model pickers, control rows and the fields."""
        return {"base": self.base.text(), "controlnets": [r.state() for r in self.rows],
                "prompt": self.prompt.toPlainText(), "negative": self.negative.toPlainText(),
                "steps": self.steps.value(), "guidance": self.guidance.value(),
                "seed": self.seed.text(), "random_seed": self.random_seed.isChecked(),
                "batch": self.batch.value(), "scheduler": self.scheduler.currentText(),
                "device": self.device.currentText(), "precision": self.precision.currentText(),
                "offload": self.offload.currentText(), "vae_tiling": self.vae_tiling.isChecked(),
                "long_side": self.long_side.value()}

    def _save(self) -> None:
        if self._restoring:
            return
        save_state(SETTINGS_KEY, self.state())
        if self._model is not None:
            remember_for_model(MODELS_KEY, str(self._model.path), self._model.family,
                               {"steps": self.steps.value(), "guidance": self.guidance.value()})

    def _restore(self) -> None:
        state = load_state(SETTINGS_KEY)
        self._restoring = True
        try:
            self.base.set_text(str(state.get("base", "")))
            rows = state.get("controlnets") or [{"map": m, "scale": s, "enabled": e}
                                                 for m, s, e in DEFAULT_ROWS]
            for row in rows:
                try:
                    self.add_row(row.get("map", "openpose"), float(row.get("scale", 1.0)),
                                 bool(row.get("enabled", True)), str(row.get("path", "")),
                                 float(row.get("start", 0.0)), float(row.get("end", 1.0)))
                except (TypeError, ValueError, AttributeError):
                    continue
            self.prompt.setPlainText(str(state.get("prompt", "")))
            self.negative.setPlainText(str(state.get("negative", "")))
            for box, key in ((self.steps, "steps"), (self.batch, "batch"),
                             (self.long_side, "long_side")):
                if isinstance(state.get(key), int):
                    box.setValue(state[key])
            if isinstance(state.get("guidance"), (int, float)):
                self.guidance.setValue(float(state["guidance"]))
            self.seed.setText(str(state.get("seed", "0")))
            self.random_seed.setChecked(bool(state.get("random_seed", True)))
            for combo, key in ((self.scheduler, "scheduler"), (self.device, "device"),
                               (self.precision, "precision"), (self.offload, "offload")):
                index = combo.findText(str(state.get(key, "")))
                if index >= 0:
                    combo.setCurrentIndex(index)
            self.vae_tiling.setChecked(bool(state.get("vae_tiling", False)))
        finally:
            self._restoring = False
        self._describe_base()

    # -- model family --------------------------------------------------------------------------
    def _on_base_changed(self, _text: str = "") -> None:
        """A new base model: its own steps and guidance come back (those last used with it, else
        with its family, else the family's defaults)."""
        info = self._describe_base()
        if info is not None:
            from posestudio.generate.families import FAMILIES

            family = FAMILIES[info.family]
            fields = remembered_for_model(MODELS_KEY, str(info.path), info.family)
            steps, guidance = fields.get("steps"), fields.get("guidance")
            self._restoring = True           # one save of the pair below, not one per field
            try:
                self.steps.setValue(steps if isinstance(steps, int) and not isinstance(steps, bool)
                                    else family.default_steps)
                self.guidance.setValue(float(guidance) if isinstance(guidance, (int, float))
                                       else family.default_guidance)
            finally:
                self._restoring = False
        self._save()

    def _describe_base(self):
        from posestudio.generate.families import base_size_multiple, inspect_base

        self._model, self._multiple = None, 8
        if not self.base.text():
            self.family.setText("")
            self._update_size()
            return None
        try:
            info = inspect_base(self.base.text())
            multiple = base_size_multiple(info)
        except PoseStudioError as exc:
            self.family.setText(str(exc))
            self._update_size()
            return None
        self._model, self._multiple = info, multiple
        self.family.setText(info.label)
        self._update_size()
        return info

    def generation_size(self) -> tuple[int, int]:
        """(width, height) in pixels of the images a run makes now: the scene canvas, or the
        long side picked with the canvas's aspect, rounded to the base model's size multiple
        (8 while no usable base model is chosen)."""
        canvas = self.doc.scene.canvas
        return generation_size((canvas.width, canvas.height), self.long_side.value(),
                               self._multiple)

    def _update_size(self) -> None:
        if not hasattr(self, "long_side"):
            return
        canvas = self.doc.scene.canvas
        width, height = self.generation_size()
        if self.long_side.value():
            note = f"canvas aspect, ÷{self._multiple}"
        elif (width, height) != (canvas.width, canvas.height):
            note = f"scene canvas {canvas.width}×{canvas.height} rounded to ÷{self._multiple}"
        else:
            note = "scene canvas"
        self.size.setText(f"{width}×{height} ({note})")

    # -- request -------------------------------------------------------------------------------
    def build_request(self) -> GenerationRequest:
        """The request of the fields at :meth:`generation_size`; PoseStudioError names a bad
        field."""
        from posestudio.errors import InputError

        specs = [s for s in (r.spec() for r in self.rows) if s is not None]
        if not self.base.text():
            raise InputError("choose a base model (a diffusers folder or a .safetensors file)")
        if not specs:
            raise InputError("tick at least one ControlNet and choose its model")
        seed = None if self.random_seed.isChecked() else parse_seed(self.seed.text() or "0")
        width, height = self.generation_size()
        return GenerationRequest(
            base=self.base.text(), controlnets=specs, prompt=self.prompt.toPlainText(),
            negative_prompt=self.negative.toPlainText(), steps=self.steps.value(),
            guidance=self.guidance.value(), seed=seed, batch_count=self.batch.value(),
            width=width, height=height, scheduler=self.scheduler.currentText(),
            device=self.device.currentText(), precision=self.precision.currentText(),
            memory=MemoryOptions(self.offload.currentText(), self.vae_tiling.isChecked()))

    def apply_request(self, request: GenerationRequest) -> None:
        """Put a request's parameters into the fields, its size as the long side (or "scene
        canvas" where that gives the same size)."""
        self._restoring = True
        try:
            self.base.set_text(request.base)
            self._clear_rows()
            for spec in request.controlnets:
                self.add_row(spec.map, spec.scale, True, spec.path, spec.start, spec.end)
            self.prompt.setPlainText(request.prompt)
            self.negative.setPlainText(request.negative_prompt)
            if request.steps is not None:
                self.steps.setValue(request.steps)
            if request.guidance is not None:
                self.guidance.setValue(request.guidance)
            self.random_seed.setChecked(request.seed is None)
            self.seed.setText(str(request.seed if request.seed is not None else 0))
            self.batch.setValue(request.batch_count)
            for combo, value in ((self.scheduler, request.scheduler), (self.device, request.device),
                                 (self.precision, request.precision),
                                 (self.offload, request.memory.offload)):
                combo.setCurrentIndex(max(combo.findText(value), 0))
            self.vae_tiling.setChecked(request.memory.vae_tiling)
        finally:
            self._restoring = False
        self._describe_base()
        size = (request.width, request.height)
        self.long_side.setValue(0)
        if self.generation_size() != size:
            self.long_side.setValue(max(size))
        self._save()
        if self.generation_size() != size:
            width, height = self.generation_size()
            self._message(f"Parameters reused; that image was {request.width}×{request.height}, "
                          f"this scene's canvas makes {width}×{height}")
        else:
            self._message(f"Parameters reused (seed {request.seed})")

    def reuse_selected(self) -> None:
        """"Reuse parameters" of the gallery's selected image (and its scene, if ticked)."""
        row = self.gallery.currentRow()
        if not 0 <= row < len(self.entries):
            return
        if self.reuse_scene.isChecked():
            self.reuse_file(self.entries[row].path)    # the scene lives in the PNG
        else:
            self.apply_request(self.entries[row].request)

    def reuse_file(self, path: str | Path, with_scene: bool | None = None) -> bool:
        """Reuse the parameters saved in a PoseStudio PNG and, ``with_scene`` (default: the
        "Also restore the scene" box), the scene embedded in it as one undo step.

        Returns False, with one message in the status line and nothing changed (fields, scene,
        undo stack), if the PNG has no PoseStudio parameters or its scene is missing or damaged.
        """
        from posestudio.generate.metadata import read_output

        if with_scene is None:
            with_scene = self.reuse_scene.isChecked()
        try:
            saved = read_output(path)
            scene = saved.scene() if with_scene else None
        except PoseStudioError as exc:
            self._message(str(exc), error=True)
            return False
        self._apply_reused(path, saved.request, scene)
        return True

    # -- running -------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """A run is under way: from Generate until its done/failed/cancelled report. (Its
        thread may take a moment longer to end; the next run does not wait for that.)"""
        return self.runner.running

    @property
    def thread(self) -> ServiceJob | None:
        """The thread following the current (or last) run, until it is released."""
        return self.runner.thread

    @property
    def output_dir(self) -> Path | None:
        """The folder images are saved in; None: the app's (``default_output_dir()``)."""
        return self._output_override

    @output_dir.setter
    def output_dir(self, folder: str | Path | None) -> None:
        self._output_override = Path(folder) if folder else None
        if hasattr(self, "saved_in"):
            self.show_output_dir()

    def output_folder_url(self) -> QtCore.QUrl:
        """What "Open folder" hands to the desktop: the output folder as a file URL."""
        return QtCore.QUrl.fromLocalFile(str(self._output_dir()))

    def _output_path(self) -> Path:
        return self._new_output("", ".png")

    def generate(self) -> bool:
        """Start a run in the background; False (with a message in the status line) if the
        fields are wrong or a run is already going."""
        if self.running:
            return False
        from posestudio.generate.outputs import check_models
        from posestudio.scene.file_format import scene_to_dict

        try:
            request = self.build_request()
            check_models(request)        # milliseconds: a wrong pairing is reported at once
        except PoseStudioError as exc:
            self._message(str(exc), error=True)
            return False
        self._save()
        from posestudio.scene.model import Canvas

        scene = self.doc.scene.copy()        # the maps are rendered at the generation size
        scene.canvas = Canvas(request.width, request.height)
        scene, out = scene_to_dict(scene), str(self._output_path())
        self._start_busy()
        return self.runner.start(lambda service: service.submit(scene, request.to_dict(), out))

    def _on_stage(self, text: str) -> None:
        self._message(text + "…")

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status.setText(f"Step {done}/{total}")

    def _on_succeeded(self, done: dict) -> None:
        maps = {name: Path(p) for name, p in done["maps"].items()}
        entries = [GalleryEntry(Path(path), GenerationRequest.from_dict(request), done["family"],
                                maps) for path, request in zip(done["images"], done["requests"])]
        for entry in entries:
            self.entries.append(entry)
            item = QtWidgets.QListWidgetItem(QtGui.QIcon(QtGui.QPixmap(str(entry.path))),
                                             f"seed {entry.request.seed}")
            item.setToolTip(f"{entry.path}\n{entry.request.prompt}")
            self.gallery.addItem(item)
            self.resultAdded.emit(entry)
        self.gallery.setCurrentRow(self.gallery.count() - 1)
        seeds = ", ".join(str(e.request.seed) for e in entries)
        self._message(f"Wrote {entries[0].path.name}"
                      + (f" (+{len(entries) - 1})" if len(entries) > 1 else "")
                      + f" · seed {seeds}")

    # -- gallery -------------------------------------------------------------------------------
    def _show_entry(self, row: int) -> None:
        selected = 0 <= row < len(self.entries)
        self.reuse_button.setEnabled(selected)
        self.strip.show_entry(self.entries[row] if selected else None)
