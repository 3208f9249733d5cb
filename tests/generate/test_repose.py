"""Re-pose with image-editing models: families from the folder, references at the photo framing,
same seed → same pixels, CLI output with parameters and scene, --reuse reproduces it."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from posestudio.errors import Cancelled, GenerationError, InputError
from posestudio.generate.edit_families import inspect_edit_model
from posestudio.generate.repose import (ReposeRequest, combine, compose, parse_reference,
                                        read_repose_parameters, repose)
from test_cli_generate import pixels


@pytest.fixture(scope="module")
def scene():
    from posestudio.cli.scene_args import load_scene_arg
    from posestudio.scene.model import Canvas

    scene = load_scene_arg("waving")
    scene.canvas = Canvas(64, 64)             # the photo's size after an import
    return scene


@pytest.fixture(scope="module")
def character(tmp_path_factory):
    path = tmp_path_factory.mktemp("photo") / "character.png"
    image = np.zeros((80, 80, 3), np.uint8)
    image[10:70, 30:50] = (220, 60, 40)
    Image.fromarray(image).save(path)
    return path


def request(tiny_edit, family, character, **extra):
    return ReposeRequest(base=str(tiny_edit[family]["base"]), image=str(character), steps=2,
                         seed=1, device="cpu", **extra)


def test_reference_parsing_and_composition():
    assert parse_reference("depth + openpose") == ("depth", "openpose")
    with pytest.raises(InputError, match="choose from mannequin"):
        parse_reference("xray")
    a, b = np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4, 3), np.uint8)
    a[0, 0], b[1, 1] = 200, 90
    both = combine([a, b])
    assert both[0, 0, 0] == 200 and both[1, 1, 0] == 90
    left, right = Image.new("RGB", (4, 3), "red"), Image.new("RGB", (4, 3), "blue")
    assert compose(left, right, "side").size == (8, 3)
    stacked = compose(left, right, "stack")
    assert stacked.size == (4, 6) and stacked.getpixel((0, 5)) == (0, 0, 255)


def test_families_from_the_folder_and_refusals(tiny_edit, tiny, tmp_path):
    assert inspect_edit_model(tiny_edit["flux-kontext"]["base"]).family == "flux-kontext"
    assert inspect_edit_model(tiny_edit["flux2-klein"]["base"]).family == "flux2-klein"
    with pytest.raises(GenerationError) as exc:             # a ControlNet base is no editor
        inspect_edit_model(tiny["sd15"][0])
    assert "text-to-image base" in str(exc.value) and "\n" not in str(exc.value)
    copy = shutil.copytree(tiny_edit["flux-kontext"]["base"], tmp_path / "kontext")
    for weights in (copy / "vae").glob("*.safetensors"):
        weights.unlink()
    with pytest.raises(GenerationError, match="incomplete: missing vae/ weights"):
        inspect_edit_model(copy)
    qwen = tmp_path / "qwen-edit"
    qwen.mkdir()
    (qwen / "model_index.json").write_text(json.dumps({
        "_class_name": "QwenImageEditPlusPipeline", "processor": ["transformers", "Qwen2VLProcessor"],
        "transformer": ["diffusers", "QwenImageTransformer2DModel"]}))
    with pytest.raises(GenerationError, match="missing processor/ .*transformer/config.json"):
        inspect_edit_model(qwen)


@pytest.mark.parametrize("family, reference, inputs", [
    ("flux-kontext", "mannequin", [(128, 64)]),                       # side by side, cropped back
    ("flux2-klein", "depth+openpose", [(64, 64)] * 3),                # character + 2 references
])
def test_same_seed_same_pixels(tiny_edit, scene, character, family, reference, inputs):
    req = request(tiny_edit, family, character, reference=reference)
    steps = []
    first = repose(scene, req, progress=lambda f, m: steps.append(m))
    again = repose(scene, req)
    assert first.image.size == (64, 64) and [i.size for i in first.model_input] == inputs
    assert np.array_equal(np.asarray(first.image), np.asarray(again.image))
    assert steps[-2:] == ["step 2/2", "done"]
    assert first.request.prompt.startswith("the same person, right arm raised")
    other = repose(scene, ReposeRequest(**{**req.to_dict(), "seed": 2}))
    assert not np.array_equal(np.asarray(first.image), np.asarray(other.image))
    assert first.references[parse_reference(reference)[0]].max() > 0   # the figure is rendered


def test_cancel_writes_nothing(tiny_edit, scene, character, tmp_path):
    out = tmp_path / "out" / "x.png"
    with pytest.raises(Cancelled):
        repose(scene, request(tiny_edit, "flux2-klein", character), out, cancelled=lambda: True)
    assert not (tmp_path / "out").exists()


def test_cli_writes_png_with_parameters_and_reuse_reproduces(tiny_edit, scene, character, cli,
                                                            tmp_path):
    from posestudio.scene.file_format import save_scene

    scene_file = tmp_path / "photo.pose.json"
    save_scene(scene, scene_file)
    out = tmp_path / "out" / "reposed.png"
    code, stdout, stderr = cli("repose", scene_file, "--image", character, "--base",
                               tiny_edit["flux2-klein"]["base"], "--reference", "mannequin+openpose",
                               "--out", out, "--steps", "2", "--seed", "4", "--device", "cpu")
    assert code == 0, stderr
    assert "seed 4; flux2-klein, 64x64" in stdout
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "reposed.mannequin.png", "reposed.openpose.png", "reposed.png"]
    with Image.open(out) as image:
        text = dict(image.text)
    generation = json.loads(text["posestudio-generation"])
    assert generation["format"] == "posestudio-repose" and generation["request"]["seed"] == 4
    assert generation["request"]["prompt"].startswith("the same person")
    assert json.loads(text["posestudio-scene"])["format"] == "posestudio-scene"
    assert "Reference: mannequin+openpose" in text["parameters"]
    request_back, scene_back = read_repose_parameters(out)
    assert request_back.image == str(character) and scene_back is not None

    again = tmp_path / "again.png"
    code, _, stderr = cli("repose", "--reuse", out, "--out", again)
    assert code == 0, stderr
    assert np.array_equal(pixels(out), pixels(again))


@pytest.mark.parametrize("change, message", [
    (("--base", "SD15"), "text-to-image base"),
    (("--image", "MISSING"), "character image"),
    (("--reference", "xray"), "--reference 'xray'"),
])
def test_cli_bad_input_is_one_line(tiny_edit, tiny, scene, character, cli, tmp_path, change,
                                   message):
    from posestudio.scene.file_format import save_scene

    scene_file = tmp_path / "photo.pose.json"
    save_scene(scene, scene_file)
    args = {"--image": str(character), "--base": str(tiny_edit["flux2-klein"]["base"]),
            "--reference": "mannequin"}
    args[change[0]] = {"SD15": str(tiny["sd15"][0]), "MISSING": str(tmp_path / "none.png")}.get(
        change[1], change[1])
    out = tmp_path / "out" / "x.png"
    code, _, stderr = cli("repose", scene_file, *[v for kv in args.items() for v in kv],
                          "--out", out, "--device", "cpu")
    assert code == 2 and len(stderr.splitlines()) == 1 and message in stderr
    assert not (tmp_path / "out").exists()
