"""Batch renders keep freed image buffers: a second frame's arrays fault in no new pages."""

from __future__ import annotations

import platform
import resource

import numpy as np
import pytest

from posestudio.render.heap import retain_freed_memory


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="mallopt thresholds are glibc's")
def test_freed_frame_buffers_are_reused_without_page_faults():
    assert retain_freed_memory()

    def frame():                            # the whole-image arrays of one 1024² view
        arrays = [np.full((1024, 1024), -1, np.int16), np.zeros((1024, 1024, 3), np.uint8),
                  np.ones((1024, 1024), np.float32)]
        return sum(int(a.reshape(-1)[-1]) for a in arrays)

    frame()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        frame()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 5 * 256                 # one frame touches ~2 300 pages of 4 KiB
