"""Person masks: which pixels show a body (for inpainting-style video models such as
Wan-Animate's replacement mode, or to cut the figure out of another map).
"""

from __future__ import annotations

import numpy as np

__all__ = ["mask_map"]


def mask_map(covered: np.ndarray) -> np.ndarray:
    """Binary person mask.

    Parameters
    ----------
    covered : (H, W) bool or number
        True (or non-zero metric depth) where a body is visible.

    Returns
    -------
    (H, W) uint8: 255 on a body, 0 elsewhere.
    """
    return np.where(np.asarray(covered) != 0, np.uint8(255), np.uint8(0))
