"""The Qwen-Image ControlNet family beside the others: detection, pairing, a tiny real pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.errors import GenerationError
from posestudio.generate import ControlSpec, GenerationRequest
from posestudio.generate.families import check_pairing, inspect_base, inspect_controlnet


def test_detected_and_paired(tiny_edit, tiny):
    parts = tiny_edit["qwen-controlnet"]
    base, cn = inspect_base(parts["base"]), inspect_controlnet(parts["controlnet"])
    assert base.family == cn.family == "qwenimage" and base.label == "Qwen-Image"
    check_pairing(base, [cn, cn])                    # one union ControlNet, two control maps
    with pytest.raises(GenerationError, match="is a Flux ControlNet but base"):
        check_pairing(base, [inspect_controlnet(tiny["flux"][1])])
    with pytest.raises(GenerationError, match="one union ControlNet"):
        check_pairing(base, [cn, inspect_controlnet(tiny["sd3"][1]).__class__(
            tiny["sd3"][1], "qwenimage", False)])


def test_qwen_edit_models_are_not_controlnet_bases(tmp_path):
    (tmp_path / "model_index.json").write_text('{"_class_name": "QwenImageEditPlusPipeline"}')
    with pytest.raises(GenerationError, match="QwenImageEditPlusPipeline"):
        inspect_base(tmp_path)


def test_same_seed_same_pixels_and_multi_control(tiny_edit, control_image):
    from posestudio.generate.engine import generate

    parts = tiny_edit["qwen-controlnet"]
    depth = np.roll(control_image, 9, axis=1)
    for specs, images in (([ControlSpec(str(parts["controlnet"]), "openpose")], [control_image]),
                          ([ControlSpec(str(parts["controlnet"]), "openpose"),
                            ControlSpec(str(parts["controlnet"]), "depth", 0.5)],
                           [control_image, depth])):
        request = GenerationRequest(base=str(parts["base"]), controlnets=specs, prompt="a dancer",
                                    steps=2, seed=1, width=64, height=64, device="cpu")
        a, b = generate(request, images)[0], generate(request, images)[0]
        assert a.family == "qwenimage" and a.image.size == (64, 64)
        assert np.array_equal(np.asarray(a.image), np.asarray(b.image))
    moved = generate(request, [np.roll(control_image, 20, axis=0), depth])[0]
    assert not np.array_equal(np.asarray(a.image), np.asarray(moved.image))   # control matters
