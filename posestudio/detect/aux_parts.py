"""Parts of ``controlnet_aux`` imported without its package ``__init__``, and its OpenPose
networks built from weights-only checkpoints.

``controlnet_aux/__init__.py`` imports every annotator it ships, and through them packages
PoseStudio does not install (torchvision, timm, einops...). The detectors we use live in
sub-packages (``open_pose``, ``dwpose``) that need only torch, numpy, OpenCV, SciPy and
scikit-image. :func:`import_part` registers bare parent packages in ``sys.modules`` whose
``__path__`` points into the installed distribution, so importing ``controlnet_aux.open_pose.body``
runs just that file and its relative imports. This is the only place that touches
``sys.modules`` for controlnet_aux.

controlnet_aux's ``Body`` / ``Hand`` constructors call plain ``torch.load`` (which runs pickled
code on torch < 2.6). :func:`openpose_network` builds them without their constructor: the
network class, then ``load_state_dict`` from ``torch.load(weights_only=True)``.

Assumptions about controlnet_aux (``tests/detect/test_controlnet_aux_parts.py`` fails if an
upgrade breaks one): the sub-packages import nothing from the package root; ``Body.__init__`` /
``Hand.__init__`` only set ``self.model`` to ``bodypose_model()`` / ``handpose_model()`` loaded
through ``util.transfer`` and put in eval mode.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from pathlib import Path
from typing import Any

from posestudio.errors import DetectionError

_lock = threading.Lock()


def _register(name: str, folder: Path) -> None:
    if name not in sys.modules:
        package = types.ModuleType(name)
        package.__path__ = [str(folder)]
        sys.modules[name] = package


def import_part(subpackage: str, *modules: str) -> tuple[types.ModuleType, ...]:
    """``controlnet_aux.<subpackage>.<module>`` for each of ``modules``, in order.

    If ``controlnet_aux`` was already imported for real (by another library), that package is
    used as is. Raises DetectionError if controlnet_aux is not installed.
    """
    with _lock:
        if "controlnet_aux" not in sys.modules:
            spec = importlib.util.find_spec("controlnet_aux")
            if spec is None or not spec.submodule_search_locations:
                raise DetectionError("the OpenPose/DWPose detectors need the 'controlnet-aux' "
                                     "package")
            _register("controlnet_aux", Path(list(spec.submodule_search_locations)[0]))
        root = Path(list(sys.modules["controlnet_aux"].__path__)[0])
        _register(f"controlnet_aux.{subpackage}", root / subpackage)
        return tuple(importlib.import_module(f"controlnet_aux.{subpackage}.{m}")
                     for m in modules)


def load_weights(path: str | Path, what: str = "weights") -> dict[str, Any]:
    """A checkpoint's tensors, read with ``torch.load(weights_only=True)``: no pickled code runs.

    Raises DetectionError for a missing, corrupt or code-carrying file.
    """
    import torch

    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a bad/hostile file
        text = " ".join(str(exc).split())[:200]
        raise DetectionError(f"cannot load {what} {path}: not a plain tensor checkpoint "
                             f"({type(exc).__name__}: {text})") from None
    if not isinstance(state, dict):
        raise DetectionError(f"cannot load {what} {path}: not a state dict")
    return state


def openpose_network(kind: str, path: str | Path):
    """controlnet_aux's ``Body`` (``kind="body"``) or ``Hand`` (``"hand"``) with the weights of
    ``path`` (an lllyasviel/Annotators ``*_pose_model.pth``), loaded weights-only.

    Raises DetectionError if the file is not a plain checkpoint of that network.
    """
    util, model, module = import_part("open_pose", "util", "model", kind)
    cls = module.Body if kind == "body" else module.Hand
    network = model.bodypose_model() if kind == "body" else model.handpose_model()
    state = load_weights(path, "OpenPose weights")
    try:
        network.load_state_dict(util.transfer(network, state))
    except KeyError as exc:  # a state dict, but of another network
        raise DetectionError(f"cannot load OpenPose weights {path}: not the "
                             f"lllyasviel/Annotators OpenPose {kind} model (no tensor {exc})"
                             ) from None
    except RuntimeError as exc:  # right names, wrong shapes
        raise DetectionError(f"cannot load OpenPose weights {path}: tensor shapes do not match "
                             f"the OpenPose {kind} model ({str(exc).splitlines()[0][:160]})"
                             ) from None
    network.eval()
    detector = cls.__new__(cls)  # its __init__ would torch.load the file again, not weights-only
    detector.model = network
    return detector
