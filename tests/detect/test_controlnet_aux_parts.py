"""What PoseStudio assumes about controlnet_aux's internals; fails loudly after an upgrade that
breaks one. Also: OpenPose weights load weights-only, so a checkpoint carrying code is refused."""

from __future__ import annotations

import inspect
import os
import sys

import pytest
import torch

from posestudio.detect.aux_parts import import_part, load_weights, openpose_network
from posestudio.errors import DetectionError


def test_open_pose_parts_import_without_the_package_init():
    util, model, body, hand = import_part("open_pose", "util", "model", "body", "hand")
    assert callable(util.transfer) and hasattr(body.Body, "format_body_result")
    assert body.Body.__module__ == "controlnet_aux.open_pose.body"
    # the package root is our bare stand-in (its __init__ would import torchvision, timm...),
    # unless something imported the real package first
    root = sys.modules["controlnet_aux"]
    assert not hasattr(root, "OpenposeDetector") or root.__spec__ is not None


@pytest.mark.parametrize("kind, net", [("body", "bodypose_model"), ("hand", "handpose_model")])
def test_body_and_hand_constructors_only_load_a_state_dict_into_model(kind, net):
    """openpose_network skips Body/Hand.__init__ (it uses plain torch.load); that is only right
    while __init__ does exactly this. If controlnet_aux changes it, update openpose_network."""
    (module,) = import_part("open_pose", kind)
    cls = module.Body if kind == "body" else module.Hand
    source = inspect.getsource(cls.__init__)
    code = [line.strip() for line in source.splitlines()[1:] if line.strip()]
    assert code == [f"self.model = {net}()",
                    "model_dict = util.transfer(self.model, torch.load(model_path))",
                    "self.model.load_state_dict(model_dict)",
                    "self.model.eval()"], source


@pytest.fixture(scope="module")
def hand_checkpoint(tmp_path_factory):
    """A hand checkpoint in the Annotators layout (keys without the network's first level)."""
    (model,) = import_part("open_pose", "model")
    torch.manual_seed(0)
    state = model.handpose_model().state_dict()
    path = tmp_path_factory.mktemp("weights") / "hand_pose_model.pth"
    torch.save({".".join(k.split(".")[1:]): v for k, v in state.items()}, path)
    return path


def test_weights_only_network_matches_controlnet_aux_own_constructor(hand_checkpoint):
    (hand,) = import_part("open_pose", "hand")
    ours = openpose_network("hand", hand_checkpoint)
    theirs = hand.Hand(str(hand_checkpoint))  # plain torch.load: weights-only on torch >= 2.6
    assert type(ours) is type(theirs) and vars(ours).keys() == vars(theirs).keys()
    assert not ours.model.training
    for (name, a), (_, b) in zip(ours.model.state_dict().items(),
                                 theirs.model.state_dict().items()):
        assert torch.equal(a, b), name


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_checkpoint_carrying_code_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "body_pose_model.pth"
    torch.save({"conv1_1.weight": torch.zeros(1), "extra": _Payload(marker)}, path)
    with pytest.raises(DetectionError, match="cannot load OpenPose weights .*not a plain tensor"):
        openpose_network("body", path)
    assert not marker.exists()
    torch.load(path, weights_only=False)  # control: the payload is armed
    assert marker.exists()


def test_wrong_network_and_not_a_state_dict(tmp_path):
    other = tmp_path / "other.pth"
    torch.save({"some.weight": torch.zeros(2)}, other)
    with pytest.raises(DetectionError, match="not the lllyasviel/Annotators OpenPose body"):
        openpose_network("body", other)
    listed = tmp_path / "list.pth"
    torch.save([torch.zeros(2)], listed)
    with pytest.raises(DetectionError, match="not a state dict"):
        load_weights(listed)
