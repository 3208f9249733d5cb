"""Control maps of the real mannequin through real pyrender (EGL): geometry, alignment, rules.

Each test checks a map against something computed another way: the camera projection, a
trimesh ray cast of the exported mesh, a plain pyrender render, controlnet_aux's drawing.
One GL context is shared by the whole module (``renderer`` fixture).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from posestudio import camera as camera_math
from posestudio.keypoints import openpose_points_3d, people_keypoints_2d
from posestudio.render import maps as map_funcs
from posestudio.render.openpose_draw import draw_openpose
from posestudio.render.openpose_json import from_openpose_json, to_openpose_json
from posestudio.render.pipeline import MAP_NAMES, render_bodies, render_scene, write_maps
from posestudio.scene.model import Camera, Canvas, Person, RenderSettings, Scene
from posestudio.skeletons import COCO18_NAMES, SMPLX_JOINT_NAMES

from render_helpers import controlnet_aux_drawing, random_camera, random_pose

SMALL = Canvas(192, 256)
BODY_JOINTS = SMPLX_JOINT_NAMES[:22]  # pelvis .. wrists: the kinematic body joints


@pytest.fixture(scope="module")
def random_views(mannequin):
    """12 seeded natural poses, each seen by a random camera (some zoomed in)."""
    views = []
    for seed in range(12):
        rng = np.random.default_rng(1000 + seed)
        posed = mannequin.pose(pose=random_pose(rng), betas=rng.normal(0, 0.8, 10))
        views.append((posed, random_camera(rng, posed.vertices, SMALL)))
    return views


# --- ray casting with trimesh (no rtree here: a numpy box index stands in for its r-tree) ---

class _BoxIndex:
    """The two calls trimesh's ray_triangle makes on an rtree index, answered with numpy."""

    def __init__(self, triangles: np.ndarray) -> None:
        self.lo, self.hi = triangles.min(axis=1), triangles.max(axis=1)
        self.bounds = np.concatenate([self.lo.min(axis=0), self.hi.max(axis=0)])

    def intersection(self, box):
        box = np.asarray(box)
        return np.flatnonzero((self.lo <= box[3:]).all(axis=1) & (self.hi >= box[:3]).all(axis=1))


def _ray_cast_depth(mesh, K: np.ndarray, world_to_camera: np.ndarray, pixels: np.ndarray
                    ) -> np.ndarray:
    """Depth (metres along the view axis) of the first mesh hit through each pixel centre.

    camera.json convention: K maps OpenCV camera coordinates (x, −y, −z of the OpenGL camera)
    to pixels with (0, 0) at the top-left corner, so pixel (u, v) has its centre at +0.5.
    Returns (N,) with 0 where the ray misses.
    """
    from trimesh.ray.ray_triangle import ray_triangle_id

    centres = np.column_stack([pixels + 0.5, np.ones(len(pixels))])
    cv_dirs = centres @ np.linalg.inv(K).T
    gl_dirs = cv_dirs * (1.0, -1.0, -1.0)
    camera_to_world = np.linalg.inv(world_to_camera)
    dirs = gl_dirs @ camera_to_world[:3, :3].T
    origins = np.repeat(camera_to_world[None, :3, 3], len(pixels), axis=0)
    triangles = np.asarray(mesh.triangles, dtype=np.float64)
    _, ray_index, locations = ray_triangle_id(triangles, origins, dirs,
                                              tree=_BoxIndex(triangles), multiple_hits=True)
    depth = np.zeros(len(pixels))
    if len(ray_index):
        hit_depth = -(locations @ world_to_camera[:3, :3].T + world_to_camera[:3, 3])[:, 2]
        order = np.argsort(-hit_depth)  # far first, so the nearest hit is written last
        depth[ray_index[order]] = hit_depth[order]
    return depth


# --- (a) joints inside the silhouette --------------------------------------------------------

def test_projected_joints_lie_inside_the_rendered_silhouette(random_views, renderer):
    dilate = np.ones((5, 5), np.uint8)  # 2 px: a joint on a 1-px-thin finger or at an edge
    checked = 0
    for posed, camera in random_views:
        geometry = map_funcs.render_geometry([posed], camera, SMALL, renderer=renderer)
        mannequin = map_funcs.render_mannequin([posed], camera, SMALL, transparent=True,
                                               renderer=renderer)
        assert geometry.mask.sum() > 500
        masks = {"seg": geometry.mask, "mannequin": mannequin[..., 3] > 0}
        joints = np.stack([posed.joint(n) for n in BODY_JOINTS])
        keypoints, present = openpose_points_3d(posed)["body"]
        points = np.concatenate([joints, keypoints[present]])
        uv, depth = camera_math.project(points, camera, SMALL)
        inside = ((depth > camera.znear) & (uv[:, 0] >= 0) & (uv[:, 0] < SMALL.width)
                  & (uv[:, 1] >= 0) & (uv[:, 1] < SMALL.height))
        px = uv[inside].astype(int)
        for name, mask in masks.items():
            grown = cv2.dilate(mask.astype(np.uint8), dilate) > 0
            outside = ~grown[px[:, 1], px[:, 0]]
            assert not outside.any(), (name, camera, uv[inside][outside])
        checked += len(px)
    assert checked > 12 * 25  # most points of most views are on the canvas


# --- (b) depth_metric against a ray cast of the exported mesh -------------------------------

def _scene(poses, canvas=SMALL, camera=None, **render):
    people = [Person(name=f"P{i}", pose=pose, transl=np.asarray(t, float))
              for i, (pose, t) in enumerate(poses)]
    return Scene(canvas=canvas, camera=camera or Camera(), people=people,
                 render=RenderSettings(**render))


@pytest.mark.parametrize("seed", range(3))
def test_depth_metric_equals_a_trimesh_ray_cast_of_the_exported_mesh(seed, tmp_path, renderer):
    import trimesh

    from posestudio.body import pose_people
    from posestudio.export.mesh import write_mesh

    rng = np.random.default_rng(seed)
    poses = [(random_pose(rng), (0, 0, 0))]
    if seed == 2:  # two people, one partly behind the other
        poses.append((random_pose(rng), (0.4, 0.1, -0.9)))
    canvas = Canvas(240, 320)
    scene = _scene(poses, canvas)
    posed = pose_people(scene)
    scene.camera = random_camera(rng, np.concatenate([p.vertices for p in posed]), canvas)
    write_maps(render_scene(scene, maps=("depth",), renderer=renderer), tmp_path)
    write_mesh(posed, tmp_path / "people.ply")

    depth = np.load(tmp_path / "depth_metric.npy")
    cam = json.loads((tmp_path / "camera.json").read_text())
    mesh = trimesh.load(tmp_path / "people.ply", process=False)
    assert depth.shape == (cam["height"], cam["width"]) and depth.dtype == np.float32
    # Pixels at a silhouette or a depth step may see either side: the GPU snaps vertices to
    # 1/256 px, so a pixel centre that close to an edge is a coin toss. Judge the others.
    padded = np.pad(depth, 1)
    window = np.stack([padded[dy:dy + depth.shape[0], dx:dx + depth.shape[1]]
                       for dy in range(3) for dx in range(3)])
    step = (window.max(0) - window.min(0)) > 0.05
    body = np.argwhere((depth > 0) & ~step)[:, ::-1]
    background = np.argwhere((depth == 0) & ~step)[:, ::-1]
    pixels = np.concatenate([body[rng.choice(len(body), 200, replace=False)],
                             background[rng.choice(len(background), 40, replace=False)]])
    cast = _ray_cast_depth(mesh, np.array(cam["K"]), np.array(cam["world_to_camera"]), pixels)
    rendered = depth[pixels[:, 1], pixels[:, 0]]
    error = np.abs(cast - rendered)
    assert (cast[:200] > 0).all() and (cast[200:] == 0).all()
    assert error.max() < 1e-3, f"{np.count_nonzero(error >= 1e-3)} pixels off, max {error.max()}"
    assert (step & (depth > 0)).sum() < 0.5 * (depth > 0).sum()  # most of the body is judged


# --- (e) all maps pixel-aligned, and aligned with a plain pyrender render --------------------

@pytest.fixture(scope="module")
def two_people_maps(mannequin, renderer):
    rng = np.random.default_rng(7)
    posed = [mannequin.pose(pose=random_pose(rng)),
             mannequin.pose(pose=random_pose(rng), transl=(0.5, 0.0, -0.8))]
    camera = camera_math.frame_points(Camera(yaw_deg=25, pitch_deg=10), SMALL,
                                      np.concatenate([p.vertices for p in posed]))
    settings = RenderSettings(background="transparent")
    result = render_bodies(posed, camera, SMALL, settings, renderer=renderer)
    return posed, camera, result


def test_all_maps_share_one_silhouette(two_people_maps):
    _, _, result = two_people_maps
    maps = result.maps
    assert set(maps) == set(MAP_NAMES) | {"depth_metric"}
    mask = maps["depth_metric"] > 0
    assert 2000 < mask.sum() < mask.size // 2
    assert np.array_equal(maps["depth"] > 0, mask)
    assert np.array_equal(maps["normal"].any(-1), mask)
    assert np.array_equal(maps["seg"].any(-1), mask)
    near_body = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3))) > 0
    assert not maps["canny"][~near_body].any() and maps["canny"][mask].any()
    # The antialiased mannequin may differ only on the one-pixel rim of the silhouette.
    rim = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3))) != cv2.erode(
        mask.astype(np.uint8), np.ones((3, 3)))
    figure = maps["mannequin"][..., 3] >= 128
    assert not (figure != mask)[~rim].any()


def test_maps_align_with_a_plain_pyrender_render(two_people_maps, renderer):
    """Our path (vertices moved into the camera frame, IntrinsicsCamera from K) against
    pyrender's own: world-space mesh, PerspectiveCamera(yfov, aspect) posed by camera_to_world."""
    from posestudio.render.gl import import_pyrender

    pyrender = import_pyrender()
    posed, camera, result = two_people_maps
    scene = pyrender.Scene()
    for p in posed:
        scene.add(pyrender.Mesh.from_trimesh(
            __import__("trimesh").Trimesh(p.vertices, p.faces, process=False)))
    scene.add(pyrender.PerspectiveCamera(np.radians(camera.fov_y_deg), znear=camera.znear,
                                         zfar=camera.zfar,
                                         aspectRatio=SMALL.width / SMALL.height),
              pose=camera_math.camera_to_world(camera))
    depth = renderer.render(scene, SMALL.width, SMALL.height, samples=0)[1]
    ours = result.maps["depth_metric"]
    assert np.array_equal(depth > 0, ours > 0)
    both = (depth > 0) & (ours > 0)
    assert np.abs(depth[both] - ours[both]).max() < 1e-3


def test_seg_palettes(two_people_maps, renderer):
    posed, camera, _ = two_people_maps
    geometry = map_funcs.render_geometry(posed, camera, SMALL, renderer=renderer)
    parts = map_funcs.seg_map(geometry, "parts")
    people = map_funcs.seg_map(geometry, "people")
    ade = map_funcs.seg_map(geometry, "ade20k")
    mask = geometry.mask
    assert set(map(tuple, ade[mask])) == {map_funcs.ADE20K_PERSON}
    assert set(map(tuple, people[mask])) == set(map_funcs.PEOPLE_PALETTE[:2])
    assert tuple(people[geometry.person == 1][0]) == map_funcs.PEOPLE_PALETTE[1]
    # parts: every visible part id shows its palette colour, and a head is seen
    for part in np.unique(geometry.part[mask]):
        colours = set(map(tuple, parts[geometry.part == part]))
        assert colours == {map_funcs.PART_PALETTE[part]}
    assert posed[0].part_names.index("head") in geometry.part[mask]


def test_normal_map_convention(renderer, mannequin):
    """A sphere-like head seen from the front: left side red, top green, facing blue."""
    rest = mannequin.pose()
    camera = Camera(distance=0.6, target=tuple(rest.joint("head") + (0, 0.03, 0)), fov_y_deg=40)
    canvas = Canvas(96, 96)
    geometry = map_funcs.render_geometry([rest], camera, canvas, renderer=renderer)
    normal = map_funcs.normal_map(geometry).astype(int)
    mask = geometry.mask
    ys, xs = np.nonzero(mask)
    cy, cx = int(ys.mean()), int(xs.mean())
    centre = normal[cy, cx]
    assert centre[2] > 240 and abs(centre[0] - 128) < 25 and abs(centre[1] - 128) < 40
    left = normal[cy, xs[ys == cy].min() + 1]     # the image's left rim: normal points left
    right = normal[cy, xs[ys == cy].max() - 1]
    top = normal[ys.min() + 1, cx]
    assert left[0] > 200 and right[0] < 60
    assert top[1] > 200


# --- (c) OpenPose image = controlnet_aux's drawing of openpose.json; (d) JSON round trip -------

@pytest.mark.parametrize("example, size, orbit", [
    ("waving", (512, 640), None), ("two_people", (640, 448), (30, 10)),
    ("running", (832, 1216), (-60, 5))])
def test_openpose_png_equals_controlnet_aux_drawing_of_its_json(example, size, orbit, tmp_path,
                                                                 renderer):
    from posestudio.cli.render_cmd import load_scene_arg

    scene = load_scene_arg(example)  # the bundled example
    if orbit:
        scene.camera = dataclasses.replace(scene.camera, yaw_deg=orbit[0], pitch_deg=orbit[1])
    result = render_scene(scene, maps=("openpose",), size=size, renderer=renderer)
    write_maps(result, tmp_path)
    data = json.loads((tmp_path / "openpose.json").read_text())
    image = np.asarray(Image.open(tmp_path / "openpose.png").convert("RGB"))
    assert (data["canvas_width"], data["canvas_height"]) == size
    for person in data["people"]:  # body, both hands and the face are all there
        for key in ("pose_keypoints_2d", "hand_left_keypoints_2d", "hand_right_keypoints_2d",
                    "face_keypoints_2d"):
            assert np.asarray(person[key]).reshape(-1, 3)[:, 2].sum() >= 5, key
    reference = controlnet_aux_drawing(data)
    drawn, ref_drawn = image.any(-1), reference.any(-1)
    iou = (drawn & ref_drawn).sum() / (drawn | ref_drawn).sum()
    assert iou >= 0.95
    assert np.array_equal(image, reference), f"IoU {iou:.4f}, {np.count_nonzero(image != reference)}"
    # (d) the JSON reads back to exactly the keypoints that were drawn
    people, canvas_size = from_openpose_json(tmp_path / "openpose.json")
    assert canvas_size == size and len(people) == len(result.people)
    for a, b in zip(result.people, people):
        for part in ("body", "hand_left", "hand_right", "face"):
            assert np.array_equal(getattr(a, part), getattr(b, part))
    assert to_openpose_json(people, canvas_size) == data


# --- (f) hide occluded, far-to-near limbs ----------------------------------------------------

def test_hide_occluded_agrees_with_a_ray_cast_for_surface_points(random_views, renderer):
    """Surface points (nose, eyes, ears, face-70): hidden iff the ray through their pixel meets
    the mesh more than 3 cm before them. Points within 1 cm of that boundary are not judged."""
    import trimesh

    from posestudio.keypoints import OCCLUSION_TOLERANCE_M

    judged = hidden_count = 0
    for posed, camera in random_views[:6]:
        geometry = map_funcs.render_geometry([posed], camera, SMALL, renderer=renderer)
        person = people_keypoints_2d([posed], camera, SMALL, hide_occluded=True,
                                     depth=geometry.depth)[0]
        plain = people_keypoints_2d([posed], camera, SMALL)[0]
        pts = openpose_points_3d(posed)
        body_pts, _ = pts["body"]
        landmarks = [i for i, n in enumerate(COCO18_NAMES)
                     if n in ("nose", "right_eye", "left_eye", "right_ear", "left_ear")]
        points = np.concatenate([body_pts[landmarks], pts["face"][0]])
        shown = np.concatenate([person.body[landmarks, 2], person.face[:, 2]]) > 0
        on_canvas = np.concatenate([plain.body[landmarks, 2], plain.face[:, 2]]) > 0
        w2c = camera_math.world_to_camera(camera)
        own = -(points @ w2c[:3, :3].T + w2c[:3, 3])[:, 2]
        uv, _ = camera_math.project(points, camera, SMALL)
        mesh = trimesh.Trimesh(posed.vertices, posed.faces, process=False)
        # the ray through the point's own projection (the pixel the occlusion test samples)
        first = _ray_cast_depth(mesh, camera_math.intrinsics(camera, SMALL), w2c,
                                np.floor(uv[on_canvas]).astype(int))
        gap = own[on_canvas] - first
        clear = (first == 0) | (np.abs(gap - OCCLUSION_TOLERANCE_M) > 0.01)
        expect_hidden = (first > 0) & (gap > OCCLUSION_TOLERANCE_M)  # background hides nothing
        assert np.array_equal(~shown[on_canvas][clear], expect_hidden[clear])
        assert not shown[~on_canvas].any()
        judged += clear.sum()
        hidden_count += expect_hidden[clear].sum()
    assert judged > 200 and hidden_count > 20  # both outcomes really occur


def test_hide_occluded_through_the_pipeline(mannequin, renderer):
    rest = mannequin.pose()
    camera = Camera(yaw_deg=90, distance=3.0)
    shown = render_bodies([rest], camera, SMALL, RenderSettings(), maps=("openpose",),
                          renderer=renderer)
    hidden = render_bodies([rest], camera, SMALL, RenderSettings(hide_occluded=True),
                           maps=("openpose",), renderer=renderer)
    names = lambda p: {n for n, c in zip(COCO18_NAMES, p.body[:, 2]) if c > 0}
    assert names(shown.people[0]) == set(COCO18_NAMES)
    dropped = set(COCO18_NAMES) - names(hidden.people[0])
    assert {"right_eye", "right_ear", "right_shoulder", "right_hip"} <= dropped
    # the picture draws exactly what the keypoints keep
    assert np.array_equal(hidden.maps["openpose"],
                          draw_openpose(hidden.people, SMALL.width, SMALL.height))
    assert hidden.maps["openpose"].any(-1).sum() < shown.maps["openpose"].any(-1).sum()


def _crossing(a, b, c, d):
    """Intersection point of 2D segments ab and cd, or None."""
    r, s = b - a, d - c
    denom = r[0] * s[1] - r[1] * s[0]
    if abs(denom) < 1e-9:
        return None
    t = ((c - a)[0] * s[1] - (c - a)[1] * s[0]) / denom
    u = ((c - a)[0] * r[1] - (c - a)[1] * r[0]) / denom
    return a + t * r if 0.15 < t < 0.85 and 0.15 < u < 0.85 else None


def test_far_to_near_limbs_put_the_near_forearm_over_the_torso(mannequin, renderer):
    from posestudio.skeletons import OPENPOSE_COLORS, OPENPOSE_LIMBS

    pose = np.zeros((55, 3))
    pose[SMPLX_JOINT_NAMES.index("right_shoulder")] = (1.0, 2.27, 0.35)  # hand across the belly
    posed = mannequin.pose(pose=pose)
    camera = Camera(distance=2.6, target=(0.0, 0.1, 0.0))
    canvas = Canvas(384, 512)
    classic = render_bodies([posed], camera, canvas, RenderSettings(), maps=("openpose",),
                            renderer=renderer)
    ordered = render_bodies([posed], camera, canvas, RenderSettings(depth_ordered_limbs=True),
                            maps=("openpose",), renderer=renderer)
    body = classic.people[0].body[:, :2]
    i = {n: k for k, n in enumerate(COCO18_NAMES)}
    forearm_limb = OPENPOSE_LIMBS.index((i["right_elbow"], i["right_wrist"]))
    point = None
    for torso in ("right_hip", "left_hip"):
        limb = OPENPOSE_LIMBS.index((i["neck"], i[torso]))
        point = _crossing(body[i["right_elbow"]], body[i["right_wrist"]], body[i["neck"]],
                          body[i[torso]])
        if point is not None:
            break
    assert point is not None, "the forearm should cross a torso limb in the picture"
    x, y = int(point[0]), int(point[1])
    dim = lambda limb_index: tuple(int(c * 0.6) for c in OPENPOSE_COLORS[limb_index])
    assert tuple(ordered.maps["openpose"][y, x]) == dim(forearm_limb)
    assert tuple(classic.maps["openpose"][y, x]) == dim(limb)
    assert ordered.people[0].depth[i["right_wrist"]] < ordered.people[0].depth[i["neck"]]


# --- (g) out-of-canvas keypoints ----------------------------------------------------------------

def test_keypoints_off_the_canvas_are_absent_and_undrawn(random_views):
    zoomed = 0
    for posed, camera in random_views:
        tight = dataclasses.replace(camera, distance=camera.distance * 0.5)
        (person,) = people_keypoints_2d([posed], tight, SMALL)
        for name, (points, present) in openpose_points_3d(posed).items():
            uv, depth = camera_math.project(points, tight, SMALL)
            on = (present & (depth > tight.znear) & (uv[:, 0] >= 0) & (uv[:, 0] < SMALL.width)
                  & (uv[:, 1] >= 0) & (uv[:, 1] < SMALL.height))
            got = getattr(person, name)
            assert np.array_equal(got[:, 2] > 0, on), name
            assert not got[~on].any()                 # absent = 0, 0, 0
            assert np.allclose(got[on, :2], uv[on])
            zoomed += (~on & present).sum()
        # nothing is drawn for the absent points: the picture equals that of the kept ones only
        data = to_openpose_json([person], SMALL)
        assert np.array_equal(draw_openpose([person], SMALL.width, SMALL.height),
                              controlnet_aux_drawing(data))
    assert zoomed > 50


# --- (h) turnaround ---------------------------------------------------------------------------

def test_turnaround_sheet_has_four_framed_panels(renderer):
    from posestudio.render.turnaround import turnaround_sheets

    pose = random_pose(np.random.default_rng(3), 0.3)
    pose[0] = (0.0, 0.7, 0.0)  # turned: the sheet still starts with the person's front
    scene = _scene([(pose, (0.2, 0.0, -0.3))], camera=Camera(yaw_deg=-40, pitch_deg=5))
    sheets = turnaround_sheets(scene, ("mannequin", "seg", "openpose"), size=(96, 128),
                               renderer=renderer)
    assert sheets["mannequin"].shape == (128, 4 * 96, 3)
    seg_panels = np.split(sheets["seg"].any(-1), 4, axis=1)
    for k, panel in enumerate(seg_panels):
        assert panel.sum() > 300, k
        # framed: the figure does not touch the panel's border
        assert not (panel[0].any() or panel[-1].any() or panel[:, 0].any() or panel[:, -1].any())
    for k, panel in enumerate(np.split(sheets["openpose"], 4, axis=1)):
        assert panel.any(-1).sum() > 100, k
    # same scale in every panel: similar heights; front and back mirror each other's width
    heights = [np.ptp(np.nonzero(p.any(1))[0]) for p in seg_panels]
    assert max(heights) - min(heights) < 0.15 * max(heights)
    front, back = seg_panels[0], seg_panels[3]
    assert abs(int(front.sum()) - int(back.sum())) < 0.2 * front.sum()
    assert not np.array_equal(front, seg_panels[2])
    mannequin_panels = np.split(sheets["mannequin"], 4, axis=1)
    bg = mannequin_panels[0][0, 0]
    assert all((p != bg).any(-1).sum() > 300 for p in mannequin_panels)


# --- (i) no GL --------------------------------------------------------------------------------

_NO_GL_SCRIPT = """
from posestudio.errors import RenderError
from posestudio.render.gl import OffscreenRenderer, import_pyrender
try:
    OffscreenRenderer().render(import_pyrender().Scene(), 8, 8)
except RenderError as e:
    print(e)
"""


def test_no_gl_gives_a_clear_render_error():
    env = dict(os.environ, PYOPENGL_PLATFORM="no-such-platform")
    proc = subprocess.run([sys.executable, "-c", _NO_GL_SCRIPT], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, proc.stdout
    assert "OpenGL" in lines[0] and "no-such-platform" in lines[0] and "apt install" in lines[0]


def test_renderer_survives_another_pyrender_renderer_being_deleted(mannequin, renderer):
    """pyrender's EGL platform terminates the shared display when any renderer is deleted."""
    from posestudio.render.gl import import_pyrender

    pyrender = import_pyrender()
    rest = mannequin.pose()
    before = map_funcs.render_geometry([rest], Camera(), Canvas(48, 64), renderer=renderer)
    other = pyrender.OffscreenRenderer(16, 16)
    scene = pyrender.Scene()
    scene.add(pyrender.PerspectiveCamera(yfov=1.0))
    other.render(scene)
    other.delete()
    after = map_funcs.render_geometry([rest], Camera(), Canvas(48, 64), renderer=renderer)
    assert before.mask.sum() > 50 and np.array_equal(before.depth, after.depth)


def test_mannequin_is_lit_from_the_upper_left_on_a_clean_backdrop(two_people_maps, renderer):
    posed, camera, _ = two_people_maps
    geometry = map_funcs.render_geometry(posed, camera, SMALL, renderer=renderer)
    solid = map_funcs.render_mannequin(posed, camera, SMALL, renderer=renderer).astype(float)
    inner = cv2.erode(geometry.mask.astype(np.uint8), np.ones((3, 3))) > 0
    outer = cv2.dilate(geometry.mask.astype(np.uint8), np.ones((3, 3))) == 0
    backdrop = np.round(np.array(map_funcs.BACKGROUND_COLOR) * 255)
    assert np.abs(solid[outer] - backdrop).max() <= 1
    luminance = solid @ (0.2126, 0.7152, 0.0722)
    n = geometry.normal
    key_side = inner & (n[..., 0] < -0.4) & (n[..., 1] > 0.2)     # facing up-left
    shadow_side = inner & (n[..., 0] > 0.4) & (n[..., 1] < -0.2)  # facing down-right
    assert key_side.sum() > 20 and shadow_side.sum() > 20
    assert luminance[key_side].mean() > luminance[shadow_side].mean() + 30
    assert 25 < luminance[inner].min() and luminance[inner].max() < 255  # no black, no clipping
    # a person's colour replaces the wood
    blue = map_funcs.render_mannequin(posed, camera, SMALL, colors=[(0.2, 0.3, 0.9), None],
                                      renderer=renderer).astype(float)
    first = inner & (geometry.person == 0)
    second = cv2.erode((geometry.person == 1).astype(np.uint8), np.ones((3, 3))) > 0
    assert (blue[first][:, 2] > blue[first][:, 0]).mean() > 0.95
    assert np.array_equal(blue[second], solid[second])


def test_transparent_mannequin_over_the_backdrop_equals_the_solid_render(two_people_maps,
                                                                         renderer):
    """Straight (not premultiplied) alpha: no dark fringe when composited."""
    posed, camera, _ = two_people_maps
    solid = map_funcs.render_mannequin(posed, camera, SMALL, renderer=renderer).astype(float)
    rgba = map_funcs.render_mannequin(posed, camera, SMALL, transparent=True,
                                      renderer=renderer).astype(float)
    alpha = rgba[..., 3:] / 255.0
    backdrop = np.array(map_funcs.BACKGROUND_COLOR) * 255
    composite = rgba[..., :3] * alpha + backdrop * (1.0 - alpha)
    edge = (rgba[..., 3] > 0) & (rgba[..., 3] < 255)
    assert edge.sum() > 100
    assert np.abs(composite - solid).max() <= 3


def test_turnaround_back_view_draws_no_face(renderer):
    """The face dots (white) are on the front panel and hidden on the back one."""
    from posestudio.render.turnaround import turnaround_sheets

    scene = _scene([(np.zeros((55, 3)), (0.0, 0.0, 0.0))], canvas=Canvas(192, 256),
                   openpose_face=True)
    sheet = turnaround_sheets(scene, ("openpose",), renderer=renderer)["openpose"]
    front, _, _, back = np.split(sheet, 4, axis=1)
    white = lambda image: int((image == 255).all(-1).sum())  # noqa: E731
    assert white(front) > 10
    assert white(back) == 0
