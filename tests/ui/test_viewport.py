"""The viewport as pixels: a photo behind the mannequin and 2D keypoints over it, in the
scene-camera view (the API photo import builds on)."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import framebuffer

pytestmark = pytest.mark.gui


@pytest.fixture
def camera_view(window):
    window.frame_people()
    window.actions["look_through"].setChecked(True)
    return window.viewport


def _photo(canvas) -> np.ndarray:
    h, w = canvas.height, canvas.width
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([xx * 255 // w, yy * 255 // h, np.full_like(xx, 128)], -1).astype(np.uint8)


def test_background_photo_fills_the_canvas_frame_behind_the_mannequin(window, camera_view):
    vp, canvas = camera_view, window.doc.scene.canvas
    photo = _photo(canvas)
    plain = framebuffer(vp)
    vp.set_background_image(photo, opacity=1.0)
    shown = framebuffer(vp)
    # canvas pixels near two corners show the photo's colour there (stretched onto the frame)
    for u, v in ((30, 60), (canvas.width - 30, canvas.height - 60)):
        x, y = vp.canvas_to_widget(np.array([[u + 0.5, v + 0.5]]))[0].astype(int)
        assert np.abs(shown[y, x].astype(int) - photo[v, u]).max() <= 12, (u, v)
        assert np.abs(plain[y, x].astype(int) - photo[v, u]).max() > 40
    # the mannequin is drawn over the photo: its pelvis pixel looks like the mannequin, not the photo
    # the mannequin is drawn over the photo: below its pelvis it looks as without the photo
    pelvis = np.asarray(window.controller.posed[0].joints[0], float)
    px, _ = vp.project(pelvis[None])
    x, y = int(px[0, 0]), int(px[0, 1]) + 12               # just below the joint dot
    assert np.abs(shown[y, x].astype(int) - plain[y, x]).max() <= 12
    # outside the frame stays the dimmed viewport background
    assert np.array_equal(shown[5, 5], plain[5, 5])
    # half opacity mixes the photo with the background
    vp.set_background_image(photo, opacity=0.5)
    half = framebuffer(vp)
    u, v = 30, 60
    x, y = vp.canvas_to_widget(np.array([[u + 0.5, v + 0.5]]))[0].astype(int)
    expected = 0.5 * photo[v, u] + 0.5 * plain[y, x]
    assert np.abs(half[y, x] - expected).max() <= 14
    vp.set_background_image(None)
    assert np.abs(framebuffer(vp).astype(int) - plain).max() <= 2


def test_overlay_points_land_on_their_canvas_pixels_and_absent_points_are_not_drawn(
        window, camera_view):
    from posestudio.body import pose_people
    from posestudio.keypoints import people_keypoints_2d

    vp, scene = camera_view, window.doc.scene
    body = people_keypoints_2d(pose_people(scene), scene.camera, scene.canvas)[0].body.copy()
    body[1, 2] = 0.0                                   # the neck is absent
    vp.set_overlay_points(body)
    shown = framebuffer(vp)
    magenta = np.array([255, 60, 200])
    for k in (0, 4, 7, 10, 13):                        # nose, wrists, ankles
        x, y = vp.canvas_to_widget(body[k:k + 1, :2])[0]
        assert np.abs(shown[int(y), int(x)].astype(int) - magenta).max() <= 30, k
    x, y = vp.canvas_to_widget(body[1:2, :2])[0]
    assert np.abs(shown[int(y), int(x)].astype(int) - magenta).max() > 60
    # in the free user view canvas pixels have no place: nothing is drawn
    window.actions["look_through"].setChecked(False)
    assert vp.look_through is False
    vp.set_overlay_points(None)


def test_bad_background_and_points_are_refused(camera_view):
    with pytest.raises(ValueError, match="background"):
        camera_view.set_background_image(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="overlay points"):
        camera_view.set_overlay_points(np.zeros((5, 4)))
