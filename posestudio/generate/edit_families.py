"""Image-editing pipeline families for re-posing a character: which one a model folder is, and
how it takes the character and the pose reference.

``layout`` "multi": the pipeline takes several input images (character first, then each
reference); "composite": it takes one image, so character and reference go side by side (or
stacked) and the output is cropped back to the character's half. Files only: no torch/diffusers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from posestudio.errors import GenerationError
from posestudio.generate.families import _exists, _family_of_pipeline, _read_json, missing_components
from posestudio.generate.video_families import listed


@dataclass(frozen=True)
class EditFamily:
    """An image-editing diffusers pipeline and how PoseStudio drives it.

    ``guidance_arg`` names the ``__call__`` argument the guidance value goes to
    (``true_cfg_scale``: real classifier-free guidance with a negative prompt;
    ``guidance_scale``: the distilled guidance input); ``min_side`` is the smallest input side
    the pipeline accepts (pixels).
    """

    key: str
    label: str
    pipeline: str
    layout: str
    default_steps: int
    default_guidance: float
    guidance_arg: str
    size_multiple: int = 16
    min_side: int = 16
    max_references: int = 3


EDIT_FAMILIES: dict[str, EditFamily] = {f.key: f for f in (
    EditFamily("qwen-edit-plus", "Qwen-Image-Edit (2509+)", "QwenImageEditPlusPipeline", "multi",
               40, 4.0, "true_cfg_scale", max_references=2),
    EditFamily("qwen-edit", "Qwen-Image-Edit", "QwenImageEditPipeline", "composite", 40, 4.0,
               "true_cfg_scale"),
    EditFamily("flux-kontext", "FLUX.1 Kontext", "FluxKontextPipeline", "composite", 28, 2.5,
               "guidance_scale"),
    EditFamily("flux2", "FLUX.2", "Flux2Pipeline", "multi", 50, 4.0, "guidance_scale",
               min_side=64, max_references=9),
    EditFamily("flux2-klein", "FLUX.2 [klein]", "Flux2KleinPipeline", "multi", 28, 4.0,
               "guidance_scale", min_side=64, max_references=9),
)}
_BY_CLASS = {f.pipeline: f.key for f in EDIT_FAMILIES.values()}


@dataclass(frozen=True)
class EditModelInfo:
    """A checked editing model folder; ``distilled`` for step-distilled FLUX.2 [klein] models
    (4 steps, guidance 1 by default)."""

    path: Path
    family: str
    variant: str | None = None
    distilled: bool = False

    @property
    def spec(self) -> EditFamily:
        return EDIT_FAMILIES[self.family]

    @property
    def default_steps(self) -> int:
        return 4 if self.distilled else self.spec.default_steps

    @property
    def default_guidance(self) -> float:
        return 1.0 if self.distilled else self.spec.default_guidance


def inspect_edit_model(path: str | Path) -> EditModelInfo:
    """Identify and check an image-editing model folder.

    Raises
    ------
    GenerationError
        One line: missing folder/file, a ControlNet image model or another pipeline given where
        an editing model is needed, an incomplete folder.
    """
    path = _exists(Path(path), "editing model")
    if path.is_file() or not (path / "model_index.json").is_file():
        raise GenerationError(f"editing model {path}: give the diffusers folder (with "
                              f"model_index.json) of Qwen-Image-Edit, FLUX.1 Kontext or FLUX.2")
    model_index = _read_json(path / "model_index.json")
    class_name = str(model_index.get("_class_name", ""))
    family = _BY_CLASS.get(class_name)
    if family is None:
        kind = ("a text-to-image base (use it with 'posestudio generate' and a ControlNet)"
                if _family_of_pipeline(class_name) else f"a {class_name!r}")
        raise GenerationError(f"editing model {path} is {kind}; re-pose needs an image-editing "
                              f"model: " + ", ".join(f.label for f in EDIT_FAMILIES.values()))
    missing, variant = missing_components(path, model_index)
    if missing:
        raise GenerationError(f"editing model folder {path} is incomplete: missing "
                              + listed(missing))
    return EditModelInfo(path, family, variant, bool(model_index.get("is_distilled", False)))
