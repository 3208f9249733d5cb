"""The Re-pose panel: redraw the character of the imported photo in the pose of the scene.

Flow: import a photo (its person becomes the mannequin, seen through the photo's camera, and the
photo is kept in the scene), change the pose, press Re-pose. The job process
(:mod:`posestudio.generate.job_service`) renders the pose reference at the photo's framing
(mannequin by default; depth, skeleton or a combination on request) and gives it with the
character image to the image-editing model, through :func:`posestudio.generate.repose.repose`,
the function the CLI calls. Editing models follow the text, so the panel says so and shows the
instruction made from the scene, which is used when the prompt is left empty. The result appears
beside the original; it carries its parameters and the scene, and "Reuse parameters" (with "Also
restore the scene", one undo step) puts them back.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from posestudio.errors import PoseStudioError
from posestudio.generate.params import DEVICES, PRECISIONS

from .job_panel import JobPanel
from .job_widgets import ImageField, SeedField, thumbnail
from .widgets import PathPicker, dim_label

__all__ = ["REFERENCES", "SETTINGS_KEY", "ReposePanel"]

SETTINGS_KEY = "generate/repose"
#: reference choices: value given to the model, label
REFERENCES = (("mannequin", "Mannequin render"), ("depth", "Depth map"),
              ("openpose", "OpenPose skeleton"), ("mannequin+openpose", "Mannequin + skeleton"),
              ("depth+openpose", "Depth + skeleton"))
SIDE = 140
PROMPT_DELAY_MS = 300


def photo_image(scene) -> str:
    """The scene's photo if it is an image file that exists ("" otherwise: none, or a JSON)."""
    photo = getattr(scene, "photo", None)
    if photo is None or Path(photo.path).suffix.lower() == ".json":
        return ""
    return photo.path if Path(photo.path).is_file() else ""


class ReposePanel(JobPanel):
    """Editing model, character image, pose reference and instruction; Re-pose; the result beside
    the original, reusable."""

    kind = "repose"
    settings_key = SETTINGS_KEY
    run_text = "Re-pose"
    suffix = ".png"

    # -- layout --------------------------------------------------------------------------------
    def _build_fields(self, layout: QtWidgets.QVBoxLayout) -> None:
        models = QtWidgets.QGroupBox("Editing model")
        column = QtWidgets.QVBoxLayout(models)
        self.base = PathPicker("Qwen-Image-Edit, FLUX Kontext or FLUX.2 folder", files=False)
        self.family = dim_label()
        column.addWidget(self.base)
        column.addWidget(self.family)
        layout.addWidget(models)

        inputs = QtWidgets.QGroupBox("Character and pose")
        form = QtWidgets.QFormLayout(inputs)
        self.character = ImageField("the scene's photo")
        self.character.setToolTip("The character to redraw; empty: the photo the scene was "
                                  "imported from")
        self.reference = QtWidgets.QComboBox()
        for value, label in REFERENCES:
            self.reference.addItem(label, value)
        self.reference.setToolTip("What the model is shown of the new pose, rendered from the "
                                  "photo's camera at its framing")
        self.layout_box = QtWidgets.QComboBox()
        self.layout_box.addItem("side by side", "side")
        self.layout_box.addItem("stacked", "stack")
        self.layout_box.setToolTip("One-image models (FLUX.1 Kontext): how character and "
                                   "reference are put together")
        form.addRow("Character", self.character)
        form.addRow("Reference", self.reference)
        form.addRow("Compose", self.layout_box)
        self.inputs_form = form
        form.setRowVisible(self.layout_box, False)      # one-image models only
        layout.addWidget(inputs)

        prompts = QtWidgets.QGroupBox("Instruction")
        column = QtWidgets.QVBoxLayout(prompts)
        note = QtWidgets.QLabel("Editing models follow the text: say what should change. Left "
                                "empty, this instruction made from the scene is used:")
        note.setWordWrap(True)
        self.prompt = QtWidgets.QPlainTextEdit()
        self.prompt.setFixedHeight(54)
        self.auto_prompt = QtWidgets.QLabel("")
        self.auto_prompt.setWordWrap(True)
        self.auto_prompt.setStyleSheet("color: #999; font-style: italic;")
        self.auto_prompt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(note)
        column.addWidget(self.auto_prompt)
        column.addWidget(self.prompt)
        layout.addWidget(prompts)

        params = QtWidgets.QGroupBox("Parameters")
        form = QtWidgets.QFormLayout(params)
        self.seed = SeedField()
        self.steps = QtWidgets.QSpinBox()
        self.steps.setRange(0, 1000)
        self.steps.setSpecialValueText("the model's")
        self.steps.setToolTip("Denoising steps (0: the model's default)")
        self.device = QtWidgets.QComboBox()
        self.device.addItems(DEVICES)
        self.precision = QtWidgets.QComboBox()
        self.precision.addItems(PRECISIONS)
        form.addRow("Seed", self.seed)
        form.addRow("Steps", self.steps)
        form.addRow("Device", self.device)
        form.addRow("Precision", self.precision)
        layout.addWidget(params)

        self._prompt_timer = QtCore.QTimer(self)
        self._prompt_timer.setSingleShot(True)
        self._prompt_timer.setInterval(PROMPT_DELAY_MS)
        self._prompt_timer.timeout.connect(self.update_auto_prompt)
        self.doc.changed.connect(lambda *_: self._on_scene_changed())
        self.base.changed.connect(lambda *_: (self._describe_base(), self._prompt_timer.start()))
        self.reference.currentIndexChanged.connect(lambda *_: self._prompt_timer.start())
        self.layout_box.currentIndexChanged.connect(lambda *_: self._prompt_timer.start())
        self.character.changed.connect(lambda *_: self._show_character())
        self.remember(self.base.changed, self.character.changed,
                      self.reference.currentIndexChanged, self.layout_box.currentIndexChanged,
                      self.prompt.textChanged, self.seed.changed, self.steps.valueChanged,
                      self.device.currentIndexChanged, self.precision.currentIndexChanged)

    def _build_result(self, layout: QtWidgets.QVBoxLayout) -> None:
        pair = QtWidgets.QHBoxLayout()
        self.original_view = self._picture("Original")
        self.result_view = self._picture("Re-posed")
        pair.addLayout(self.original_view.box)
        pair.addLayout(self.result_view.box)
        pair.addStretch(1)
        layout.addLayout(pair)
        self.gallery = QtWidgets.QListWidget()
        self.gallery.setViewMode(QtWidgets.QListView.ViewMode.IconMode)
        self.gallery.setIconSize(QtCore.QSize(56, 56))
        self.gallery.setFlow(QtWidgets.QListView.Flow.LeftToRight)
        self.gallery.setWrapping(False)
        self.gallery.setFixedHeight(80)
        self.gallery.hide()                             # shown with the first result
        self.gallery.currentRowChanged.connect(self._show_entry)
        layout.addWidget(self.gallery)
        self._add_reuse_row(
            layout, "Put the selected result's parameters (seed included) back into the fields",
            "Reuse the parameters saved in a re-posed PNG",
            "Reusing also puts back the pose, camera and photo the image was made from; one "
            "Undo brings the current scene back")
        self.results: list[dict] = []

    @staticmethod
    def _picture(title: str) -> QtWidgets.QLabel:
        view = QtWidgets.QLabel()
        view.setFixedSize(SIDE, SIDE)
        view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        view.setStyleSheet("border: 1px solid #555;")
        caption = QtWidgets.QLabel(title)
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        view.box = QtWidgets.QVBoxLayout()
        view.box.addWidget(caption)
        view.box.addWidget(view)
        return view

    def result_widget(self) -> QtWidgets.QWidget:
        return self.result_view

    # -- settings ------------------------------------------------------------------------------
    def state(self) -> dict:
        return {"base": self.base.text(), "character": self.character.text(),
                "reference": self.reference.currentData(), "layout": self.layout_box.currentData(),
                "prompt": self.prompt.toPlainText(), **self.seed.state(),
                "steps": self.steps.value(), "device": self.device.currentText(),
                "precision": self.precision.currentText()}

    def restore(self, state: dict) -> None:
        self.base.set_text(str(state.get("base", "") or ""))
        self.character.set_text(str(state.get("character", "") or ""))
        for combo, key in ((self.reference, "reference"), (self.layout_box, "layout")):
            combo.setCurrentIndex(max(combo.findData(state.get(key)), 0))
        self.prompt.setPlainText(str(state.get("prompt", "")))
        self.seed.restore(state)
        if isinstance(state.get("steps"), int):
            self.steps.setValue(state["steps"])
        for combo, key in ((self.device, "device"), (self.precision, "precision")):
            combo.setCurrentIndex(max(combo.findText(str(state.get(key, ""))), 0))
        self._describe_base()
        self._show_character()
        self.update_auto_prompt()

    # -- model, character, instruction ---------------------------------------------------------
    def _describe_base(self):
        from posestudio.generate.edit_families import inspect_edit_model

        self.family.setVisible(bool(self.base.text()))
        self.inputs_form.setRowVisible(self.layout_box, False)
        if not self.base.text():
            self.family.setText("")
            return None
        try:
            info = inspect_edit_model(self.base.text())
        except PoseStudioError as exc:
            self.family.setText(str(exc))
            return None
        self.family.setText(f"{info.spec.label}: {info.default_steps} steps by default")
        self.inputs_form.setRowVisible(self.layout_box, info.spec.layout == "composite")
        return info

    def character_path(self) -> str:
        """The character image: the field, else the scene's photo."""
        return self.character.text() or photo_image(self.doc.scene)

    def _show_character(self) -> None:
        path = self.character_path()
        self.character.show_image(path)
        self.original_view.setPixmap(thumbnail(path, SIDE) if path else QtGui.QPixmap())
        self.original_view.setToolTip(path)

    def _on_scene_changed(self) -> None:
        if not self.character.text():
            self._show_character()              # a photo imported or undone
        if self.isVisible():                    # hidden behind a tab: made again when shown
            self._prompt_timer.start()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self._prompt_timer.start()

    def update_auto_prompt(self) -> str:
        """Make the instruction of the scene (as the job would) and show it; returns it."""
        from posestudio.generate.describe import describe_scene
        from posestudio.generate.repose import instruction, parse_reference

        info = self._describe_base()
        family_layout = info.spec.layout if info is not None else "multi"
        try:
            text = instruction(describe_scene(self.doc.scene), family_layout,
                               parse_reference(self.reference.currentData()),
                               self.layout_box.currentData())
        except PoseStudioError as exc:
            text = f"(no instruction: {exc})"
        self.auto_prompt.setText(text)
        self.prompt.setPlaceholderText("your own instruction (optional)")
        return text

    # -- request -------------------------------------------------------------------------------
    def build_request(self):
        from posestudio.errors import InputError
        from posestudio.generate.repose import ReposeRequest

        if not self.base.text():
            raise InputError("choose an image-editing model folder")
        if not self.character_path():
            raise InputError("choose the character image, or import a photo first "
                             "(File ▸ Import Photo…)")
        return ReposeRequest(
            base=self.base.text(), image=self.character_path(),
            reference=self.reference.currentData(), prompt=self.prompt.toPlainText(),
            steps=self.steps.value() or None, seed=self.seed.value(),
            layout=self.layout_box.currentData(), device=self.device.currentText(),
            precision=self.precision.currentText())

    def check(self, request) -> None:
        from posestudio.generate.edit_families import inspect_edit_model
        from posestudio.generate.repose import load_character

        inspect_edit_model(request.base)
        load_character(request.image)

    def apply_request(self, request) -> None:
        """Put a re-pose's parameters into the fields (the prompt used is kept as typed text)."""
        self._restoring = True
        try:
            self.base.set_text(request.base)
            self.character.set_text("" if request.image == photo_image(self.doc.scene)
                                    else request.image)
            self.reference.setCurrentIndex(max(self.reference.findData(request.reference), 0))
            self.layout_box.setCurrentIndex(max(self.layout_box.findData(request.layout), 0))
            self.prompt.setPlainText(request.prompt)
            self.seed.set_value(request.seed)
            self.steps.setValue(request.steps or 0)
            self.device.setCurrentIndex(max(self.device.findText(request.device), 0))
            self.precision.setCurrentIndex(max(self.precision.findText(request.precision), 0))
        finally:
            self._restoring = False
        self._describe_base()
        self._show_character()
        self._save()
        self._message(f"Parameters reused (seed {request.seed})")

    # -- reuse ---------------------------------------------------------------------------------
    def reuse_selected(self) -> None:
        row = self.gallery.currentRow()
        if 0 <= row < len(self.results):
            self.reuse_file(self.results[row]["image"])

    def reuse_file(self, path: str | Path, with_scene: bool | None = None) -> bool:
        """Reuse the parameters a re-posed PNG stores and, ``with_scene`` (default: the "Also
        restore the scene" box), its scene as one undo step. False, with one line in the status
        and nothing changed, if the PNG has none or they are damaged."""
        from posestudio.generate.repose import read_repose_parameters
        from posestudio.scene.file_format import scene_from_dict

        if with_scene is None:
            with_scene = self.reuse_scene.isChecked()
        try:
            request, scene_dict = read_repose_parameters(path)
            scene = scene_from_dict(scene_dict) if with_scene and scene_dict else None
        except PoseStudioError as exc:
            self._message(str(exc), error=True)
            return False
        self._apply_reused(path, request, scene)
        return True

    # -- result --------------------------------------------------------------------------------
    def _show_result(self, payload: dict) -> None:
        self.results.append(payload)
        item = QtWidgets.QListWidgetItem(QtGui.QIcon(QtGui.QPixmap(payload["image"])),
                                         f"seed {payload['request']['seed']}")
        item.setToolTip(f"{payload['image']}\n{payload['request']['prompt']}")
        self.gallery.addItem(item)
        self.gallery.show()
        self.gallery.setCurrentRow(self.gallery.count() - 1)
        request = payload["request"]
        self._message(f"Wrote {Path(payload['image']).name} · seed {request['seed']} · "
                      f"reference {request['reference']}")

    def _show_entry(self, row: int) -> None:
        selected = 0 <= row < len(self.results)
        self.reuse_button.setEnabled(selected)
        if not selected:
            self.result_view.clear()
            return
        payload = self.results[row]
        self.result_view.setPixmap(thumbnail(payload["image"], SIDE))
        self.result_view.setToolTip(payload["image"])
        self.original_view.setPixmap(thumbnail(payload["request"]["image"], SIDE))
        self.original_view.setToolTip(payload["request"]["image"])
