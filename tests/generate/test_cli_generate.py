"""``posestudio generate`` end to end: scene file → control maps → tiny real pipeline → PNG files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from posestudio.errors import Cancelled

FAMILIES = ["sd15", "sdxl", "zimage", "flux", "sd3"]
# The map each tiny ControlNet's folder name makes PoseStudio guess (see params.guess_map).
GUESSED_MAP = {"sd15": "openpose", "sdxl": "depth", "zimage": "openpose", "flux": "canny",
               "sd3": "openpose"}


def args_for(tiny, family, out, *extra, seed=5):
    base, cn = tiny[family]
    return ("generate", "standing", "--base", base, "--controlnet", cn, "--prompt", "a dancer",
            "--out", out, "--size", "64x64", "--steps", "2", "--seed", seed, "--device", "cpu",
            *extra)


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).astype(np.int16)


def files_under(folder: Path) -> set[Path]:
    return set(folder.rglob("*")) if folder.exists() else set()


@pytest.mark.parametrize("family", FAMILIES)
def test_cli_writes_png_with_parameters_scene_and_maps(tiny, cli, tmp_path, family):
    out = tmp_path / "out" / "dancer.png"
    code, stdout, stderr = cli(*args_for(tiny, family, out))
    assert code == 0, stderr
    assert stderr.splitlines() == ["generate: step 1/2", "generate: step 2/2"]
    assert "seed 5" in stdout and "64x64" in stdout
    map_name = GUESSED_MAP[family]
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(
        ["dancer.png", f"dancer.{map_name}.png"])  # no temporaries left behind
    with Image.open(out) as image:
        assert image.size == (64, 64)
        text = dict(image.text)
    generation = json.loads(text["posestudio-generation"])
    assert generation["request"]["seed"] == 5 and generation["request"]["steps"] == 2
    assert generation["request"]["base"] == str(tiny[family][0])
    assert generation["control_files"] == [f"dancer.{map_name}.png"]
    scene = json.loads(text["posestudio-scene"])
    assert scene["format"] == "posestudio-scene" and len(scene["people"]) == 1
    assert text["parameters"].startswith("a dancer\nSteps: 2")
    control = pixels(out.with_name(f"dancer.{map_name}.png"))
    assert control.shape == (64, 64, 3) and control.max() > 0  # the figure is in the map


def test_cli_same_seed_same_image_other_seed_other_image(tiny, cli, tmp_path):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        code, _, stderr = cli(*args_for(tiny, "sd15", tmp_path / f"{name}.png", seed=seed))
        assert code == 0, stderr
    a, b, c = (pixels(tmp_path / f"{n}.png") for n in "abc")
    assert np.array_equal(a, b)
    assert np.abs(a - c).mean() > 1.0


def test_cli_multi_controlnet_with_per_control_scale_and_window(tiny, cli, tmp_path):
    base, cn = tiny["sdxl"]
    out = tmp_path / "multi.png"
    code, _, stderr = cli("generate", "standing", "--base", base,
                          "--controlnet", f"{cn}:openpose:1.0",
                          "--controlnet", f"{cn}:depth:0.5:0.25:0.75", "--prompt", "a dancer",
                          "--out", out, "--size", "64x64", "--steps", "4", "--seed", "3",
                          "--device", "cpu")
    assert code == 0, stderr
    assert out.with_name("multi.openpose.png").is_file() and out.with_name("multi.depth.png").is_file()
    with Image.open(out) as image:
        generation = json.loads(image.text["posestudio-generation"])
        parameters = image.text["parameters"]
    specs = generation["request"]["controlnets"]
    assert [(s["map"], s["scale"], s["start"], s["end"]) for s in specs] == [
        ("openpose", 1.0, 0.0, 1.0), ("depth", 0.5, 0.25, 0.75)]
    assert generation["control_files"] == ["multi.openpose.png", "multi.depth.png"]
    assert 'Module: depth, Model: sdxl-controlnet-depth, Weight: 0.5, Guidance Start: 0.25, ' \
           'Guidance End: 0.75' in parameters
    # The depth ControlNet counts (it acts on steps 2 and 3 of 4): switched off, the image changes.
    off = tmp_path / "off.png"
    code, _, stderr = cli("generate", "standing", "--base", base, "--controlnet", f"{cn}:openpose:1.0",
                          "--controlnet", f"{cn}:depth:0", "--prompt", "a dancer", "--out", off,
                          "--size", "64x64", "--steps", "4", "--seed", "3", "--device", "cpu")
    assert code == 0, stderr
    assert not np.array_equal(pixels(out), pixels(off))


def test_cli_batch_writes_one_file_per_seed(tiny, cli, tmp_path):
    out = tmp_path / "batch.png"
    code, stdout, stderr = cli(*args_for(tiny, "sd15", out, "--batch", "2", seed=10))
    assert code == 0, stderr
    assert stderr.splitlines()[-1] == "generate: step 4/4"
    seeds = []
    for path in (out, tmp_path / "batch-1.png"):
        with Image.open(path) as image:
            seeds.append(json.loads(image.text["posestudio-generation"])["request"]["seed"])
    assert seeds == [10, 11]


def test_cli_reuse_parameters_reproduces_the_image(tiny, cli, tmp_path):
    first = tmp_path / "first.png"
    code, _, stderr = cli(*args_for(tiny, "sd15", first, "--negative-prompt", "blurry",
                                    "--guidance", "4.5", "--scheduler", "euler_a", seed=77))
    assert code == 0, stderr
    again = tmp_path / "again.png"
    code, stdout, stderr = cli("generate", "--reuse", first, "--out", again)  # scene from the PNG
    assert code == 0, stderr
    assert "seed 77" in stdout
    assert np.array_equal(pixels(first), pixels(again))
    with Image.open(again) as image:
        request = json.loads(image.text["posestudio-generation"])["request"]
    assert (request["negative_prompt"], request["guidance"], request["scheduler"]) == (
        "blurry", 4.5, "euler_a")
    with Image.open(first) as a, Image.open(again) as b:
        assert a.text["posestudio-scene"] == b.text["posestudio-scene"]   # the same scene
    assert request["base"] == str(tiny["sd15"][0])                       # and the same models
    # A flag given with --reuse overrides the saved value.
    other = tmp_path / "other.png"
    assert cli("generate", "--reuse", first, "--out", other, "--seed", "78")[0] == 0
    assert not np.array_equal(pixels(first), pixels(other))


def rewrite_text(source: Path, target: Path, **chunks) -> Path:
    """A copy of ``source`` whose PNG text chunks are replaced (None drops one)."""
    from PIL.PngImagePlugin import PngInfo

    with Image.open(source) as image:
        text = {**image.text, **chunks}
        info = PngInfo()
        for key, value in text.items():
            if value is not None:
                info.add_itxt(key, value)
        image.save(target, pnginfo=info)
    return target


def test_cli_reuse_of_a_png_without_a_usable_scene_is_one_clear_line(tiny, cli, tmp_path):
    first = tmp_path / "src" / "first.png"
    assert cli(*args_for(tiny, "sd15", first, seed=12))[0] == 0
    with Image.open(first) as image:
        scene = json.loads(image.text["posestudio-scene"])
    scene["people"][0]["pose"]["left_knee"] = [0.1, "bent"]
    bad_field = rewrite_text(first, tmp_path / "bad_field.png", **{
        "posestudio-scene": json.dumps(scene)})
    not_json = rewrite_text(first, tmp_path / "not_json.png", **{"posestudio-scene": "{people: ["})
    no_scene = rewrite_text(first, tmp_path / "no_scene.png", **{"posestudio-scene": None})
    plain = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(plain)
    not_png = tmp_path / "notes.png"
    not_png.write_text("hello")
    out = tmp_path / "out"
    cases = [(bad_field, ("bad_field.png", "embedded scene is damaged", "left_knee")),
             (not_json, ("not_json.png", "embedded scene is damaged", "not JSON")),
             (no_scene, ("no_scene.png", "no embedded scene", "give SCENE")),
             (plain, ("plain.png", "no PoseStudio generation parameters",)),
             (not_png, ("notes.png", "cannot read image"))]
    for png, fragments in cases:
        before = files_under(tmp_path)
        result = cli("generate", "--reuse", png, "--out", out / "x.png")
        assert_one_line_failure(result, tmp_path, before, *fragments)
    # Given a SCENE, the parameters are reused and the damaged embedded scene is not needed.
    code, stdout, stderr = cli("generate", "standing", "--size", "64x64", "--reuse", not_json,
                               "--out", out / "x.png")
    assert code == 0, stderr
    assert "seed 12" in stdout and np.array_equal(pixels(first), pixels(out / "x.png"))


def assert_one_line_failure(result, folder: Path, before: set[Path], *fragments: str) -> str:
    code, _, stderr = result
    assert code == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert files_under(folder) == before, "a failed run left files behind"
    return lines[0]


def test_cli_wrong_pairing_is_one_clear_line(tiny, cli, tmp_path):
    out = tmp_path / "out"
    base, _ = tiny["sd15"]
    _, sdxl_cn = tiny["sdxl"]
    result = cli("generate", "standing", "--base", base, "--controlnet", sdxl_cn, "--prompt", "x",
                 "--out", out / "x.png", "--size", "64x64", "--device", "cpu")
    assert_one_line_failure(result, tmp_path, files_under(tmp_path), "SDXL ControlNet",
                            "Stable Diffusion 1.x", str(sdxl_cn))
    assert not out.exists()


def test_cli_missing_or_partial_model_is_one_clear_line(tiny, cli, tmp_path):
    base, cn = tiny["sd15"]
    missing = tmp_path / "models" / "sd15"
    before = files_under(tmp_path)
    result = cli("generate", "standing", "--base", missing, "--controlnet", cn, "--prompt", "x",
                 "--out", tmp_path / "x.png", "--size", "64x64")
    assert_one_line_failure(result, tmp_path, before, str(missing), "does not exist")

    partial = tmp_path / "partial"
    shutil.copytree(base, partial)
    for weights in (partial / "unet").glob("*.safetensors"):
        weights.unlink()
    (partial / "vae" / "config.json").unlink()
    before = files_under(tmp_path)
    result = cli("generate", "standing", "--base", partial, "--controlnet", cn, "--prompt", "x",
                 "--out", tmp_path / "x.png", "--size", "64x64")
    line = assert_one_line_failure(result, tmp_path, before, "incomplete", "unet/ weights",
                                   "vae/config.json")
    assert "text_encoder" not in line  # only what is missing

    cn_only_config = tmp_path / "cn"
    cn_only_config.mkdir()
    shutil.copy(cn / "config.json", cn_only_config / "config.json")
    before = files_under(tmp_path)
    result = cli("generate", "standing", "--base", base, "--controlnet", cn_only_config,
                 "--prompt", "x", "--out", tmp_path / "x.png", "--size", "64x64")
    assert_one_line_failure(result, tmp_path, before, str(cn_only_config), "missing its weights")


def test_cli_bad_size_for_the_family_is_one_clear_line(tiny, cli, tmp_path):
    before = files_under(tmp_path)
    # Flux latents are 2x2 patches of the VAE grid: 66 pixels do not divide (the last --size wins).
    result = cli(*args_for(tiny, "flux", tmp_path / "x.png"), "--size", "66x64")
    assert_one_line_failure(result, tmp_path, before, "multiple of")


def test_cancelled_generation_writes_nothing(tiny, tmp_path):
    from posestudio.generate import ControlSpec, GenerationRequest
    from posestudio.generate.outputs import generate_scene
    from posestudio.scene.model import Canvas, Person, Scene

    base, cn = tiny["sd15"]
    scene = Scene(canvas=Canvas(64, 64), people=[Person()])
    request = GenerationRequest(base=str(base), controlnets=[ControlSpec(str(cn))], prompt="x",
                                steps=10, seed=1, width=64, height=64, device="cpu")
    steps = []
    with pytest.raises(Cancelled):
        generate_scene(scene, request, tmp_path / "out" / "x.png",
                       progress=lambda done, total: steps.append(done),
                       cancel=lambda: len(steps) >= 1)
    assert steps == [1]
    assert not (tmp_path / "out").exists()
