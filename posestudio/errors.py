"""The error types of the PoseStudio core.

Everything the user can get wrong (a file, a size, a model path, a photo) raises a subclass of
:class:`PoseStudioError` with a message that names the bad thing and says what to do. The CLI
catches the base type and prints its message as one line; any other exception is a bug.
"""

from __future__ import annotations


class PoseStudioError(Exception):
    """Base of every user-facing error; ``str(error)`` is the one line shown to the user."""


class InputError(PoseStudioError, ValueError):
    """A value the user gave is out of range or malformed (canvas size, --orbit, --person...)."""


class SceneFormatError(PoseStudioError):
    """A scene file is unreadable, invalid (the message names the field) or of a newer version."""


class BodyModelError(PoseStudioError):
    """A body model file is missing, unreadable, of an unknown layout, or an unknown rig id."""


class UnsafeFileError(BodyModelError):
    """A pickle tried to build something other than plain arrays; nothing of it was run."""


class RenderError(PoseStudioError):
    """Rendering failed for a reason the user can act on (no OpenGL, absurd size...)."""


class ImportFormatError(PoseStudioError):
    """An input to ``import`` (photo, OpenPose JSON, BVH) is corrupt or of the wrong kind."""


class DetectionError(PoseStudioError):
    """Pose detection found nothing usable (no person) or its model is missing."""


class LiftError(PoseStudioError):
    """Lifting 2D keypoints to a 3D pose could not run (too few keypoints...)."""


class GenerationError(PoseStudioError):
    """Image generation cannot run: missing/partial model, wrong pairing, out of memory..."""


class Cancelled(PoseStudioError):
    """A long job (lifting, generation, export) was stopped by the user."""
