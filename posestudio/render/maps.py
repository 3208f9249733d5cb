"""Control maps of posed bodies: depth, normal, seg, canny (one GL pass) and the shaded mannequin.

Every map is pixel-aligned with the others and with :func:`posestudio.camera.project`: the
bodies are moved into the OpenGL camera frame in numpy and rendered by a pyrender
``IntrinsicsCamera`` built from the same ``K`` (principal point at the canvas centre, pixel
(0, 0) = top-left corner), so a projected joint lands on the pixel that shows it.

The data pass (:func:`render_geometry`) renders single-sampled, flat, with per-vertex colours
that carry the camera-space normal (RGB) and a (person, part) label (alpha, constant per
triangle). Depth, normal, seg and canny are computed from that one pass; the mannequin is a
second, lit and antialiased pass.

Map conventions
---------------
depth (8-bit)
    ControlNet depth look: background 0; visible body pixels 1..255, nearest 255, linear in
    metric depth and normalised over the visible body.
depth_metric
    float32 metres along the view axis (−z of the OpenGL camera), 0 = background.
normal
    Camera-space unit normals in the ScanNet / BAE convention that ``control_v11p_sd15_normalbae``
    was trained on (``controlnet_aux`` NormalBae writes the network output unchanged): red =
    normal towards the image **left**, green = **up**, blue = **towards the viewer**, i.e.
    ``RGB = ((−x, y, z) + 1) / 2 · 255`` of the OpenGL camera-frame normal. A surface facing the
    camera is (128, 128, 255). Background black.
seg
    ``palette="parts"``: body part i of ``PosedBody.part_names`` gets ``PART_PALETTE[i % 24]``;
    ``"people"``: person i gets ``PEOPLE_PALETTE[i % 12]``; ``"ade20k"``: every body the ADE20K
    "person" colour (150, 5, 61), as ControlNet's seg model expects. Background black.
canny
    ``cv2.Canny`` of the normal map (thresholds from RenderSettings): silhouettes plus folds
    where limbs cross, white on black.
mannequin
    A product shot of a wooden artist's mannequin: satin wood (or the person's colour), lit per
    vertex in numpy (:func:`studio_shade`: hemisphere sky/floor ambient, warm key from the upper
    left, cool fill from the right, rim from above behind, a broad satin highlight) and drawn
    unlit with 4× multisampling, on a solid light-grey or a transparent background. Same look
    on every GL driver, and cheap on a software rasteriser (llvmpipe).

Speed: both passes clear, resolve and read back only the pixel box the figures can cover
(:func:`pixel_box`, from the projected vertices); the data pass draws the mesh welded within
each part (indexed), and keeps and decodes only the pixels a body covers
(:class:`GeometryBuffers`), from which depth, normal and seg are computed (canny inside the
box); whole-image arrays are made once per map, for the output; ``render.gl`` keeps one
framebuffer per sample count, so alternating the two passes reallocates nothing
(``bench/bench_maps.py``). Every value equals a whole-frame render's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Sequence

import numpy as np

from posestudio.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from posestudio.body import PosedBody
    from posestudio.render.gl import OffscreenRenderer
    from posestudio.scene.model import Camera, Canvas

__all__ = [
    "ADE20K_PERSON", "GeometryBuffers", "PART_PALETTE", "PEOPLE_PALETTE", "WOOD_COLOR",
    "canny_map", "depth_map", "normal_map", "pixel_box", "render_depth_metric",
    "render_geometry", "render_mannequin", "seg_map",
]

ADE20K_PERSON = (150, 5, 61)
# 24 well separated colours for body parts (index = part id of the rig).
PART_PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
    (0, 128, 128), (220, 190, 255), (170, 110, 40), (255, 250, 200), (128, 0, 0),
    (170, 255, 195), (128, 128, 0), (255, 215, 180), (0, 0, 128), (128, 128, 128),
    (255, 255, 255), (100, 60, 200), (40, 90, 30), (200, 80, 120),
)
PEOPLE_PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75), (0, 130, 200), (60, 180, 75), (255, 225, 25), (145, 30, 180),
    (245, 130, 48), (70, 240, 240), (240, 50, 230), (170, 110, 40), (0, 128, 128),
    (128, 0, 0), (0, 0, 128),
)
WOOD_COLOR = (0.80, 0.62, 0.42)            # satin beech, sRGB 0..1 as displayed
BACKGROUND_COLOR = (0.90, 0.90, 0.89)      # solid studio backdrop
MAX_LABELS = 255                            # (person, part) labels that fit the alpha channel


def view_matrices(camera: "Camera", canvas: "Canvas") -> tuple[np.ndarray, np.ndarray]:
    """``K`` (3, 3) and ``world_to_camera`` (4, 4) of the scene camera (posestudio.camera)."""
    from posestudio import camera as camera_math

    return camera_math.intrinsics(camera, canvas), camera_math.world_to_camera(camera)


_INCIDENCE: dict[int, tuple[np.ndarray, int, object]] = {}
_WORLD_NORMALS: dict[int, tuple[bytes, np.ndarray, np.ndarray]] = {}
_CACHE_SIZE = 8


def _incidence(faces: np.ndarray, n_vertices: int):
    """Sparse (V, F) matrix with a 1 where vertex v is a corner of face f (cached per mesh)."""
    import scipy.sparse

    entry = _INCIDENCE.get(id(faces))
    if entry is None or entry[0] is not faces or entry[1] != n_vertices:
        f = np.asarray(faces, dtype=np.int64)
        matrix = scipy.sparse.csr_matrix(
            (np.ones(f.size), (f.reshape(-1), np.repeat(np.arange(len(f)), 3))),
            shape=(n_vertices, len(f)))
        if len(_INCIDENCE) >= _CACHE_SIZE:
            _INCIDENCE.pop(next(iter(_INCIDENCE)))
        entry = _INCIDENCE[id(faces)] = (faces, n_vertices, matrix)
    return entry[2]


def _vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals, (V, 3) float64."""
    vertices = np.asarray(vertices, dtype=np.float64)
    tri = vertices[faces]
    face_n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals = _incidence(faces, len(vertices)) @ face_n
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return normals / np.maximum(length, 1e-12)


def _camera_normals(vertices_world: np.ndarray, faces: np.ndarray, w2c: np.ndarray) -> np.ndarray:
    """Unit vertex normals in the camera frame, (V, 3) float64.

    The world-frame normals of a body are computed once and reused by every pass and view that
    renders the same vertices (the data pass, the mannequin, a turntable): ``world_to_camera``
    is rigid, so a camera normal is the world normal rotated.
    """
    data = np.ascontiguousarray(vertices_world).tobytes()
    key = hash(data)
    entry = _WORLD_NORMALS.get(key)
    if entry is None or entry[1] is not faces or entry[0] != data:
        if len(_WORLD_NORMALS) >= _CACHE_SIZE:
            _WORLD_NORMALS.pop(next(iter(_WORLD_NORMALS)))
        entry = _WORLD_NORMALS[key] = (data, faces, _vertex_normals(vertices_world, faces))
    return entry[2] @ w2c[:3, :3].T


_FACE_PARTS: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _face_parts(posed: "PosedBody") -> np.ndarray:
    """Part id per face: the part two of its corners share, else its first corner's.

    Constant per rig: cached on the rig's (shared, read-only) part and face arrays.
    """
    key = (id(posed.vertex_parts), id(posed.faces))
    entry = _FACE_PARTS.get(key)
    if entry is None or entry[0] is not posed.vertex_parts or entry[1] is not posed.faces:
        parts = np.asarray(posed.vertex_parts, dtype=np.int64)[np.asarray(posed.faces)]
        face_part = np.where(parts[:, 1] == parts[:, 2], parts[:, 1], parts[:, 0])
        if len(_FACE_PARTS) >= _CACHE_SIZE:
            _FACE_PARTS.pop(next(iter(_FACE_PARTS)))
        entry = _FACE_PARTS[key] = (posed.vertex_parts, posed.faces, face_part)
    return entry[2]


_PART_MESHES: dict[tuple[int, int], tuple] = {}


def _part_mesh(posed: "PosedBody") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rig's mesh welded within each part: a vertex is shared by the faces of one part
    and copied for each other part that uses it, so a per-vertex part label is constant over
    every face (what the data pass draws), with a fifth of the vertices of unwelded faces.

    Returns
    -------
    corner_vertex : (U,) int64, the body vertex of each welded vertex
    corner_part : (U,) int64, its part id
    triangles : (F, 3) uint32, the faces as welded-vertex indices (same order and winding)
    parts : (P,) int64, the part ids present, ascending

    Constant per rig: cached on the rig's (shared, read-only) part and face arrays.
    """
    key = (id(posed.vertex_parts), id(posed.faces))
    entry = _PART_MESHES.get(key)
    if entry is None or entry[0] is not posed.vertex_parts or entry[1] is not posed.faces:
        faces = np.asarray(posed.faces, dtype=np.int64)
        face_part = _face_parts(posed)
        parts = np.unique(face_part)
        corner_keys = faces * (int(parts.max()) + 1) + face_part[:, None]
        unique, inverse = np.unique(corner_keys.reshape(-1), return_inverse=True)
        welded = (unique // (int(parts.max()) + 1), unique % (int(parts.max()) + 1),
                  inverse.reshape(faces.shape).astype(np.uint32), parts)
        if len(_PART_MESHES) >= _CACHE_SIZE:
            _PART_MESHES.pop(next(iter(_PART_MESHES)))
        entry = _PART_MESHES[key] = (posed.vertex_parts, posed.faces, welded)
    return entry[2]


def _to_camera(points: np.ndarray, w2c: np.ndarray) -> np.ndarray:
    return np.asarray(points, dtype=np.float64) @ w2c[:3, :3].T + w2c[:3, 3]


def _pyrender_camera(pyrender, K: np.ndarray, camera: "Camera"):
    return pyrender.IntrinsicsCamera(K[0, 0], K[1, 1], K[0, 2], K[1, 2],
                                     znear=camera.znear, zfar=camera.zfar)


#: Free pixels around the projected vertices in a :func:`pixel_box`: more than rasterising
#: and antialiasing can reach, and enough blank border for ``cv2.Canny`` (3×3 Sobel plus
#: non-maximum suppression) to give inside the box exactly what it gives on the whole image.
BOX_MARGIN = 4


def pixel_box(points_camera: Sequence[np.ndarray], K: np.ndarray, canvas: "Canvas",
              znear: float) -> tuple[int, int, int, int] | None:
    """Pixels that a render of these points can touch: ``(x0, y0, x1, y1)``, top-left origin,
    exclusive ends, clipped to the canvas, ``BOX_MARGIN`` pixels around the projected points.

    Parameters
    ----------
    points_camera : sequence of (N, 3) OpenGL camera frame (looks down −Z), metres
    K : (3, 3) intrinsics of the render (OpenCV convention)
    canvas : Canvas
    znear : near clipping plane, metres

    Returns
    -------
    The box, or None (the whole canvas) when a point lies at or behind the near plane, where
    clipping makes the projection of the vertices no bound of the drawn pixels.
    """
    lows, highs = [], []
    for points in points_camera:
        depth = -points[:, 2]
        if len(points) == 0:
            continue
        if not (depth > znear).all():
            return None
        u = K[0, 0] * points[:, 0] / depth - K[0, 1] * points[:, 1] / depth + K[0, 2]
        v = -K[1, 1] * points[:, 1] / depth + K[1, 2]
        lows.append((u.min(), v.min()))
        highs.append((u.max(), v.max()))
    if not lows:
        return (0, 0, 0, 0)
    (u0, v0), (u1, v1) = np.min(lows, axis=0), np.max(highs, axis=0)
    if not np.isfinite([u0, v0, u1, v1]).all():
        return None
    x0 = int(np.clip(np.floor(u0) - BOX_MARGIN, 0, canvas.width))
    y0 = int(np.clip(np.floor(v0) - BOX_MARGIN, 0, canvas.height))
    x1 = int(np.clip(np.ceil(u1) + BOX_MARGIN + 1, 0, canvas.width))
    y1 = int(np.clip(np.ceil(v1) + BOX_MARGIN + 1, 0, canvas.height))
    return (x0, y0, max(x0, x1), max(y0, y1))


def _box_slices(box: tuple[int, int, int, int] | None) -> tuple[slice, slice]:
    """(rows, columns) of a pixel box; the whole image for None."""
    if box is None:
        return slice(None), slice(None)
    return slice(box[1], box[3]), slice(box[0], box[2])


def _records(array: np.ndarray) -> np.ndarray:
    """``array`` (..., C), its last axis contiguous, viewed as (...) of one C-item record each:
    a boolean mask moves whole pixels at once, ~15× faster than their C values one by one."""
    return array.view(np.dtype((np.void, array.itemsize * array.shape[-1])))[..., 0]


def _check(posed_list: Sequence["PosedBody"]) -> None:
    for i, posed in enumerate(posed_list):
        if len(posed.vertices) == 0 or len(posed.faces) == 0:
            raise InputError(f"person {i} has no mesh to render")


@dataclass
class GeometryBuffers:
    """What the data pass sees at each pixel centre, kept for the covered pixels of its box.

    A figure covers a small part of a large canvas, so the pass stores only the pixels a body
    covers (in row-major order inside ``box``); the whole-image arrays are built on first use.

    Attributes
    ----------
    shape : (H, W)
        Image size in pixels.
    box : (x0, y0, x1, y1)
        Pixels (top-left origin, exclusive ends) outside which nothing is visible, so maps are
        computed inside it only.
    covered : (y1 − y0, x1 − x0) bool
        A body is visible at the pixel of the box.
    depth_values : (N,) float32
        Metres along the view axis at the N covered pixels.
    normal_values : (N, 3) float32
        Unit normals in the OpenGL camera frame (x right, y up, z towards the viewer).
    person_values, part_values : (N,) int16
        Index into the rendered bodies and part id (``PosedBody.part_names`` index).
    """

    shape: tuple[int, int]
    box: tuple[int, int, int, int]
    covered: np.ndarray
    depth_values: np.ndarray
    normal_values: np.ndarray
    person_values: np.ndarray
    part_values: np.ndarray

    def full(self, values: np.ndarray, background) -> np.ndarray:
        """Covered-pixel ``values`` (N) or (N, C) spread over the image: (H, W) or (H, W, C),
        the ``background`` value elsewhere."""
        out = np.full(self.shape + values.shape[1:], background, dtype=values.dtype)
        rows, cols = _box_slices(self.box)
        if values.ndim == 1:
            out[rows, cols][self.covered] = values
        else:
            _records(out)[rows, cols][self.covered] = _records(np.ascontiguousarray(values))
        return out

    @cached_property
    def depth(self) -> np.ndarray:
        """(H, W) float32 metres along the view axis, 0 = background."""
        return self.full(self.depth_values, 0.0)

    @cached_property
    def normal(self) -> np.ndarray:
        """(H, W, 3) float32 unit camera-frame normals, 0 on the background."""
        return self.full(self.normal_values, 0.0)

    @cached_property
    def person(self) -> np.ndarray:
        """(H, W) int16 index into the rendered bodies, −1 = background."""
        return self.full(self.person_values, -1)

    @cached_property
    def part(self) -> np.ndarray:
        """(H, W) int16 part id of the visible surface, −1 = background."""
        return self.full(self.part_values, -1)

    @cached_property
    def mask(self) -> np.ndarray:
        """(H, W) bool: a body is visible at the pixel."""
        return self.full(np.ones(len(self.depth_values), dtype=bool), False)


def render_geometry(posed_list: Sequence["PosedBody"], camera: "Camera", canvas: "Canvas", *,
                    renderer: "OffscreenRenderer | None" = None) -> GeometryBuffers:
    """Render depth, normals and part/person labels of posed bodies in one exact pass.

    Parameters
    ----------
    posed_list : sequence of PosedBody
        World metres.
    camera, canvas : scene Camera and Canvas

    Returns
    -------
    GeometryBuffers, at the pixel centres (no antialiasing).
    """
    from posestudio.render.gl import import_pyrender, shared_renderer

    _check(posed_list)
    pyrender = import_pyrender()
    renderer = renderer or shared_renderer()
    K, w2c = view_matrices(camera, canvas)
    height, width = canvas.height, canvas.width
    if not posed_list:
        return GeometryBuffers((height, width), (0, 0, 0, 0), np.zeros((0, 0), bool),
                               np.zeros(0, np.float32), np.zeros((0, 3), np.float32),
                               np.zeros(0, np.int16), np.zeros(0, np.int16))

    labels: list[tuple[int, int]] = []     # label index → (person, part)
    label_of: dict[tuple[int, int], int] = {}
    scene = pyrender.Scene(bg_color=(0.0, 0.0, 0.0, 0.0), ambient_light=(0.0, 0.0, 0.0))
    camera_points = [_to_camera(posed.vertices, w2c) for posed in posed_list]
    for person_index, posed in enumerate(posed_list):
        vertices = camera_points[person_index]
        normals = _camera_normals(posed.vertices, posed.faces, w2c)
        corner_vertex, corner_part, triangles, parts = _part_mesh(posed)
        label_of_part = np.zeros(int(parts.max()) + 1, dtype=np.int64)
        for part in parts:
            key = (person_index, int(part))
            if key not in label_of:
                label_of[key] = len(labels)
                labels.append(key)
            label_of_part[part] = label_of[key]
        if len(labels) > MAX_LABELS:
            raise InputError(f"too many people to render at once ({len(posed_list)}): at most "
                             f"{MAX_LABELS} body parts in total")
        # Welded within each part only, so the label is constant over each triangle.
        colors = np.empty((len(corner_vertex), 4), dtype=np.float32)
        colors[:, :3] = (normals[corner_vertex] + 1.0) * 0.5
        colors[:, 3] = (label_of_part[corner_part] + 1) / 255.0
        primitive = pyrender.Primitive(
            positions=vertices[corner_vertex].astype(np.float32), color_0=colors,
            indices=triangles,
            material=pyrender.MetallicRoughnessMaterial(baseColorFactor=(1.0, 1.0, 1.0, 1.0)),
        )
        scene.add(pyrender.Mesh([primitive]))
    scene.add(_pyrender_camera(pyrender, K, camera), pose=np.eye(4))
    flags = pyrender.RenderFlags.FLAT | pyrender.RenderFlags.RGBA
    box = pixel_box(camera_points, K, canvas, camera.znear) or (0, 0, width, height)
    # Only the box comes back, and only its covered pixels are decoded.
    color, depth = renderer.render(scene, width, height, flags, samples=0, box=box, crop=True)
    covered = color[..., 3] > 0
    rgba = _records(color)[covered].view(np.uint8).reshape(-1, 4)     # whole pixels: faster
    label = rgba[:, 3]
    person_of = np.array([-1] + [p for p, _ in labels], dtype=np.int16)
    part_of = np.array([-1] + [q for _, q in labels], dtype=np.int16)
    rgb = rgba[:, :3].astype(np.float32) * (2.0 / 255.0) - 1.0
    rgb /= np.maximum(np.sqrt(np.einsum("ij,ij->i", rgb, rgb)), 1e-6)[:, None]
    return GeometryBuffers((height, width), box, covered, depth[covered], rgb,
                           person_of[label], part_of[label])


def render_depth_metric(posed_list: Sequence["PosedBody"], camera: "Camera", canvas: "Canvas",
                        *, renderer: "OffscreenRenderer | None" = None) -> np.ndarray:
    """Metric depth of posed bodies, (H, W) float32 metres along the view axis, 0 = background."""
    return render_geometry(posed_list, camera, canvas, renderer=renderer).depth


def depth_map(geometry: GeometryBuffers) -> np.ndarray:
    """8-bit ControlNet depth: (H, W) uint8, 0 background, body 1..255 with nearest = 255."""
    if not geometry.depth_values.size:
        return np.zeros(geometry.shape, dtype=np.uint8)
    visible = geometry.depth_values.astype(np.float64)
    near, far = visible.min(), visible.max()
    span = far - near
    scaled = np.full(visible.shape, 255.0) if span <= 0 else 1.0 + 254.0 * (far - visible) / span
    return geometry.full(np.clip(np.rint(scaled), 1, 255).astype(np.uint8), 0)


def normal_map(geometry: GeometryBuffers) -> np.ndarray:
    """BAE/ScanNet-convention normal map (see module notes): (H, W, 3) uint8, background 0."""
    n = geometry.normal_values.copy()
    n[:, 0] *= -1.0                             # red = towards the image left
    return geometry.full(np.rint((n + 1.0) * np.float32(127.5)).clip(0, 255).astype(np.uint8), 0)


def _palette_colors(palette: Sequence[tuple[int, int, int]], index: np.ndarray) -> np.ndarray:
    """(N, 3) uint8: colour ``index % len(palette)`` for each of the (N,) indices ≥ 0."""
    if not index.size:
        return np.zeros((0, 3), dtype=np.uint8)
    table = np.array(palette, dtype=np.uint8)
    return np.take(table[np.arange(int(index.max()) + 1) % len(table)], index, axis=0)


def seg_map(geometry: GeometryBuffers, palette: str = "parts",
            person_ids: Sequence[int] | None = None) -> np.ndarray:
    """Segmentation colours: (H, W, 3) uint8, background 0 (palettes in the module notes).

    ``person_ids``: the number that picks each rendered body's colour in the "people" palette
    (default its index among the rendered bodies).
    """
    if palette == "parts":
        colors = _palette_colors(PART_PALETTE, geometry.part_values)
    elif palette == "people":
        person = geometry.person_values
        if person_ids is not None:
            person = np.asarray(person_ids, dtype=np.int64)[person]
        colors = _palette_colors(PEOPLE_PALETTE, person)
    elif palette == "ade20k":
        colors = np.empty((len(geometry.part_values), 3), dtype=np.uint8)
        colors[:] = ADE20K_PERSON
    else:
        raise InputError(f"seg palette must be parts, people or ade20k, got {palette!r}")
    return geometry.full(colors, 0)


def canny_map(normal_rgb: np.ndarray, low: int = 100, high: int = 200,
              box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Edges of the rendered figure: ``cv2.Canny`` of the normal map, (H, W) uint8 0/255.

    ``box``: the pixel box outside which the normal map is black (``GeometryBuffers.box``,
    with its blank border): edges are found inside it only, the same edges as on the whole
    image.
    """
    import cv2

    rows, cols = _box_slices(box)
    out = np.zeros(normal_rgb.shape[:2], dtype=np.uint8)
    crop = np.ascontiguousarray(normal_rgb[rows, cols])
    if crop.size:
        out[rows, cols] = cv2.Canny(crop, int(low), int(high))
    return out


def _srgb_to_linear(color) -> np.ndarray:
    """Display (sRGB) colour 0..1 → linear light."""
    c = np.clip(np.asarray(color, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _linear_to_srgb(c: np.ndarray) -> np.ndarray:
    c = np.clip(c, 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1.0 / 2.4) - 0.055)


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


# Studio light in the camera frame (x right, y up, z towards the viewer): direction towards
# each light, its linear RGB colour × intensity. A warm key from the upper left, a cool fill
# from the right, a rim from above behind; sky/floor bounce as a hemisphere ambient.
STUDIO_LIGHTS: tuple[tuple[np.ndarray, np.ndarray], ...] = (
    (_unit((-0.55, 0.60, 0.60)), np.array([1.00, 0.95, 0.88]) * 1.20),
    (_unit((0.80, 0.05, 0.45)), np.array([0.80, 0.87, 1.00]) * 0.25),
    (_unit((0.15, 0.65, -0.75)), np.array([1.00, 1.00, 1.00]) * 0.55),
)
SKY_AMBIENT = np.array([0.20, 0.21, 0.23])
FLOOR_AMBIENT = np.array([0.05, 0.045, 0.04])
WRAP = 0.10            # wrapped diffuse: light creeps past the terminator, soft like a softbox
SPECULAR = 0.18        # satin: a weak, broad highlight of the key light
SHININESS = 28.0


def studio_shade(vertices: np.ndarray, normals: np.ndarray, color) -> np.ndarray:
    """Lit colour of each vertex, (V, 3) float32 display sRGB 0..1.

    Parameters
    ----------
    vertices, normals : (V, 3) OpenGL camera frame (camera at the origin looking down −Z)
    color : RGB 0..1 display colour of the material
    """
    albedo = _srgb_to_linear(color)
    up = normals[:, 1:2]
    light = FLOOR_AMBIENT + (SKY_AMBIENT - FLOOR_AMBIENT) * (0.5 + 0.5 * up)
    to_eye = -vertices / np.maximum(np.linalg.norm(vertices, axis=1, keepdims=True), 1e-9)
    specular = np.zeros((len(vertices), 1))
    for k, (direction, rgb) in enumerate(STUDIO_LIGHTS):
        lambert = normals @ direction
        light = light + rgb * np.clip((lambert[:, None] + WRAP) / (1.0 + WRAP), 0.0, None)
        if k == 0:
            half = to_eye + direction
            half /= np.maximum(np.linalg.norm(half, axis=1, keepdims=True), 1e-9)
            facing = np.clip(np.einsum("ij,ij->i", normals, half), 0.0, 1.0)
            specular = (SPECULAR * facing ** SHININESS * (lambert > 0))[:, None]
    linear = albedo * light + specular * STUDIO_LIGHTS[0][1]
    return _linear_to_srgb(linear).astype(np.float32)


def render_mannequin(posed_list: Sequence["PosedBody"], camera: "Camera", canvas: "Canvas", *,
                     colors: Sequence[tuple[float, float, float] | None] | None = None,
                     transparent: bool = False,
                     renderer: "OffscreenRenderer | None" = None) -> np.ndarray:
    """Shaded render of the figures, like a product shot of a wooden mannequin.

    Parameters
    ----------
    posed_list : sequence of PosedBody
    camera, canvas : scene Camera and Canvas
    colors : per-person RGB 0..1 or None (None = wood)
    transparent : bool
        RGBA with alpha 0 outside the figures instead of the light-grey backdrop.

    Returns
    -------
    (H, W, 3) uint8 RGB, or (H, W, 4) uint8 RGBA when ``transparent``; antialiased edges.
    """
    from posestudio.render.gl import import_pyrender, shared_renderer

    _check(posed_list)
    pyrender = import_pyrender()
    renderer = renderer or shared_renderer()
    K, w2c = view_matrices(camera, canvas)
    bg = (0.0, 0.0, 0.0, 0.0) if transparent else BACKGROUND_COLOR + (1.0,)
    scene = pyrender.Scene(bg_color=bg, ambient_light=(0.0, 0.0, 0.0))
    camera_points = [_to_camera(posed.vertices, w2c) for posed in posed_list]
    for i, posed in enumerate(posed_list):
        faces = np.asarray(posed.faces, dtype=np.int64)
        vertices = camera_points[i]
        color = (colors[i] if colors is not None and i < len(colors) else None) or WOOD_COLOR
        shaded = np.ones((len(vertices), 4), dtype=np.float32)
        shaded[:, :3] = studio_shade(vertices, _camera_normals(posed.vertices, posed.faces, w2c),
                                     color)
        primitive = pyrender.Primitive(
            positions=vertices.astype(np.float32), color_0=shaded,
            indices=faces.astype(np.uint32),
            material=pyrender.MetallicRoughnessMaterial(baseColorFactor=(1.0, 1.0, 1.0, 1.0)))
        scene.add(pyrender.Mesh([primitive]))
    scene.add(_pyrender_camera(pyrender, K, camera), pose=np.eye(4))
    # Lit per vertex here, drawn unlit: the look is the same on every GL driver and costs a
    # fraction of pyrender's PBR shader on a software rasteriser.
    flags = pyrender.RenderFlags.FLAT | (pyrender.RenderFlags.RGBA if transparent else 0)
    image, _ = renderer.render(scene, canvas.width, canvas.height, flags, samples=4, depth=False,
                               box=pixel_box(camera_points, K, canvas, camera.znear))
    if transparent:
        image = _straight_alpha(image)
    return np.ascontiguousarray(image)


def _straight_alpha(rgba: np.ndarray) -> np.ndarray:
    """Multisample resolve averages colour with the transparent black clear colour, i.e. gives
    premultiplied colour; PNG stores straight alpha, so divide it out (else dark fringes)."""
    out = np.array(rgba)
    alpha = out[..., 3]
    edge = (alpha > 0) & (alpha < 255)
    scale = 255.0 / alpha[edge].astype(np.float32)
    out[..., :3][edge] = np.clip(np.rint(out[..., :3][edge] * scale[:, None]), 0, 255)
    return out
