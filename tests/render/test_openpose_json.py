"""OpenPose JSON: lossless round trip, the A1111/OpenPose variants, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from posestudio.errors import ImportFormatError
from posestudio.keypoints import OpenPosePerson
from posestudio.render.openpose_json import from_openpose_json, to_openpose_json


def _points(n):
    # A present point has pixel coordinates ≥ 1 somewhere in the file (all ≤ 1 reads as
    # normalised); x, y any float in the canvas, confidence in (0, 1] or an absent 0,0,0.
    point = st.one_of(
        st.just((0.0, 0.0, 0.0)),
        st.tuples(st.floats(1.0, 4000.0), st.floats(1.0, 4000.0),
                  st.floats(0.01, 1.0)))
    return st.lists(point, min_size=n, max_size=n).map(lambda p: np.array(p, dtype=np.float64))


@st.composite
def people(draw):
    result = []
    for _ in range(draw(st.integers(0, 3))):
        body = draw(_points(draw(st.sampled_from([18, 25]))))
        body[0] = (draw(st.floats(1.0, 4000.0)), 5.0, 1.0)  # at least one point in pixels
        hands = [draw(st.none() | _points(21)) for _ in range(2)]
        face = draw(st.none() | _points(70))
        result.append(OpenPosePerson(body, hands[0], hands[1], face))
    return result


@settings(max_examples=60, deadline=None)
@given(people(), st.integers(16, 8192), st.integers(16, 8192))
def test_round_trip_is_lossless(people_in, width, height):
    data = json.loads(json.dumps(to_openpose_json(people_in, (width, height))))
    people_out, size = from_openpose_json(data)
    assert size == (width, height)
    assert len(people_out) == len(people_in)
    for a, b in zip(people_in, people_out):
        for part in ("body", "hand_left", "hand_right", "face"):
            pa, pb = getattr(a, part), getattr(b, part)
            assert (pa is None) == (pb is None)
            if pa is not None:
                assert np.array_equal(pa, pb)


def test_written_layout(tmp_path):
    body = np.zeros((18, 3))
    body[1] = (10.5, 20.25, 1.0)
    data = to_openpose_json([OpenPosePerson(body, hand_left=np.zeros((21, 3)))], (64, 48))
    assert data["canvas_width"] == 64 and data["canvas_height"] == 48
    person = data["people"][0]
    assert person["pose_keypoints_2d"][3:6] == [10.5, 20.25, 1.0]
    assert len(person["pose_keypoints_2d"]) == 54 and person["pose_keypoints_2d"][:3] == [0, 0, 0]
    assert len(person["hand_left_keypoints_2d"]) == 63
    assert person["hand_right_keypoints_2d"] == [] and person["face_keypoints_2d"] == []
    path = tmp_path / "pose.json"
    path.write_text(json.dumps(data))
    people_out, size = from_openpose_json(path)
    assert size == (64, 48) and people_out[0].hand_right is None
    assert people_out[0].hand_left.shape == (21, 3)


def test_normalised_coordinates_are_scaled():
    body = [0.0] * 54
    body[3:6] = [0.5, 0.25, 0.9]
    hand = [0.0] * 63
    hand[0:3] = [1.0, 1.0, 1.0]
    data = {"people": [{"pose_keypoints_2d": body, "hand_left_keypoints_2d": hand}],
            "canvas_width": 200, "canvas_height": 100}
    people_out, _ = from_openpose_json(data)
    assert np.allclose(people_out[0].body[1], (100.0, 25.0, 0.9))
    assert np.allclose(people_out[0].hand_left[0], (200.0, 100.0, 1.0))
    assert people_out[0].face is None and people_out[0].hand_right is None


def test_variants_body25_face68_nulls_and_batch_list():
    data = [{"people": [{"pose_keypoints_2d": [5.0, 6.0, 1.0] * 25, "face_keypoints_2d":
                         [7.0, 8.0, 1.0] * 68, "hand_left_keypoints_2d": None}],
             "canvas_width": 32, "canvas_height": 32}]
    (person,), size = from_openpose_json(data)
    assert person.body.shape == (25, 3) and person.layout == "body25"
    assert person.face.shape == (70, 3) and not person.face[68:].any()  # pupils absent
    assert person.hand_left is None


def test_plain_openpose_output_needs_a_size():
    data = {"version": 1.3, "people": [{"pose_keypoints_2d": [5.0, 6.0, 1.0] * 18}]}
    with pytest.raises(ImportFormatError, match="canvas_width"):
        from_openpose_json(data)
    people_out, size = from_openpose_json(data, canvas_size=(640, 480))
    assert size == (640, 480) and people_out[0].body[0, 0] == 5.0


@pytest.mark.parametrize("data, field", [
    ({"people": "x", "canvas_width": 8, "canvas_height": 8}, "people"),
    ({"people": [{"pose_keypoints_2d": [1.0] * 10}], "canvas_width": 8, "canvas_height": 8},
     r"people\[0\].pose_keypoints_2d"),
    ({"people": [{"pose_keypoints_2d": [1.0] * 54, "hand_right_keypoints_2d": [1.0] * 60}],
      "canvas_width": 8, "canvas_height": 8}, r"people\[0\].hand_right_keypoints_2d"),
    ({"people": [{"pose_keypoints_2d": ["a"] * 54}], "canvas_width": 8, "canvas_height": 8},
     "pose_keypoints_2d"),
    ({"people": [{"face_keypoints_2d": [1.0] * 210}], "canvas_width": 8, "canvas_height": 8},
     "pose_keypoints_2d is missing"),
    ({"people": [], "canvas_width": -3, "canvas_height": 8}, "canvas_width"),
    ({"people": [], "canvas_width": 8, "canvas_height": True}, "canvas_height"),
    ({"people": [{"pose_keypoints_2d": [1.0, 1.0, -1.0] * 18}], "canvas_width": 8,
      "canvas_height": 8}, "negative confidence"),
    ([1, 2], "object"),
])
def test_bad_json_names_the_field(data, field):
    with pytest.raises(ImportFormatError, match=field):
        from_openpose_json(data)


def test_bad_files(tmp_path):
    with pytest.raises(ImportFormatError, match="no such"):
        from_openpose_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ImportFormatError, match="bad.json: not valid JSON"):
        from_openpose_json(bad)
