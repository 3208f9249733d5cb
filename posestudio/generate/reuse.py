"""Putting back the scene an output image was made from, as one undoable edit.

"Reuse parameters and scene" swaps the whole document scene for the one embedded in a PNG
(:meth:`~posestudio.generate.metadata.SavedOutput.scene`). :class:`ReplaceScene` does that in
place (the document keeps its ``Scene`` object, views keep their reference) and reverts exactly,
so one Undo brings the previous scene back. Qt-free; ``ui`` wraps it like any other edit.
"""

from __future__ import annotations

import copy
import dataclasses

from posestudio.errors import InputError
from posestudio.scene.edits import ALL_CHANGES, Change, Edit
from posestudio.scene.model import Scene


def _assign(scene: Scene, source: Scene) -> None:
    for f in dataclasses.fields(Scene):
        setattr(scene, f.name, copy.deepcopy(getattr(source, f.name)))


class ReplaceScene(Edit):
    """Replace every field of the scene (people, camera, canvas, views, render, animation).

    Parameters
    ----------
    old, new : Scene
        Copied; ``old`` is what :meth:`revert` restores, usually the document's scene now.
    """

    text = "Restore scene from image"

    def __init__(self, old: Scene, new: Scene, text: str | None = None) -> None:
        for name, value in (("old", old), ("new", new)):
            if not isinstance(value, Scene):
                raise InputError(f"ReplaceScene {name} must be a Scene, got {type(value).__name__}")
        self.old, self.new = old.copy(), new.copy()
        if text:
            self.text = text

    def apply(self, scene: Scene) -> None:
        _assign(scene, self.new)

    def revert(self, scene: Scene) -> None:
        _assign(scene, self.old)

    @property
    def changes(self) -> tuple[Change, ...]:
        return ALL_CHANGES

    def is_noop(self) -> bool:
        from posestudio.scene.file_format import scene_to_dict

        # The file form compares arrays exactly and is what the image embeds.
        return scene_to_dict(self.old) == scene_to_dict(self.new)
