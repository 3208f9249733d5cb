"""Fixtures of the lifting tests: the astronaut photo (the in-process CLI is ``cli`` of
``tests/conftest.py``)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def astronaut_jpg(tmp_path_factory):
    """scikit-image's astronaut (512x512, a person from the waist up) saved as a JPEG."""
    skimage_data = pytest.importorskip("skimage.data")
    from PIL import Image

    path = tmp_path_factory.mktemp("photos") / "astronaut.jpg"
    Image.fromarray(skimage_data.astronaut()).save(path, quality=92)
    return path
