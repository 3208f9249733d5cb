"""BVH import and export with files the tests write: known rotations → known joint positions,
odd channel orders, units, malformed files, rest-pose alignment, resampling, round trip."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from bvh_files import Joint, bvh_text, mannequin_joints
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from posestudio.anim import Animation, PoseKey, scene_at
from posestudio.anim.bvh import load_bvh, parse_bvh
from posestudio.anim.bvh_export import bvh_text as export_text
from posestudio.anim.bvh_export import save_bvh
from posestudio.anim.bvh_import import import_bvh
from posestudio.anim.bvh_map import auto_map
from posestudio.anim.retarget import joint_positions
from posestudio.body import load_body_model
from posestudio.errors import ImportFormatError
from posestudio.rotations import axis_angle_to_matrix, rotation_distance
from posestudio.scene import Person, Scene
from posestudio.skeletons import SMPLX_JOINT_INDEX as IDX
from posestudio.skeletons import SMPLX_PARENTS


@pytest.fixture(scope="module")
def body():
    return load_body_model("mannequin")


def _rot(axis, degrees):
    return Rotation.from_rotvec(np.radians(degrees) * np.asarray(axis, float)).as_matrix()


def _chain_joints(orders=("ZXY", "YZX", "XZY")):
    return [Joint("Root", -1, (0.0, 1.0, 0.0), orders[0], position=True),
            Joint("A", 0, (1.0, 0.0, 0.0), orders[1]),
            Joint("B", 1, (0.0, 2.0, 0.0), orders[2], end_site=(0.0, 0.5, 0.0))]


def test_known_rotations_give_known_joint_positions():
    rot = np.broadcast_to(np.eye(3), (2, 3, 3, 3)).copy()
    pos = np.zeros((2, 3, 3))
    pos[:, 0] = [0.0, 1.0, 0.0]
    rot[1, 0] = _rot([0, 1, 0], 90)    # root turns 90° about +Y: +X goes to -Z
    rot[1, 1] = _rot([0, 0, 1], 90)    # A turns 90° about +Z: +Y goes to -X
    pos[1, 0] = [5.0, 1.0, 0.0]
    clip = parse_bvh(bvh_text(_chain_joints(), rot, pos))
    assert clip.names == ("Root", "A", "B") and clip.num_frames == 2 and clip.fps == pytest.approx(30)
    _, p = clip.global_transforms()
    np.testing.assert_allclose(p[0], [[0, 1, 0], [1, 1, 0], [1, 3, 0]], atol=1e-7)
    # frame 1: A at root + R_y(90)·(1,0,0) = (5,1,-1); B at A + R_y(90)·R_z(90)·(0,2,0)
    #        R_z(90)·(0,2,0) = (-2,0,0); R_y(90)·(-2,0,0) = (0,0,2)
    np.testing.assert_allclose(p[1], [[5, 1, 0], [5, 1, -1], [5, 1, 1]], atol=1e-7)
    assert 2 in clip.end_sites and np.allclose(clip.end_sites[2], [0, 0.5, 0])


@pytest.mark.parametrize("orders", [("XYZ", "XYZ", "XYZ"), ("ZYX", "YXZ", "ZXY"), ("YZX", "XZY", "YXZ")])
def test_any_channel_order_gives_the_same_motion(orders):
    rng = np.random.default_rng(7)
    rot = Rotation.random(15, random_state=rng).as_matrix().reshape(5, 3, 3, 3)
    pos = rng.normal(size=(5, 3, 3))
    reference = parse_bvh(bvh_text(_chain_joints(), rot, pos)).global_transforms()
    other = parse_bvh(bvh_text(_chain_joints(orders), rot, pos)).global_transforms()
    np.testing.assert_allclose(other[0], reference[0], atol=1e-7)
    np.testing.assert_allclose(other[1], reference[1], atol=1e-6)


def _mannequin_clip(body, rotations, unit="m", names=None, orders="ZXY", rest=None, transl=None):
    scale = {"m": 1.0, "cm": 100.0, "in": 1 / 0.0254}[unit]
    rest = body.rest_joints(np.zeros(10)) if rest is None else rest
    joints = mannequin_joints(rest, names, scale, orders)
    count = len(rotations)
    pos = np.zeros((count, len(joints), 3))
    pelvis = rest[0] + (np.zeros((count, 3)) if transl is None else transl) + [0, 0.95, 0]
    pos[:, 0] = pelvis * scale
    return bvh_text(joints, rotations, pos)


def _random_rotations(count, joints=22, seed=0, scale=0.6):
    rng = np.random.default_rng(seed)
    return axis_angle_to_matrix(rng.normal(size=(count, joints, 3)) * scale)


@pytest.mark.parametrize("unit,expected", [("m", "m"), ("cm", "cm"), ("in", "in")])
def test_units_are_detected_and_do_not_change_the_import(tmp_path, body, unit, expected):
    rot = _random_rotations(4)
    transl = np.array([[0.0, 0, 0], [0.1, 0, 0.2], [0.3, 0.05, 0.3], [0.5, 0, 0.4]])
    path = tmp_path / f"clip_{unit}.bvh"
    path.write_text(_mannequin_clip(body, rot, unit, transl=transl))
    clip = load_bvh(path)
    assert clip.units == expected
    scene = import_bvh(path, body=body, ground=False)
    reference = import_bvh(parse_bvh(_mannequin_clip(body, rot, "m", transl=transl)), body=body,
                           ground=False)
    for a, b in zip(scene.animation.tracks[0], reference.animation.tracks[0]):
        np.testing.assert_allclose(a.pose, b.pose, atol=1e-6)
        np.testing.assert_allclose(a.transl, b.transl, atol=1e-6)
    # the mannequin's own skeleton: the pelvis path comes back as written (metres)
    got = np.stack([k.transl for k in scene.animation.tracks[0]])
    np.testing.assert_allclose(got, transl + [0, 0.95, 0], atol=1e-6)


MIXAMO = {"pelvis": "mixamorig:Hips", "spine1": "mixamorig:Spine", "spine2": "mixamorig:Spine1",
          "spine3": "mixamorig:Spine2", "neck": "mixamorig:Neck", "head": "mixamorig:Head",
          "left_collar": "mixamorig:LeftShoulder", "left_shoulder": "mixamorig:LeftArm",
          "left_elbow": "mixamorig:LeftForeArm", "left_wrist": "mixamorig:LeftHand",
          "right_collar": "mixamorig:RightShoulder", "right_shoulder": "mixamorig:RightArm",
          "right_elbow": "mixamorig:RightForeArm", "right_wrist": "mixamorig:RightHand",
          "left_hip": "mixamorig:LeftUpLeg", "left_knee": "mixamorig:LeftLeg",
          "left_ankle": "mixamorig:LeftFoot", "left_foot": "mixamorig:LeftToeBase",
          "right_hip": "mixamorig:RightUpLeg", "right_knee": "mixamorig:RightLeg",
          "right_ankle": "mixamorig:RightFoot", "right_foot": "mixamorig:RightToeBase"}


def test_mixamo_names_map_and_the_imported_rotations_are_the_clip_s(body):
    rot = _random_rotations(3, seed=2)
    scene = import_bvh(parse_bvh(_mannequin_clip(body, rot, "cm", MIXAMO, ["ZXY", "XYZ", "YZX"])),
                       body=body)
    assert scene.animation.bvh_map == {v: k for k, v in MIXAMO.items()}
    poses = np.stack([k.pose for k in scene.animation.tracks[0]])
    back = axis_angle_to_matrix(poses[:, :22])
    assert rotation_distance(back, rot).max() < 1e-6


def test_cmu_and_biovision_names_map():
    cmu = ["Hips", "LHipJoint", "LeftUpLeg", "LeftLeg", "LeftFoot", "LeftToeBase", "LowerBack",
           "Spine", "Spine1", "Neck", "Neck1", "Head", "LeftShoulder", "LeftArm", "LeftForeArm",
           "LeftHand", "LThumb"]
    parents = [-1, 0, 1, 2, 3, 4, 0, 6, 7, 8, 9, 10, 8, 12, 13, 14, 15]
    got = auto_map(cmu, parents)
    assert got["LeftUpLeg"] == "left_hip" and got["LeftLeg"] == "left_knee"
    assert got["LeftShoulder"] == "left_collar" and got["LeftArm"] == "left_shoulder"
    assert got["LeftForeArm"] == "left_elbow" and got["LThumb"] == "left_thumb1"
    assert [got[n] for n in ("LowerBack", "Spine", "Spine1")] == ["spine1", "spine2", "spine3"]
    assert "LHipJoint" not in got and "Neck1" not in got
    bio = ["Hips", "Chest", "Neck", "Head", "LeftCollar", "LeftUpArm", "LeftLowArm", "LeftHand",
           "RightUpLeg", "RightLowLeg", "RightFoot", "Bip01 L Thigh", "thigh.L"]
    got = auto_map(bio, [-1, 0, 1, 2, 1, 4, 5, 6, 0, 8, 9, 0, 0])
    assert got["Chest"] == "spine3" and got["LeftUpArm"] == "left_shoulder"
    assert got["LeftLowArm"] == "left_elbow" and got["RightLowLeg"] == "right_knee"
    assert got["Bip01 L Thigh"] == "left_hip" and "thigh.L" not in got  # first one wins


def _bone_directions(points, pairs):
    d = np.stack([points[..., b, :] - points[..., a, :] for a, b in pairs], axis=-2)
    return d / np.linalg.norm(d, axis=-1, keepdims=True)


BONES = [("left_hip", "left_knee"), ("left_knee", "left_ankle"), ("right_hip", "right_knee"),
         ("right_knee", "right_ankle"), ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
         ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"), ("pelvis", "spine1"),
         ("neck", "head"), ("left_ankle", "left_foot")]


@pytest.mark.parametrize("pose_kind", ["a-pose", "z-up"])
def test_rest_pose_alignment_keeps_every_bone_direction(body, pose_kind):
    """A clip whose rest pose differs from the mannequin's (arms down 45°: an A-pose; or the
    whole figure lying in a Z-up world) and whose proportions differ: every bone of the imported
    mannequin points where the clip's bone points, in every frame."""
    rest = body.rest_joints(np.zeros(10)).copy()
    rest[:, 0] *= 1.15  # wider shoulders and hips, other proportions
    rest[[IDX["left_knee"], IDX["right_knee"]], 1] -= 0.05
    world = np.eye(3)
    if pose_kind == "a-pose":
        for side, sign in (("left", 1), ("right", -1)):
            s = IDX[f"{side}_shoulder"]
            arm = _rot([0, 0, 1], -45 * sign)
            for j in (IDX[f"{side}_elbow"], IDX[f"{side}_wrist"]):
                rest[j] = rest[s] + arm @ (rest[j] - rest[s])
    else:
        world = _rot([1, 0, 0], 90)  # Y-up figure → Z-up world
        rest = rest @ world.T
    rot = _random_rotations(6, seed=5, scale=0.4)
    names = [("pelvis", "spine1")]
    scene = import_bvh(parse_bvh(_mannequin_clip(body, rot, "cm", rest=rest)), body=body)
    clip = parse_bvh(_mannequin_clip(body, rot, "cm", rest=rest))
    _, clip_pos = clip.global_transforms()
    index = {n: i for i, n in enumerate(clip.names)}
    pairs_clip = [(index[a], index[b]) for a, b in BONES]
    want = _bone_directions(clip_pos, pairs_clip) @ world  # clip world → mannequin world (Wᵀ)
    track = scene.animation.tracks[0]
    poses = np.stack([k.pose for k in track])
    points = joint_positions(poses, np.stack([k.transl for k in track]), body.rest_joints(np.zeros(10)))
    got = _bone_directions(points, [(IDX[a], IDX[b]) for a, b in BONES])
    cos = (got * want).sum(-1)
    assert cos.min() > 1 - 1e-6, (names, cos.min())


@pytest.mark.parametrize("order", ["ZXY", "XYZ"])
def test_export_import_round_trip_within_1e_4_rad(tmp_path, body, order):
    rng = np.random.default_rng(11)
    keys = [PoseKey(t, rng.normal(size=(55, 3)) * 0.7, [0.1 * t, 0.95, -0.2 * t], "smooth")
            for t in (0.0, 0.4, 0.9, 1.5)]
    keys[1].pose[IDX["left_knee"]] = [math.pi - 1e-3, 0, 0]  # close to a half turn
    scene = Scene(people=[Person()], animation=Animation(fps=20, tracks=[keys]))
    path = tmp_path / "out.bvh"
    save_bvh(scene, path, order=order)
    back = import_bvh(path, body=body, ground=False)
    assert back.animation.fps == 20 and len(back.animation.tracks[0]) == 31
    for i in range(31):
        t = i / 20
        src, dst = scene_at(scene, t).people[0], scene_at(back, t).people[0]
        err = rotation_distance(axis_angle_to_matrix(src.pose), axis_angle_to_matrix(dst.pose))
        assert err.max() < 1e-4
        np.testing.assert_allclose(dst.transl, src.transl, atol=1e-5)


def test_frame_rate_resampling_and_range(body):
    rot = _random_rotations(31, seed=3, scale=0.3)
    clip = parse_bvh(_mannequin_clip(body, rot, "m"))
    full = import_bvh(clip, body=body)
    slow = import_bvh(clip, body=body, fps=10)
    assert len(full.animation.tracks[0]) == 31 and len(slow.animation.tracks[0]) == 11
    for i, key in enumerate(slow.animation.tracks[0]):
        source = full.animation.tracks[0][3 * i]
        assert key.time == pytest.approx(source.time)
        np.testing.assert_allclose(key.pose, source.pose, atol=1e-9)
    # between source frames: slerp (rotation distance splits evenly)
    fast = import_bvh(clip, body=body, fps=60)
    mid = axis_angle_to_matrix(fast.animation.tracks[0][1].pose)
    a, b = (axis_angle_to_matrix(full.animation.tracks[0][k].pose) for k in (0, 1))
    np.testing.assert_allclose(rotation_distance(a, mid), rotation_distance(mid, b), atol=1e-9)
    part = import_bvh(clip, body=body, start=10, end=20)
    assert len(part.animation.tracks[0]) == 10
    np.testing.assert_allclose(part.animation.tracks[0][0].pose, full.animation.tracks[0][10].pose,
                               atol=1e-12)


def test_still_scene_exports_one_frame(body):
    text = export_text(Scene(people=[Person()]), body=body)
    clip = parse_bvh(text)
    assert clip.num_frames == 1 and len(clip.names) == 55 and clip.units == "cm"
    assert clip.names[0] == "pelvis" and SMPLX_PARENTS[IDX["left_wrist"]] == IDX["left_elbow"]


GOOD = bvh_text(_chain_joints(), np.broadcast_to(np.eye(3), (2, 3, 3, 3)).copy(), np.zeros((2, 3, 3)))


def _last_line(text, change):
    lines = text.splitlines()
    return "\n".join(lines[:-1] + [change(lines[-1])]) + "\n"


def _deep(levels):
    lines = ["HIERARCHY", "ROOT r", "{", "OFFSET 0 0 0", "CHANNELS 3 Xrotation Yrotation Zrotation"]
    for i in range(levels):
        lines += [f"JOINT j{i}", "{", "OFFSET 0 1 0", "CHANNELS 3 Xrotation Yrotation Zrotation"]
    lines += ["}"] * (levels + 1) + ["MOTION", "Frames: 0", "Frame Time: 0.03"]
    return "\n".join(lines) + "\n"


MALFORMED = [
    ("", "empty"),
    ("HIERARCHY\nROOT a\n{\n", "no MOTION"),
    ("hello world\n", "not a BVH file"),
    (GOOD.replace("CHANNELS 3 Yrotation", "CHANNELS 3 Wrotation"), "channel 'Wrotation'"),
    (GOOD.replace("OFFSET 1.000000000", "OFFSET one"), "expected a number"),
    (GOOD.replace("Frames: 2", "Frames: 3"), "declares 3 frames but holds 2"),
    (GOOD.replace("Frames: 2", "Frames: 99999999999"), "Frames must be a whole number"),
    (GOOD.replace("Frame Time: 0.03333333", "Frame Time: 0"), "Frame Time"),
    (GOOD.replace("JOINT B", "JOINT A"), "appears twice"),
    (_last_line(GOOD, lambda line: line + " 7"), "has 13 values, the skeleton has 12"),
    (_last_line(GOOD, lambda line: line.rsplit(" ", 1)[0] + " nan"), "non-finite"),
    (_last_line(GOOD, lambda line: line.rsplit(" ", 1)[0] + " x1"), "'x1' is not a number"),
    (GOOD.replace("CHANNELS 6", "CHANNELS 60"), "CHANNELS count"),
    (GOOD.replace("MOTION", "}\nMOTION"), "unexpected"),
    (GOOD.replace("End Site", "End Sight"), "expected 'Site'"),
    (_deep(300), "deeper than 256"),
    (GOOD.replace("\t\tJOINT B\n\t\t{", "\t\tJOINT B\n\t\t"), "expected '{'"),
]


@pytest.mark.parametrize("text,message", MALFORMED, ids=[m for _, m in MALFORMED])
def test_malformed_files_give_one_clear_line(tmp_path, text, message):
    path = tmp_path / "bad.bvh"
    path.write_text(text)
    with pytest.raises(ImportFormatError) as info:
        load_bvh(path)
    line = str(info.value)
    assert message in line and "\n" not in line and str(path) in line


def test_binary_and_missing_files(tmp_path):
    path = tmp_path / "x.bvh"
    path.write_bytes(b"HIERARCHY\n\0\1\2")
    with pytest.raises(ImportFormatError, match="binary"):
        load_bvh(path)
    with pytest.raises(ImportFormatError, match="no such file"):
        load_bvh(tmp_path / "missing.bvh")
    with pytest.raises(ImportFormatError, match="folder"):
        load_bvh(tmp_path)


def test_names_with_spaces_and_brace_on_the_name_line():
    text = GOOD.replace("JOINT B", "JOINT Bip01 L Calf").replace("JOINT A\n\t{", "JOINT Bip01 L Thigh {")
    clip = parse_bvh(text)
    assert clip.names == ("Root", "Bip01 L Thigh", "Bip01 L Calf")


@settings(max_examples=int(os.environ.get("POSESTUDIO_FUZZ_EXAMPLES", "80")), deadline=None)
@given(st.data())
def test_any_corruption_is_parsed_or_refused_cleanly(data):
    """Deleting, inserting or repeating text anywhere gives a clip or one ImportFormatError line,
    never another exception."""
    text = GOOD
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        kind = data.draw(st.sampled_from(["delete", "insert", "repeat"]))
        if kind == "delete":
            text = text[:at] + text[at + data.draw(st.integers(1, 40)):]
        elif kind == "insert":
            text = text[:at] + data.draw(st.text(max_size=12)) + text[at:]
        else:
            text = text[:at] + text[max(0, at - 30):at] + text[at:]
    try:
        clip = parse_bvh(text, "fuzz.bvh")
    except ImportFormatError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.bvh")
    else:
        assert clip.motion.shape == (clip.num_frames, sum(len(c) for c in clip.channels))
        clip.global_transforms()


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    from posestudio.anim import bvh

    path = tmp_path / "big.bvh"
    path.write_text(GOOD)
    monkeypatch.setattr(bvh, "MAX_BYTES", 100)
    with pytest.raises(ImportFormatError, match="larger than"):
        load_bvh(path)
