"""Generation parameters: CLI parsing, validation messages, JSON round trip."""

from __future__ import annotations

import json

import pytest

from posestudio.errors import InputError
from posestudio.generate.params import (ControlSpec, GenerationRequest, guess_map,
                                        parse_control_arg, parse_seed)


@pytest.mark.parametrize("text, expected", [
    ("models/cn", ("models/cn", "openpose", 1.0, 0.0, 1.0)),
    ("models/control_sd15_depth", ("models/control_sd15_depth", "depth", 1.0, 0.0, 1.0)),
    ("models/cn:depth", ("models/cn", "depth", 1.0, 0.0, 1.0)),
    ("models/cn:depth:0.5", ("models/cn", "depth", 0.5, 0.0, 1.0)),
    ("models/cn:canny:0.8:0.1:0.9", ("models/cn", "canny", 0.8, 0.1, 0.9)),
    ("models/cn:0.7", ("models/cn", "openpose", 0.7, 0.0, 1.0)),
    (r"C:\models\cn_openpose.safetensors:openpose:1.0",
     (r"C:\models\cn_openpose.safetensors", "openpose", 1.0, 0.0, 1.0)),
])
def test_parse_control_arg(text, expected):
    spec = parse_control_arg(text)
    assert (spec.path, spec.map, spec.scale, spec.start, spec.end) == expected


@pytest.mark.parametrize("text, field", [
    ("cn:depht", "not a control map"),
    ("cn:depth:9", "scale"),
    ("cn:depth:1:0.8:0.2", "start must be below end"),
    ("cn:depth:1:0:1.5", "end"),
])
def test_bad_control_args_name_the_field(text, field):
    with pytest.raises(InputError, match=field):
        parse_control_arg(text)


def test_guess_map_from_names():
    assert guess_map("/m/control_v11p_sd15_openpose") == "openpose"
    assert guess_map("/m/xinsir-controlnet-depth-sdxl/") == "depth"
    assert guess_map("/m/normalbae.safetensors") == "normal"
    assert guess_map("/m/something") == "openpose"


def test_seed_parsing():
    assert parse_seed("42") == 42
    assert parse_seed("random") is None and parse_seed(None) is None and parse_seed("-1") is None
    with pytest.raises(InputError, match="seed"):
        parse_seed("abc")
    with pytest.raises(InputError, match="seed"):
        parse_seed(str(2**32))


def _request(**kw):
    base = dict(base="b", controlnets=[ControlSpec("cn", "depth", 0.5)], prompt="p", width=64,
                height=64)
    base.update(kw)
    return GenerationRequest(**base)


@pytest.mark.parametrize("field, value, message", [
    ("steps", 0, "steps"), ("steps", 2.5, "steps"), ("guidance", -1, "guidance"),
    ("batch_count", 0, "batch count"), ("width", 8, "width"), ("scheduler", "magic", "scheduler"),
    ("device", "tpu", "device"), ("precision", "int4", "precision"), ("controlnets", [], "controlnet"),
    ("prompt", None, "prompt"),
])
def test_request_validation_names_the_field(field, value, message):
    with pytest.raises(InputError, match=message):
        _request(**{field: value})


def test_request_json_round_trip():
    request = _request(seed=7, negative_prompt="blurry", steps=3, guidance=2.5, scheduler="euler")
    again = GenerationRequest.from_dict(json.loads(json.dumps(request.to_dict())))
    assert again == request
    with pytest.raises(InputError, match="unknown generation parameter"):
        GenerationRequest.from_dict({**request.to_dict(), "sampler": "x"})


def test_with_seed_draws_once_and_keeps_given():
    assert _request(seed=5).with_seed().seed == 5
    drawn = _request().with_seed().seed
    assert isinstance(drawn, int) and 0 <= drawn < 2**32
