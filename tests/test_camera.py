"""Camera maths: conventions, agreement with OpenCV's K and with a real pyrender render."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from posestudio import camera as cam
from posestudio.errors import InputError
from posestudio.scene.model import Camera, Canvas

CAMERAS = [
    Camera(),
    Camera(yaw_deg=35.0, pitch_deg=20.0, distance=4.2, target=(0.3, 0.9, -0.2), fov_y_deg=30.0),
    Camera(yaw_deg=-120.0, pitch_deg=-15.0, distance=2.0, target=(0.0, 1.0, 0.0), roll_deg=12.0),
]


def test_yaw_zero_puts_camera_on_plus_z_looking_down_minus_z():
    c = Camera(distance=3.0, target=(0.0, 1.0, 0.0))
    pose = cam.camera_to_world(c)
    np.testing.assert_allclose(pose[:3, 3], [0.0, 1.0, 3.0], atol=1e-12)
    np.testing.assert_allclose(pose[:3, :3], np.eye(3), atol=1e-12)  # OpenGL: looks down −Z


def test_yaw_90_puts_camera_on_plus_x():
    c = Camera(yaw_deg=90.0, distance=2.0)
    np.testing.assert_allclose(cam.camera_position(c), [2.0, 0.0, 0.0], atol=1e-12)
    view_dir = -cam.camera_to_world(c)[:3, 2]
    np.testing.assert_allclose(view_dir, [-1.0, 0.0, 0.0], atol=1e-12)


def test_positive_pitch_is_above_looking_down():
    c = Camera(pitch_deg=30.0, distance=2.0)
    assert cam.camera_position(c)[1] == pytest.approx(1.0)
    assert (-cam.camera_to_world(c)[:3, 2])[1] < 0


@pytest.mark.parametrize("c", CAMERAS)
def test_world_to_camera_is_inverse_and_rigid(c):
    a, b = cam.world_to_camera(c), cam.camera_to_world(c)
    np.testing.assert_allclose(a @ b, np.eye(4), atol=1e-12)
    r = b[:3, :3]
    np.testing.assert_allclose(r.T @ r, np.eye(3), atol=1e-12)
    assert np.linalg.det(r) == pytest.approx(1.0)
    # the target is straight ahead at ``distance``
    t = a @ np.append(c.target, 1.0)
    np.testing.assert_allclose(t[:3], [0.0, 0.0, -c.distance], atol=1e-12)


@pytest.mark.parametrize("c", CAMERAS)
@pytest.mark.parametrize("canvas", [Canvas(768, 1024), Canvas(1024, 768), Canvas(512, 512)])
def test_project_is_K_applied_to_opencv_camera_coordinates(c, canvas):
    rng = np.random.default_rng(0)
    points = np.asarray(c.target) + rng.normal(scale=0.5, size=(50, 3))
    uv, depth = cam.project(points, c, canvas)
    gl = (cam.world_to_camera(c) @ np.c_[points, np.ones(len(points))].T).T[:, :3]
    cv = gl * np.array([1.0, -1.0, -1.0])
    hom = (cam.intrinsics(c, canvas) @ cv.T).T
    np.testing.assert_allclose(uv, hom[:, :2] / hom[:, 2:], rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(depth, cv[:, 2], atol=1e-12)


def test_intrinsics_values():
    k = cam.intrinsics(Camera(fov_y_deg=90.0), Canvas(300, 200))
    np.testing.assert_allclose(k, [[100.0, 0, 150.0], [0, 100.0, 100.0], [0, 0, 1]], atol=1e-12)


def test_target_projects_to_canvas_centre_and_up_is_up():
    canvas = Canvas(640, 480)
    c = Camera(target=(0.2, 1.0, 0.1), yaw_deg=40.0, pitch_deg=10.0)
    uv, depth = cam.project([c.target, np.add(c.target, (0, 0.1, 0)),
                             np.add(c.target, cam.camera_axes(c)[:, 0] * 0.1)], c, canvas)
    np.testing.assert_allclose(uv[0], [320.0, 240.0], atol=1e-9)
    assert uv[1, 1] < 240.0  # world up is screen up (smaller row)
    assert uv[2, 0] > 320.0  # camera right is screen right
    assert depth[0] == pytest.approx(c.distance)


def test_positive_roll_turns_picture_clockwise():
    canvas = Canvas(512, 512)
    above = [[0.0, 0.5, 0.0]]
    uv, _ = cam.project(above, Camera(roll_deg=20.0), canvas)
    assert uv[0, 0] > 256.0 and uv[0, 1] < 256.0  # "12 o'clock" moved towards 1 o'clock


def test_points_behind_camera_get_nan_pixels():
    uv, depth = cam.project([[0.0, 0.0, 5.0], [0.0, 0.0, 0.0]], Camera(distance=3.0), Canvas())
    assert depth[0] < 0 and np.all(np.isnan(uv[0]))
    assert np.all(np.isfinite(uv[1]))


def test_project_rejects_bad_shape():
    with pytest.raises(InputError, match="shape"):
        cam.project(np.zeros((4, 2)), Camera(), Canvas())


@pytest.mark.parametrize("canvas", [Canvas(768, 1024), Canvas(1024, 768), Canvas(600, 600),
                                    Canvas(2000, 300)])
@pytest.mark.parametrize("c", CAMERAS)
@pytest.mark.parametrize("margin", [0.0, 0.1, 0.25])
def test_frame_points_fits_all_points_within_margin(canvas, c, margin):
    rng = np.random.default_rng(1)
    points = rng.normal(size=(200, 3)) * [0.3, 0.9, 0.2] + [1.0, 0.9, -2.0]
    framed = cam.frame_points(c, canvas, points, margin=margin)
    for name in ("yaw_deg", "pitch_deg", "roll_deg", "fov_y_deg"):
        assert getattr(framed, name) == getattr(c, name)
    uv, depth = cam.project(points, framed, canvas)
    assert np.all(depth > framed.znear)
    lo = np.array([margin * canvas.width, margin * canvas.height])
    hi = np.array([canvas.width, canvas.height]) - lo
    assert np.all(uv >= lo - 1e-6) and np.all(uv <= hi + 1e-6)
    # tight: on at least one axis the points reach both margins
    span = (uv.max(axis=0) - uv.min(axis=0)) / (hi - lo)
    assert span.max() > 0.97
    # centred on the binding axis: equal room at both ends
    axis = int(np.argmax(span))
    assert uv[:, axis].min() - lo[axis] == pytest.approx(hi[axis] - uv[:, axis].max(), abs=0.02 * (hi[axis] - lo[axis]))


def test_frame_points_single_point_keeps_it_centred():
    c = Camera(yaw_deg=10.0, distance=2.5)
    framed = cam.frame_points(c, Canvas(), [[0.5, 1.0, 0.0]])
    uv, depth = cam.project([[0.5, 1.0, 0.0]], framed, Canvas())
    np.testing.assert_allclose(uv[0], [384.0, 512.0], atol=1e-6)
    assert depth[0] > 0


def test_frame_points_rejects_bad_input():
    with pytest.raises(InputError):
        cam.frame_points(Camera(), Canvas(), np.zeros((0, 3)))
    with pytest.raises(InputError, match="margin"):
        cam.frame_points(Camera(), Canvas(), np.zeros((2, 3)), margin=0.6)


@given(eye=st.tuples(*[st.floats(-5, 5) for _ in range(3)]),
       target=st.tuples(*[st.floats(-2, 2) for _ in range(3)]))
@settings(max_examples=60, deadline=None)
def test_look_at_puts_camera_at_eye_and_target_at_centre(eye, target):
    offset = np.subtract(eye, target)
    dist = np.linalg.norm(offset)
    if dist <= 1e-6:  # look_at refuses distances up to 1e-6 m
        with pytest.raises(InputError, match="same point"):
            cam.look_at(eye, target)
        return
    elevation = math.degrees(math.asin(min(1.0, abs(offset[1]) / dist)))
    assume(not 89.89 < elevation < 89.91)  # the pitch limit itself is a knife edge
    if elevation > 89.9:
        with pytest.raises(InputError, match="straight"):
            cam.look_at(eye, target)
        return
    c = cam.look_at(eye, target)
    np.testing.assert_allclose(cam.camera_position(c), eye, atol=1e-9)
    uv, _ = cam.project([target], c, Canvas(100, 80))
    np.testing.assert_allclose(uv[0], [50.0, 40.0], atol=1e-6)


def test_orbit_is_relative_wraps_and_clamps():
    c = Camera(yaw_deg=170.0, pitch_deg=80.0, distance=2.0, target=(0, 1, 0))
    o = cam.orbit(c, 20.0, 30.0)
    assert o.yaw_deg == pytest.approx(-170.0)
    assert o.pitch_deg == pytest.approx(89.9)
    assert (o.distance, o.target, o.fov_y_deg) == (c.distance, c.target, c.fov_y_deg)
    assert cam.orbit(Camera(), 180.0, 0.0).yaw_deg == 180.0
    back = cam.orbit(cam.orbit(Camera(yaw_deg=5.0), 90.0, -10.0), -90.0, 10.0)
    assert back.yaw_deg == pytest.approx(5.0) and back.pitch_deg == pytest.approx(0.0)


def test_focal_and_fov_conversions():
    assert cam.fov_from_focal_mm(50.0) == pytest.approx(26.991, abs=1e-3)
    assert cam.focal_mm_from_fov(cam.fov_from_focal_mm(35.0)) == pytest.approx(35.0)
    assert cam.fov_from_focal_mm(12.0, sensor_height_mm=24.0) == pytest.approx(90.0)
    with pytest.raises(InputError):
        cam.fov_from_focal_mm(0.0)
    with pytest.raises(InputError):
        cam.focal_mm_from_fov(180.0)


def test_projection_matrix_matches_pyrender():
    pyrender = pytest.importorskip("pyrender")
    c, canvas = CAMERAS[1], Canvas(640, 480)
    pr = pyrender.PerspectiveCamera(yfov=math.radians(c.fov_y_deg), aspectRatio=canvas.aspect,
                                    znear=c.znear, zfar=c.zfar)
    np.testing.assert_allclose(cam.projection_matrix(c, canvas),
                               pr.get_projection_matrix(canvas.width, canvas.height), rtol=1e-12)


def _sphere_centroids(c: Camera, canvas: Canvas, centres: np.ndarray, radius: float) -> np.ndarray:
    """Render small white spheres one by one with pyrender; return each one's pixel centroid.

    The centroid is weighted by the anti-aliased colour coverage. pyrender's depth buffer is not
    used on purpose: it is a single multisample resolve, offset by up to half a pixel.
    """
    pyrender = pytest.importorskip("pyrender")
    trimesh = pytest.importorskip("trimesh")
    try:
        renderer = pyrender.OffscreenRenderer(canvas.width, canvas.height)
    except Exception as exc:  # pragma: no cover - depends on the machine's GL
        pytest.skip(f"no offscreen OpenGL: {exc}")
    rows, cols = np.mgrid[0:canvas.height, 0:canvas.width] + 0.5  # pixel centres at +0.5
    out = []
    try:
        for centre in centres:
            scene = pyrender.Scene(bg_color=[0, 0, 0, 1], ambient_light=[1, 1, 1])
            sphere = trimesh.creation.icosphere(subdivisions=4, radius=radius)
            sphere.apply_translation(centre)
            sphere.visual.vertex_colors = [255, 255, 255, 255]
            scene.add(pyrender.Mesh.from_trimesh(sphere, smooth=False))
            scene.add(pyrender.PerspectiveCamera(yfov=math.radians(c.fov_y_deg),
                                                 aspectRatio=canvas.aspect, znear=c.znear,
                                                 zfar=c.zfar), pose=cam.camera_to_world(c))
            color, _ = renderer.render(scene, flags=pyrender.RenderFlags.FLAT)
            weight = color[..., 0].astype(np.float64) / 255.0
            assert weight.sum() > 50, "sphere not visible in the render"
            out.append([(weight * cols).sum() / weight.sum(), (weight * rows).sum() / weight.sum()])
    finally:
        renderer.delete()
    return np.array(out)


@pytest.mark.parametrize("c,canvas", [
    (CAMERAS[1], Canvas(320, 240)),
    (CAMERAS[2], Canvas(240, 320)),
])
def test_projection_agrees_with_pyrender_render(c, canvas):
    offsets = np.array([[0.0, 0.0, 0.0], [0.35, 0.2, 0.1], [-0.3, -0.25, 0.2], [0.1, -0.3, -0.3]])
    centres = np.asarray(c.target) + offsets @ cam.camera_axes(c).T
    rendered = _sphere_centroids(c, canvas, centres, radius=0.04 * c.distance / 3.0)
    uv, _ = cam.project(centres, c, canvas)
    np.testing.assert_allclose(rendered, uv, atol=0.1)  # measured ≤ 0.04 px


@pytest.fixture(scope="module")
def two_people():
    from pathlib import Path

    from posestudio.scene.file_format import load_scene

    return load_scene(Path(__file__).resolve().parents[1] / "resources" / "examples"
                      / "two_people.pose.json")


@pytest.mark.parametrize("size", [(120, 200), (200, 120), (160, 160)],
                         ids=["portrait", "landscape", "square"])
@pytest.mark.parametrize("yaw,pitch", [(0.0, 0.0), (60.0, 25.0), (200.0, -10.0)])
def test_framing_real_people_keeps_the_rendered_figures_inside_the_margin(two_people, size,
                                                                          yaw, pitch):
    """"Frame the people": every vertex and every rendered body pixel is inside the margin
    box, and the figures reach the margin on the tighter axis."""
    import dataclasses

    from posestudio.body import pose_people
    from posestudio.render.pipeline import render_scene

    canvas, margin = Canvas(*size), 0.1
    vertices = np.concatenate([b.vertices for b in pose_people(two_people)]).astype(np.float64)
    start = dataclasses.replace(two_people.camera, yaw_deg=yaw, pitch_deg=pitch)
    framed = cam.frame_points(start, canvas, vertices, margin=margin)
    assert (framed.yaw_deg, framed.pitch_deg, framed.fov_y_deg) == (yaw, pitch, start.fov_y_deg)

    uv, depth = cam.project(vertices, framed, canvas)
    lo, hi = margin * np.array(size), (1 - margin) * np.array(size)
    assert np.all(depth > framed.znear)
    assert np.all(uv >= lo - 1e-6) and np.all(uv <= hi + 1e-6)

    body = render_scene(two_people, maps=("depth",), size=size,
                        camera=framed).maps["depth_metric"] > 0
    rows, cols = np.nonzero(body)
    # Pixel centres of covered pixels lie within the margin box (one pixel of rasterisation slack).
    assert cols.min() + 0.5 >= lo[0] - 1 and cols.max() + 0.5 <= hi[0] + 1
    assert rows.min() + 0.5 >= lo[1] - 1 and rows.max() + 0.5 <= hi[1] + 1
    span = np.array([cols.max() - cols.min() + 1, rows.max() - rows.min() + 1]) / (hi - lo)
    assert span.max() > 0.95, f"figures should fill the box on one axis, got {span}"


def test_focal_length_with_sensor_size_gives_the_same_pixels_as_the_fov():
    """A 50 mm lens on a 24 mm-high sensor, as FOV, gives fy = focal/sensor × image height."""
    canvas = Canvas(600, 900)
    for focal_mm, sensor_mm in ((50.0, 24.0), (35.0, 24.0), (24.0, 15.6), (85.0, 36.0)):
        camera = Camera(fov_y_deg=cam.fov_from_focal_mm(focal_mm, sensor_height_mm=sensor_mm))
        K = cam.intrinsics(camera, canvas)
        assert K[1, 1] == pytest.approx(focal_mm / sensor_mm * canvas.height, rel=1e-12)
        assert K[0, 0] == K[1, 1]
        assert cam.focal_mm_from_fov(camera.fov_y_deg, sensor_mm) == pytest.approx(focal_mm)
