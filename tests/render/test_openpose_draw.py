"""The OpenPose image is pixel-identical to controlnet_aux's drawing (what ControlNet saw)."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.keypoints import OpenPosePerson, people_keypoints_2d
from posestudio.render.openpose_draw import draw_openpose, hand_edge_colors
from posestudio.scene.model import Canvas

from render_helpers import controlnet_aux_util, random_camera, random_pose


def _reference(people, width, height, util):
    """controlnet_aux.open_pose.draw_poses, with keypoints normalised as controlnet_aux stores them."""
    from controlnet_aux.open_pose.body import Keypoint

    def body_kp(part):
        return [Keypoint(x / width, y / height) if c > 0 else None for x, y, c in part]

    def hand_kp(part):  # controlnet_aux marks undetected hand/face points with -1
        if part is None:
            return None
        return [Keypoint(x / width, y / height) if c > 0 else Keypoint(-1.0, -1.0)
                for x, y, c in part]

    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    for p in people:
        canvas = util.draw_bodypose(canvas, body_kp(p.coco18_body()))
        canvas = util.draw_handpose(canvas, hand_kp(p.hand_left))
        canvas = util.draw_handpose(canvas, hand_kp(p.hand_right))
        canvas = util.draw_facepose(canvas, hand_kp(p.face))
    return canvas


def _random_person(rng, width, height, layout_points=18):
    def part(n, absent=0.15):
        xy = rng.uniform([-0.1 * width, -0.1 * height], [1.1 * width, 1.1 * height], size=(n, 2))
        c = (rng.random(n) > absent).astype(float)
        inside = (xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)
        c[~inside] = 0  # keypoints never lie off the canvas
        xy[c == 0] = 0
        return np.column_stack([xy, c])

    return OpenPosePerson(part(layout_points), part(21), part(21), part(70))


def test_hand_edge_colours_match_matplotlib():
    import matplotlib.colors

    ours = hand_edge_colors()
    for i, color in enumerate(ours):
        ref = matplotlib.colors.hsv_to_rgb([i / float(len(ours)), 1.0, 1.0]) * 255
        assert np.array_equal(color, ref)


@pytest.mark.parametrize("seed", range(6))
def test_random_keypoints_equal_controlnet_aux(seed):
    util = controlnet_aux_util()
    rng = np.random.default_rng(seed)
    width, height = [(128, 160), (97, 131), (512, 384), (64, 64), (200, 300), (333, 257)][seed]
    people = [_random_person(rng, width, height) for _ in range(1 + seed % 3)]
    ours = draw_openpose(people, width, height)
    ref = _reference(people, width, height, util)
    assert ours.shape == ref.shape == (height, width, 3) and ours.dtype == np.uint8
    assert ours.any()
    assert np.array_equal(ours, ref), f"{np.count_nonzero((ours != ref).any(-1))} pixels differ"


@pytest.mark.parametrize("seed", range(4))
def test_mannequin_keypoints_equal_controlnet_aux(seed, mannequin):
    util = controlnet_aux_util()
    rng = np.random.default_rng(100 + seed)
    canvas = Canvas(160, 224)
    posed = mannequin.pose(pose=random_pose(rng))
    camera = random_camera(rng, posed.vertices, canvas)
    layout = "body25" if seed % 2 else "coco18"
    people = people_keypoints_2d([posed], camera, canvas, layout=layout)
    ours = draw_openpose(people, canvas.width, canvas.height)
    ref = _reference(people, canvas.width, canvas.height, util)
    assert np.array_equal(ours, ref)
    # IoU of the drawn pixels, the weaker criterion of the brief, holds trivially then:
    assert ours.any(-1).sum() > 50


def test_body25_draws_the_coco18_subset():
    rng = np.random.default_rng(7)
    coco = _random_person(rng, 128, 128)
    from posestudio.skeletons import BODY25_NAMES, COCO18_NAMES

    body25 = np.zeros((25, 3))
    for i, name in enumerate(COCO18_NAMES):
        body25[BODY25_NAMES.index(name)] = coco.body[i]
    body25[BODY25_NAMES.index("mid_hip")] = (60, 60, 1)    # BODY_25-only points are not drawn
    body25[BODY25_NAMES.index("left_heel")] = (30, 100, 1)
    b25 = OpenPosePerson(body25, coco.hand_left, coco.hand_right, coco.face)
    assert np.array_equal(draw_openpose([b25], 128, 128), draw_openpose([coco], 128, 128))


def test_absent_points_and_parts_are_not_drawn():
    body = np.zeros((18, 3))
    assert not draw_openpose([OpenPosePerson(body)], 64, 64).any()
    body[1] = (32, 32, 1)  # one point, no limb
    image = draw_openpose([OpenPosePerson(body)], 64, 64)
    assert tuple(image[32, 32]) == (255, 85, 0)  # neck colour, full strength
    assert np.count_nonzero(image.any(-1)) < 60
    assert not draw_openpose([OpenPosePerson(body)], 64, 64, body=False).any()


def test_depth_ordered_limbs_put_the_near_arm_on_top():
    # A right arm crossing the torso: classic order draws the torso limbs (neck-hips) after
    # the arm; depth order draws the nearer arm last.
    body = np.zeros((18, 3))
    pts = {1: (50, 20), 8: (40, 80), 11: (60, 80), 2: (40, 20), 3: (20, 50), 4: (75, 50)}
    for i, (x, y) in pts.items():
        body[i] = (x, y, 1)
    depth = np.full(18, 3.0)
    depth[[3, 4]] = 2.5  # elbow and wrist nearer
    person = OpenPosePerson(body, depth=depth)
    classic = draw_openpose([person], 100, 100)
    ordered = draw_openpose([person], 100, 100, depth_ordered_limbs=True)
    # Pixel (x 45, y 50) lies on the forearm (limb 3-4) and on the neck-right hip limb (1-8),
    # which the classic order draws later.
    forearm = tuple(int(c * 0.6) for c in (255, 255, 0))   # OPENPOSE_COLORS[3]
    torso = tuple(int(c * 0.6) for c in (0, 255, 0))       # OPENPOSE_COLORS[6]
    assert tuple(ordered[50, 45]) == forearm
    assert tuple(classic[50, 45]) == torso
    with pytest.raises(ValueError):
        draw_openpose([OpenPosePerson(body)], 100, 100, depth_ordered_limbs=True)
