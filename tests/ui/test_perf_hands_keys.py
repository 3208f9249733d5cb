"""Hand sliders driven from the keyboard and by clicks on the track: the slider value is
absolute (curl from the hand as it was at 0), so steps never compound."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtWidgets
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from posestudio.kinematics.hands import hand_shape
from posestudio.skeletons import LEFT_HAND_JOINTS, RIGHT_HAND_JOINTS

pytestmark = pytest.mark.gui
LEFT_ROWS, RIGHT_ROWS = list(LEFT_HAND_JOINTS), list(RIGHT_HAND_JOINTS)


def _show_hands(window) -> QtWidgets.QSlider:
    window.docks["hands"].raise_()
    slider = window.hands_panel.curl["left"]
    QtWidgets.QApplication.processEvents()
    assert slider.isVisible()
    slider.setFocus()
    return slider


def test_key_steps_on_the_curl_slider_give_the_absolute_curl(window):
    doc, panel = window.doc, window.hands_panel
    original = doc.scene.copy()
    base = doc.scene.people[0].pose[LEFT_ROWS].copy()
    slider = _show_hands(window)
    before = doc.undo_stack.index()
    for _ in range(5):
        QTest.keyClick(slider, Qt.Key.Key_Right)
    assert slider.value() == 5
    hand = doc.scene.people[0].pose[LEFT_ROWS]
    np.testing.assert_allclose(hand, hand_shape("left", curl=0.05, base=base), atol=1e-12)
    QTest.keyClick(slider, Qt.Key.Key_PageUp)                   # page step: +10
    assert slider.value() == 15
    np.testing.assert_allclose(doc.scene.people[0].pose[LEFT_ROWS],
                               hand_shape("left", curl=0.15, base=base), atol=1e-12)
    # back to 0 with the keys: exactly the starting hand, the other hand untouched
    QTest.keyClick(slider, Qt.Key.Key_PageDown)
    for _ in range(5):
        QTest.keyClick(slider, Qt.Key.Key_Left)
    assert slider.value() == 0
    np.testing.assert_allclose(doc.scene.people[0].pose[LEFT_ROWS], base, atol=1e-12)
    assert np.array_equal(doc.scene.people[0].pose[RIGHT_ROWS], original.people[0].pose[RIGHT_ROWS])
    assert doc.undo_stack.index() == before + 12                  # one undo step per key press
    while doc.undo_stack.index() > before:
        doc.undo_stack.undo()
    assert doc.scene == original
    assert panel.curl["left"].value() == 0, "an undone hand is the sliders' new zero"


def test_a_click_on_the_track_and_a_spread_step_keep_one_base(window):
    doc, panel = window.doc, window.hands_panel
    base = doc.scene.people[0].pose[LEFT_ROWS].copy()
    slider = _show_hands(window)
    # a click on the track right of the handle: a page step up
    QTest.mouseClick(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(slider.width() - 4, slider.height() // 2))
    curl = slider.value()
    assert curl > 0
    QTest.mouseClick(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(slider.width() - 4, slider.height() // 2))
    assert slider.value() > curl
    curl = slider.value()
    spread = panel.spread["left"]
    spread.setFocus()
    QTest.keyClick(spread, Qt.Key.Key_Right)
    QTest.keyClick(spread, Qt.Key.Key_Right)
    np.testing.assert_allclose(doc.scene.people[0].pose[LEFT_ROWS],
                               hand_shape("left", curl=curl / 100, spread=0.02, base=base),
                               atol=1e-12)
    # a preset replaces the hand: sliders read 0 and the next step starts from the preset
    panel.preset["left"].setCurrentText("fist")
    panel._on_preset("left")
    fist = doc.scene.people[0].pose[LEFT_ROWS].copy()
    assert slider.value() == 0 and spread.value() == 0
    slider.setFocus()
    QTest.keyClick(slider, Qt.Key.Key_Left)
    np.testing.assert_allclose(doc.scene.people[0].pose[LEFT_ROWS],
                               hand_shape("left", curl=-0.01, base=fist), atol=1e-12)
