"""Generation with real (tiny, random) diffusers pipelines of every family, on the CPU."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from posestudio.errors import Cancelled, InputError
from posestudio.generate import ControlSpec, GenerationRequest, generate
from posestudio.generate.loading import PipelineCache
from posestudio.generate.metadata import read_parameters, save_result

FAMILIES = ["sd15", "sdxl", "zimage", "flux", "sd3"]


class _Caches(dict):
    """One pipeline cache per family, so tests that alternate families do not reload models."""

    def __missing__(self, family):
        self[family] = PipelineCache()
        return self[family]


@pytest.fixture(scope="module")
def caches():
    caches = _Caches()
    yield caches
    caches.clear()
    gc.collect()


def request_for(tiny, family, **kw):
    base, cn = tiny[family]
    fields = dict(base=str(base), controlnets=[ControlSpec(str(cn), "openpose")], prompt="a dancer",
                  steps=2, seed=1, width=64, height=64, device="cpu")
    fields.update(kw)
    return GenerationRequest(**fields)


def pixels(result) -> np.ndarray:
    return np.asarray(result.image).astype(np.int16)


@pytest.mark.parametrize("family", FAMILIES)
def test_same_seed_same_image_other_seed_other_image(tiny, caches, control_image, family):
    request = request_for(tiny, family)
    first = generate(request, [control_image], cache=caches[family])
    again = generate(request, [control_image], cache=caches[family])
    other = generate(request_for(tiny, family, seed=2), [control_image], cache=caches[family])
    assert first[0].image.size == (64, 64) and first[0].image.mode == "RGB"
    assert np.array_equal(pixels(first[0]), pixels(again[0]))
    assert np.abs(pixels(first[0]) - pixels(other[0])).mean() > 1.0
    assert pixels(first[0]).std() > 1.0  # not a blank image
    assert first[0].family == {"sd15": "sd"}.get(family, family)


@pytest.mark.parametrize("family", FAMILIES)
def test_control_image_conditions_the_result(tiny, caches, control_image, family):
    request = request_for(tiny, family)
    with_figure = generate(request, [control_image], cache=caches[family])[0]
    blank = generate(request, [np.zeros_like(control_image)], cache=caches[family])[0]
    assert not np.array_equal(pixels(with_figure), pixels(blank))


@pytest.mark.parametrize("family", ["sd15", "sdxl", "flux", "sd3"])
def test_multi_controlnet_runs_and_every_control_counts(tiny, caches, control_image, family):
    cn = str(tiny[family][1])
    depth = control_image[:, :, 0]  # a greyscale map, as depth is
    two = [ControlSpec(cn, "openpose", 1.0), ControlSpec(cn, "depth", 0.5, 0.0, 0.8)]
    result = generate(request_for(tiny, family, controlnets=two), [control_image, depth],
                      cache=caches[family + "-multi"])[0]
    off = [ControlSpec(cn, "openpose", 1.0), ControlSpec(cn, "depth", 0.0)]
    second_off = generate(request_for(tiny, family, controlnets=off), [control_image, depth],
                          cache=caches[family + "-multi"])[0]
    assert result.image.size == (64, 64)
    assert not np.array_equal(pixels(result), pixels(second_off))
    assert [c.scale for c in result.request.controlnets] == [1.0, 0.5]


def test_batch_seeds_follow_and_each_image_is_reproducible(tiny, caches, control_image):
    results = generate(request_for(tiny, "sd15", seed=10, batch_count=3), [control_image],
                       cache=caches["sd15"])
    assert [r.request.seed for r in results] == [10, 11, 12]
    assert all(r.request.batch_count == 1 for r in results)
    single = generate(results[2].request, [control_image], cache=caches["sd15"])[0]
    assert np.array_equal(pixels(single), pixels(results[2]))


def test_random_seed_is_recorded_and_reproduces(tiny, caches, control_image):
    result = generate(request_for(tiny, "sd15", seed=None), [control_image], cache=caches["sd15"])[0]
    assert isinstance(result.request.seed, int)
    again = generate(result.request, [control_image], cache=caches["sd15"])[0]
    assert np.array_equal(pixels(result), pixels(again))


def test_saved_png_reuses_parameters_to_the_same_pixels(tiny, caches, control_image, tmp_path):
    request = request_for(tiny, "sdxl", negative_prompt="blurry", guidance=4.0, seed=99)
    result = generate(request, [control_image], cache=caches["sdxl"])[0]
    scene = {"format": "posestudio-scene", "version": 1, "canvas": {"width": 64, "height": 64}}
    path = save_result(result, tmp_path / "out.png", scene=scene, control_files=["out.openpose.png"])
    reused, reused_scene = read_parameters(path)
    assert reused == result.request and reused_scene == scene
    from PIL import Image

    with Image.open(path) as image:
        text = image.text
        assert np.array_equal(np.asarray(image.convert("RGB")), np.asarray(result.image))
    assert text["parameters"].startswith("a dancer\nNegative prompt: blurry\nSteps: 2")
    assert "Seed: 99" in text["parameters"]
    again = generate(reused, [control_image], cache=caches["sdxl"])[0]
    assert np.array_equal(pixels(again), pixels(result))


def test_png_without_parameters_is_refused(tmp_path):
    from PIL import Image

    Image.new("RGB", (8, 8)).save(tmp_path / "plain.png")
    with pytest.raises(InputError, match="no PoseStudio generation parameters"):
        read_parameters(tmp_path / "plain.png")


def test_progress_counts_every_step_of_the_batch(tiny, caches, control_image):
    calls = []
    generate(request_for(tiny, "sd15", steps=3, batch_count=2), [control_image],
             progress=lambda done, total: calls.append((done, total)), cache=caches["sd15"])
    assert calls == [(i, 6) for i in range(1, 7)]


@pytest.mark.parametrize("family", FAMILIES)
def test_cancel_stops_within_one_step(tiny, caches, control_image, family):
    steps_seen = []

    def progress(done, total):
        steps_seen.append(done)

    with pytest.raises(Cancelled):
        generate(request_for(tiny, family, steps=20), [control_image], progress=progress,
                 cancel=lambda: len(steps_seen) >= 3, cache=caches[family])
    assert steps_seen == [1, 2, 3]  # the flag went up after step 3: no 4th step ran
    # The pipeline is still usable afterwards.
    assert generate(request_for(tiny, family), [control_image], cache=caches[family])[0].image.size == (64, 64)


def test_cancel_before_start_runs_no_step(tiny, caches, control_image):
    seen = []
    with pytest.raises(Cancelled):
        generate(request_for(tiny, "sd15"), [control_image], progress=lambda d, t: seen.append(d),
                 cancel=lambda: True, cache=caches["sd15"])
    assert seen == []


def test_pipeline_is_cached_and_switching_frees_the_old_one(tiny, control_image):
    cache = PipelineCache()
    generate(request_for(tiny, "sd15"), [control_image], cache=cache)
    first = cache.loaded.pipe
    generate(request_for(tiny, "sd15", seed=5, prompt="other"), [control_image], cache=cache)
    assert cache.loaded.pipe is first  # same models: no reload
    gone = weakref.ref(first)
    del first
    generate(request_for(tiny, "sdxl"), [control_image], cache=cache)
    gc.collect()
    assert gone() is None  # the SD pipeline was released when switching to SDXL
    cache.clear()
    assert cache.loaded is None


def test_scheduler_choice(tiny, caches, control_image):
    default = generate(request_for(tiny, "sd15", steps=3), [control_image], cache=caches["sd15"])[0]
    euler_a = generate(request_for(tiny, "sd15", steps=3, scheduler="euler_a"), [control_image],
                       cache=caches["sd15"])[0]
    assert type(caches["sd15"].loaded.pipe.scheduler).__name__ == "EulerAncestralDiscreteScheduler"
    back = generate(request_for(tiny, "sd15", steps=3), [control_image], cache=caches["sd15"])[0]
    assert not np.array_equal(pixels(default), pixels(euler_a))
    assert np.array_equal(pixels(default), pixels(back))
    with pytest.raises(InputError, match="flow-matching"):
        generate(request_for(tiny, "flux", scheduler="euler_a"), [control_image], cache=caches["flux"])


def test_bad_inputs_are_refused_before_denoising(tiny, caches, control_image):
    with pytest.raises(InputError, match="multiple of"):
        generate(request_for(tiny, "flux", width=66), [np.zeros((64, 66, 3), np.uint8)], cache=caches["flux"])
    with pytest.raises(InputError, match="is 32x32 but the output is 64x64"):
        generate(request_for(tiny, "sd15"), [control_image[:32, :32]], cache=caches["sd15"])
    with pytest.raises(InputError, match="as many control images"):
        generate(request_for(tiny, "sd15"), [control_image, control_image], cache=caches["sd15"])
    with pytest.raises(InputError, match="uint8"):
        generate(request_for(tiny, "sd15"), [control_image.astype(np.float32)], cache=caches["sd15"])
    zimage_window = [ControlSpec(str(tiny["zimage"][1]), "openpose", 1.0, 0.2, 1.0)]
    with pytest.raises(InputError, match="no guidance start/end"):
        generate(request_for(tiny, "zimage", controlnets=zimage_window), [control_image],
                 cache=caches["zimage"])


def test_single_file_controlnet_matches_its_folder(tiny, caches, control_image, tmp_path):
    from safetensors.torch import load_file, save_file

    cn = tiny["sd15"][1]
    single = tmp_path / "control_sd15_openpose.safetensors"
    save_file(load_file(cn / "diffusion_pytorch_model.safetensors"), single)
    folder = generate(request_for(tiny, "sd15"), [control_image], cache=caches["sd15"])[0]
    request = request_for(tiny, "sd15", controlnets=[ControlSpec(str(single))])
    from_file = generate(request, [control_image], cache=caches["sd15-file"])[0]
    assert np.array_equal(pixels(folder), pixels(from_file))


def test_guidance_window_changes_the_result(tiny, caches, control_image):
    cn = str(tiny["sd15"][1])
    full = generate(request_for(tiny, "sd15", steps=4), [control_image], cache=caches["sd15"])[0]
    late = generate(request_for(tiny, "sd15", steps=4, controlnets=[ControlSpec(cn, "openpose",
                                                                                1.0, 0.5, 1.0)]),
                    [control_image], cache=caches["sd15"])[0]
    assert not np.array_equal(pixels(full), pixels(late))
