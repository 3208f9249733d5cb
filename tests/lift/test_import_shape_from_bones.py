"""``posestudio import --shape-from-bones``: the imported person takes the proportions the
keypoints' bone lengths show; without the flag the fit keeps the mannequin's."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posestudio.scene.file_format import load_scene

# legs longer, torso shorter, arms longer, shoulders narrower, hips wider (betas 2–6)
TRUE = np.array([0.0, 0.0, 1.5, -1.0, 1.2, -1.0, 1.0, 0.0, 0.0, 0.0])
SEEN = [2, 3, 4, 5, 6]


@pytest.fixture(scope="module")
def shaped_json(tmp_path_factory):
    """An OpenPose JSON of a body posed with ``TRUE`` betas, arms and legs spread, and the
    focal length (pixels) of the camera that saw it."""
    from posestudio import camera as cam
    from posestudio.body import load_body_model
    from posestudio.keypoints import people_keypoints_2d
    from posestudio.lift.priors import mean_pose
    from posestudio.render.openpose_json import to_openpose_json
    from posestudio.scene.model import Camera, Canvas
    from posestudio.skeletons import SMPLX_JOINT_INDEX as J

    body = load_body_model("mannequin")
    pose = mean_pose()
    pose[J["left_shoulder"]] = (0.0, 0.0, -0.5)
    pose[J["right_shoulder"]] = (0.0, 0.0, 0.5)
    pose[J["left_hip"]] = (0.0, 0.0, 0.25)
    pose[J["right_hip"]] = (0.0, 0.0, -0.25)
    posed = body.pose(betas=TRUE, pose=pose)
    canvas = Canvas(768, 1024)
    camera = cam.frame_points(Camera(yaw_deg=20, pitch_deg=10), canvas, posed.vertices)
    people = people_keypoints_2d([posed], camera, canvas)
    path = tmp_path_factory.mktemp("shape") / "shaped_keypoints.json"
    path.write_text(json.dumps(to_openpose_json(people, canvas)))
    return path, cam.intrinsics(camera, canvas)[0, 0]


def test_the_flag_gives_the_person_the_proportions_of_the_keypoints(tmp_path, cli, shaped_json):
    path, focal = shaped_json
    errors = {}
    for name, flags in (("plain", ()), ("shaped", ("--shape-from-bones",))):
        out = tmp_path / f"{name}.pose.json"
        result = cli("import", path, "--out", out, "--focal-px", f"{focal:.3f}", *flags)
        assert result.code == 0, result.err
        betas = np.asarray(load_scene(out).people[0].betas)
        errors[name] = np.abs(betas[SEEN] - TRUE[SEEN]).sum()
    assert errors["shaped"] < errors["plain"] - 0.5, errors


def test_the_flag_is_refused_where_there_is_no_single_image_lift(tmp_path, cli):
    from posestudio.scene.file_format import save_scene
    from posestudio.scene.model import Scene

    source = tmp_path / "a.pose.json"
    save_scene(Scene(), source)
    out = tmp_path / "b.pose.json"
    result = cli("import", source, "--out", out, "--shape-from-bones")
    assert result.code == 2 and not out.exists()
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "--shape-from-bones" in lines[0], result.err
