"""The scene as plain, validated data: canvas, camera, people, saved views, render settings.

No I/O here (see ``file_format``) and no Qt. Dataclasses check their values in ``__post_init__``
and raise :class:`~posestudio.errors.InputError` naming the field, so a bad value is caught where
it is made, not when it is rendered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from posestudio.errors import InputError
from posestudio.skeletons import SMPLX_JOINT_NAMES

if TYPE_CHECKING:  # the animation package imports this module
    from posestudio.anim.model import Animation

MIN_CANVAS = 16
MAX_CANVAS = 8192
NUM_BETAS = 10
NUM_EXPRESSION = 10
NUM_JOINTS = len(SMPLX_JOINT_NAMES)


def _finite(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{name} must be a finite number, got {value!r}")
    return value


@dataclass
class Canvas:
    """Output image size in pixels."""

    width: int = 768
    height: int = 1024

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (
                MIN_CANVAS <= int(value) <= MAX_CANVAS
            ):
                raise InputError(
                    f"canvas {name} must be an integer from {MIN_CANVAS} to {MAX_CANVAS} pixels, "
                    f"got {value!r}"
                )
            setattr(self, name, int(value))

    @property
    def aspect(self) -> float:
        return self.width / self.height


@dataclass
class Camera:
    """Perspective orbit camera around ``target`` (world metres, Y up).

    ``yaw_deg`` 0 puts the camera on the +Z side of the target, i.e. in front of a person at rest;
    positive yaw moves it towards +X (the person's left). ``pitch_deg`` > 0 lifts it above the
    target, looking down. ``fov_y_deg`` is the vertical field of view.
    """

    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    distance: float = 3.0
    target: tuple[float, float, float] = (0.0, 0.0, 0.0)
    fov_y_deg: float = 40.0
    roll_deg: float = 0.0
    znear: float = 0.05
    zfar: float = 100.0

    def __post_init__(self) -> None:
        for name in ("yaw_deg", "pitch_deg", "distance", "fov_y_deg", "roll_deg", "znear", "zfar"):
            setattr(self, name, _finite(f"camera {name}", getattr(self, name)))
        target = tuple(float(v) for v in np.asarray(self.target, dtype=float).reshape(-1))
        if len(target) != 3 or not all(math.isfinite(v) for v in target):
            raise InputError(f"camera target must be three finite numbers, got {self.target!r}")
        self.target = target
        if not -89.9 <= self.pitch_deg <= 89.9:
            raise InputError(f"camera pitch_deg must be within ±89.9°, got {self.pitch_deg}")
        if self.distance <= 0:
            raise InputError(f"camera distance must be > 0 metres, got {self.distance}")
        if not 1.0 <= self.fov_y_deg <= 170.0:
            raise InputError(f"camera fov_y_deg must be from 1 to 170 degrees, got {self.fov_y_deg}")
        if not 0 < self.znear < self.zfar:
            raise InputError(
                f"camera clipping planes need 0 < znear < zfar, got {self.znear}, {self.zfar}"
            )


def checked_array(name: str, value, shape: tuple[int, ...]) -> np.ndarray:
    """``value`` as a float64 array of ``shape``, or InputError naming ``name``."""
    try:
        array = np.array(value, dtype=np.float64).reshape(shape)
    except (TypeError, ValueError):
        raise InputError(f"{name} must hold {int(np.prod(shape))} numbers, shape {shape}") from None
    if not np.all(np.isfinite(array)):
        raise InputError(f"{name} must be finite numbers")
    return array


@dataclass
class Person:
    """One posed body.

    ``pose`` is (55, 3) axis-angle in radians, SMPL-X joint order (``skeletons.SMPLX_JOINT_NAMES``);
    row 0 rotates the whole body about the pelvis. ``transl`` (metres) is added to the body
    model's output. ``rig`` is ``"mannequin"`` or the path of a SMPL/SMPL+H/SMPL-X file.
    """

    name: str = "Person 1"
    rig: str = "mannequin"
    betas: np.ndarray = field(default_factory=lambda: np.zeros(NUM_BETAS))
    pose: np.ndarray = field(default_factory=lambda: np.zeros((NUM_JOINTS, 3)))
    transl: np.ndarray = field(default_factory=lambda: np.zeros(3))
    expression: np.ndarray = field(default_factory=lambda: np.zeros(NUM_EXPRESSION))
    visible: bool = True
    color: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise InputError(f"person name must be text, got {self.name!r}")
        if not isinstance(self.rig, str) or not self.rig:
            raise InputError(f"person rig must be 'mannequin' or a file path, got {self.rig!r}")
        self.betas = checked_array("person betas", self.betas, (NUM_BETAS,))
        self.pose = checked_array("person pose", self.pose, (NUM_JOINTS, 3))
        self.transl = checked_array("person transl", self.transl, (3,))
        self.expression = checked_array("person expression", self.expression, (NUM_EXPRESSION,))
        self.visible = bool(self.visible)
        if self.color is not None:
            color = tuple(float(c) for c in np.asarray(self.color, dtype=float).reshape(-1))
            if len(color) != 3 or not all(0.0 <= c <= 1.0 for c in color):
                raise InputError(f"person color must be three numbers in 0..1, got {self.color!r}")
            self.color = color

    def copy(self) -> "Person":
        return Person(self.name, self.rig, self.betas.copy(), self.pose.copy(),
                      self.transl.copy(), self.expression.copy(), self.visible, self.color)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Person):
            return NotImplemented
        return (
            self.name == other.name and self.rig == other.rig and self.visible == other.visible
            and self.color == other.color
            and all(np.array_equal(getattr(self, a), getattr(other, a))
                    for a in ("betas", "pose", "transl", "expression"))
        )


@dataclass
class RenderSettings:
    """How control maps are drawn; the defaults give what ControlNet models were trained on."""

    openpose_layout: str = "coco18"      # "coco18" | "body25"
    openpose_hands: bool = True
    openpose_face: bool = True
    hide_occluded: bool = False           # drop keypoints hidden behind a body surface
    depth_ordered_limbs: bool = False     # draw limbs far-to-near instead of the classic order
    canny_low: int = 100
    canny_high: int = 200
    seg_palette: str = "parts"            # "parts" | "people" | "ade20k"
    background: str = "solid"             # mannequin render: "solid" | "transparent"

    def __post_init__(self) -> None:
        if self.openpose_layout not in ("coco18", "body25"):
            raise InputError(f"render openpose_layout must be coco18 or body25, got "
                             f"{self.openpose_layout!r}")
        if self.seg_palette not in ("parts", "people", "ade20k"):
            raise InputError(f"render seg_palette must be parts, people or ade20k, got "
                             f"{self.seg_palette!r}")
        if self.background not in ("solid", "transparent"):
            raise InputError(f"render background must be solid or transparent, got "
                             f"{self.background!r}")
        for name in ("canny_low", "canny_high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value <= 1000:
                raise InputError(f"render {name} must be an integer from 0 to 1000, got {value!r}")
        for name in ("openpose_hands", "openpose_face", "hide_occluded", "depth_ordered_limbs"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(f"render {name} must be true or false")


@dataclass
class PhotoReference:
    """The photo a scene was fitted to and the 2D keypoints of that fit (so a reopened scene
    shows the photo and its keypoints again and the fit can be refined).

    Attributes
    ----------
    path : str
        The photo (or OpenPose JSON) file. Absolute in memory; the scene file stores it relative
        to the file's folder where it can.
    width, height : int
        The photo's size in pixels; keypoints are pixels of it.
    keypoints : list of (K, 3) float64
        Per person in the photo: x, y (photo pixels, top-left corner origin) and confidence
        (0 = absent), possibly moved by the user.
    detected : list of (K, 3) float64
        The keypoints as the detector (or file) gave them; parallel to ``keypoints``.
    chosen : list of bool
        Per person in the photo: a mannequin in the scene (the chosen ones are the scene's
        first people, in photo order).
    focal_px : float
        Focal length of the fit, photo pixels, > 0.
    camera : Camera or None
        The camera the photo was matched with.
    """

    path: str
    width: int
    height: int
    keypoints: list[np.ndarray] = field(default_factory=list)
    detected: list[np.ndarray] = field(default_factory=list)
    chosen: list[bool] = field(default_factory=list)
    focal_px: float = 1000.0
    camera: Camera | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not self.path:
            raise InputError(f"photo path must be a non-empty string, got {self.path!r}")
        Canvas(self.width, self.height)              # same size rules as a canvas
        self.focal_px = _finite("photo focal_px", self.focal_px)
        if self.focal_px <= 0:
            raise InputError(f"photo focal_px must be > 0, got {self.focal_px!r}")
        for name in ("keypoints", "detected"):
            arrays = [np.array(a, dtype=np.float64) for a in getattr(self, name)]
            for i, a in enumerate(arrays):
                if a.ndim != 2 or a.shape[1] != 3 or not np.isfinite(a).all():
                    raise InputError(f"photo {name}[{i}] must be (K, 3) finite numbers, got "
                                     f"shape {a.shape}")
            setattr(self, name, arrays)
        self.chosen = [bool(c) for c in self.chosen]
        if not len(self.keypoints) == len(self.detected) == len(self.chosen):
            raise InputError("photo keypoints, detected and chosen must have one entry per "
                             f"person, got {len(self.keypoints)}, {len(self.detected)} and "
                             f"{len(self.chosen)}")
        if self.camera is not None and not isinstance(self.camera, Camera):
            raise InputError(f"photo camera must be a Camera or None, got {self.camera!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PhotoReference):
            return NotImplemented
        same = lambda a, b: len(a) == len(b) and all(map(np.array_equal, a, b))  # noqa: E731
        return (self.path == other.path and (self.width, self.height) == (other.width, other.height)
                and same(self.keypoints, other.keypoints) and same(self.detected, other.detected)
                and self.chosen == other.chosen and self.focal_px == other.focal_px
                and self.camera == other.camera)


@dataclass
class Scene:
    """Everything a render needs: canvas, the scene camera, people, saved views, settings."""

    canvas: Canvas = field(default_factory=Canvas)
    camera: Camera = field(default_factory=Camera)
    people: list[Person] = field(default_factory=list)
    views: dict[str, Camera] = field(default_factory=dict)
    render: RenderSettings = field(default_factory=RenderSettings)
    animation: Animation | None = None  # keyframes; None = a still scene
    photo: PhotoReference | None = None  # the photo the people were fitted to, if any

    def copy(self) -> "Scene":
        import copy

        return copy.deepcopy(self)
