"""The one undo step of an import or a refit: scene edits plus the photo shown behind them.

An import replaces people, canvas and camera; the photo and its keypoints belong to that state,
so undo must take them away again (and redo bring them back). :class:`PhotoEdit` is a
:class:`~posestudio.scene.edits.CompositeEdit` that also hands the photo state before / after to
a callback, so the background follows the undo stack without being part of the scene file.
"""

from __future__ import annotations

from typing import Callable

from posestudio.errors import InputError
from posestudio.scene.edits import (
    AddPerson, CompositeEdit, Edit, RemovePerson, SetCamera, SetCanvas,
)
from posestudio.scene.model import Camera, Canvas, Person, Scene

from .fitting import PhotoState

StateSink = Callable[[PhotoState | None], None]


class PhotoEdit(CompositeEdit):
    """Scene edits + photo state; ``sink(state)`` runs after every apply / revert."""

    def __init__(self, text: str, edits: list[Edit], old_state: PhotoState | None,
                 new_state: PhotoState | None, sink: StateSink) -> None:
        super().__init__(text, edits)
        self.old_state = None if old_state is None else old_state.copy()
        self.new_state = None if new_state is None else new_state.copy()
        self.sink = sink

    def apply(self, scene: Scene) -> None:
        super().apply(scene)
        self.sink(None if self.new_state is None else self.new_state.copy())

    def revert(self, scene: Scene) -> None:
        super().revert(scene)
        self.sink(None if self.old_state is None else self.old_state.copy())

    def is_noop(self) -> bool:
        return False  # even with identical numbers, the photo behind the scene changes


def replace_people_edits(scene: Scene, people: list[Person], *, first: int = 0,
                         count: int | None = None, keep_identity: bool = False) -> list[Edit]:
    """Edits that put ``people`` in place of ``scene.people[first:first + count]``
    (``count`` None = every person from ``first`` on). With ``keep_identity`` the new people keep
    the names, colours and visibility of those they replace (a refit is the same people)."""
    old = scene.people[first:] if count is None else scene.people[first:first + count]
    edits: list[Edit] = [RemovePerson(first + i, p) for i, p in reversed(list(enumerate(old)))]
    for i, person in enumerate(people):
        person = person.copy()
        if keep_identity and i < len(old):
            person.name, person.color, person.visible = old[i].name, old[i].color, old[i].visible
        edits.append(AddPerson(first + i, person))
    return edits


def scene_frame_edits(scene: Scene, canvas: Canvas, camera: Camera) -> list[Edit]:
    """Canvas + camera edits, only for what differs."""
    edits: list[Edit] = []
    if scene.canvas != canvas:
        edits.append(SetCanvas(scene.canvas, canvas))
    if scene.camera != camera:
        edits.append(SetCamera(scene.camera, camera))
    return edits


def choose_people_edits(scene: Scene, state: PhotoState,
                        chosen: list[bool]) -> tuple[list[Edit], list[Person]]:
    """Edits that make the photo's ``chosen`` people the mannequins, and everyone's fits after.

    The people chosen now hold the scene's first slots in ``state`` order; whoever stays keeps
    their slot's Person as it is (the user's edits too). Someone left out is kept in the fits as
    they were in the scene, so ticking them again brings back that mannequin, not a fresh lift.
    """
    was = state.chosen_indices
    if len(scene.people) < len(was):
        raise InputError(f"the scene has {len(scene.people)} people but the photo placed "
                         f"{len(was)}: import the photo again to choose its people")
    fits = [p.copy() for p in state.fits]
    edits: list[Edit] = []
    for slot, i in reversed(list(enumerate(was))):
        if not chosen[i]:
            fits[i] = scene.people[slot].copy()
            edits.append(RemovePerson(slot, scene.people[slot], f"Leave out {fits[i].name}"))
    for slot, i in enumerate(j for j, on in enumerate(chosen) if on):
        if not state.chosen[i]:
            edits.append(AddPerson(slot, fits[i], f"Add {fits[i].name}"))
    return edits, fits
