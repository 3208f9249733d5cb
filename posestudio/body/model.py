"""``BodyModel``: one loaded body (the mannequin or a real SMPL/SMPL+H/SMPL-X file) and its posing.

A model is built from plain numpy arrays in the SMPL layout (:class:`BodyArrays`), read the way
``smplx`` reads them; :meth:`BodyModel.pose` runs the numpy LBS of ``posestudio.body.lbs``
(the UI calls it on every mouse move, the ``render`` command for every person), so posing never
imports torch. :meth:`BodyModel.torch_forward` is the batched, differentiable version for fitting
(lifting, IK), built from ``smplx.lbs`` functions over the same arrays. ``smplx_model`` builds the
equivalent ``smplx`` module on first use: the independent reference the tests compare against.

Imports torch/smplx only inside functions so that ``import posestudio.body`` stays light.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from posestudio.errors import InputError
from posestudio.skeletons import SMPLX_JOINT_NAMES

if TYPE_CHECKING:
    import torch

NUM_POSE_JOINTS = len(SMPLX_JOINT_NAMES)
_SHAPE_CACHE_SIZE = 16  # body shapes kept per model (people in a scene, slider positions)


@dataclass(frozen=True)
class PosedBody:
    """One posed body, world frame (Y up, metres). Arrays are owned by the caller.

    Attributes
    ----------
    vertices : (V, 3) float32
    faces : (F, 3) int32, counter-clockwise seen from outside (shared, read-only)
    joints : (J, 3) float32, kinematic joints in ``joint_names`` order
    joint_names : SMPL-X names (SMPL: ``skeletons.SMPL_JOINT_NAMES``; SMPL+H: 52 of them)
    landmarks : (L, 3) float32, surface points in ``landmark_names`` order
    landmark_names : the subset of ``skeletons.LANDMARK_NAMES`` this rig defines
    vertex_parts : (V,) int16, index into ``part_names`` (shared, read-only)
    part_names : body-part names for segmentation maps
    """

    vertices: np.ndarray
    faces: np.ndarray
    joints: np.ndarray
    joint_names: tuple[str, ...]
    landmarks: np.ndarray
    landmark_names: tuple[str, ...]
    vertex_parts: np.ndarray
    part_names: tuple[str, ...]

    def joint(self, name: str) -> np.ndarray:
        """(3,) position of a joint by name (KeyError if this rig lacks it)."""
        return self.joints[self.joint_names.index(name)]

    def landmark(self, name: str) -> np.ndarray:
        """(3,) position of a landmark by name (KeyError if this rig lacks it)."""
        try:
            return self.landmarks[self.landmark_names.index(name)]
        except ValueError:
            raise KeyError(name) from None


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class BodyArrays:
    """The arrays of a body model, as ``smplx`` reads them from a model file (float32, metres).

    Attributes
    ----------
    v_template : (V, 3) rest vertices
    shapedirs : (V, 3, B) one displacement field per shape coefficient (``B = num_betas``)
    exprdirs : (V, 3, E) expression displacement fields (``E = 0`` for SMPL/SMPL+H)
    posedirs : (P, V * 3) pose correctives over ``(R_j - I)`` of joints 1.. (``P = (J-1) * 9``),
        or None for a rigid rig
    j_regressor : (J, V) rest joints from shaped vertices
    parents : (J,) int64 parent of each joint, -1 for the root
    weights : (V, J) skinning weights
    faces : (F, 3) int32 triangles, counter-clockwise seen from outside
    """

    v_template: np.ndarray
    shapedirs: np.ndarray
    exprdirs: np.ndarray
    posedirs: np.ndarray | None
    j_regressor: np.ndarray
    parents: np.ndarray
    weights: np.ndarray
    faces: np.ndarray

    @classmethod
    def from_smplx_layout(cls, kind: str, arrays: dict[str, np.ndarray], num_betas: int = 10,
                          num_expression: int = 10) -> "BodyArrays":
        """Read a model file's arrays (official key names) exactly as ``smplx`` does.

        Parameters
        ----------
        kind : "smpl" | "smplh" | "smplx" (the class ``smplx`` would build)
        arrays : ``v_template``, ``f``, ``shapedirs`` (V, 3, S), ``posedirs`` (V, 3, P),
            ``J_regressor`` (J, V), ``weights`` (V, J), ``kintree_table`` (2, J)
        num_betas, num_expression : coefficients kept; SMPL-X expression directions are columns
            300.. of ``shapedirs`` when it has the full 400, else columns 10..20 (smplx's rule)
        """
        def f32(a) -> np.ndarray:
            return np.ascontiguousarray(a, dtype=np.float32)

        shapedirs = np.asarray(arrays["shapedirs"])
        v = f32(arrays["v_template"])
        nv = len(v)
        exprdirs = np.zeros((nv, 3, 0), dtype=np.float32)
        if kind == "smplx":
            start = 300 if shapedirs.shape[-1] >= 400 else 10
            exprdirs = f32(shapedirs[:, :, start:start + num_expression])
        posedirs = np.asarray(arrays["posedirs"])
        parents = np.asarray(arrays["kintree_table"])[0].astype(np.int64)
        parents[0] = -1
        return cls(v_template=v, shapedirs=f32(shapedirs[:, :, :num_betas]), exprdirs=exprdirs,
                   posedirs=f32(posedirs.reshape(-1, posedirs.shape[-1]).T),
                   j_regressor=f32(arrays["J_regressor"]), parents=parents,
                   weights=f32(arrays["weights"]),
                   faces=np.asarray(arrays["f"], dtype=np.int32))


class BodyModel:
    """A loaded body model. Build it with :func:`posestudio.body.load_body_model`.

    Attributes
    ----------
    kind : "mannequin" | "smpl" | "smplh" | "smplx"
    rig : the rig id it was loaded from ("mannequin" or the file path)
    joint_names : tuple of J names; parents : (J,) int64, -1 for the root
    faces : (F, 3) int32; num_betas : 10; num_expression : 10 (SMPL-X, mannequin) or 0
    beta_names : what each beta means (mannequin: ``BETA_NAMES``; real files: "beta_0"...)
    landmark_names, part_names, vertex_parts : see :class:`PosedBody`
    smplx_model : the equivalent ``smplx`` module, built on first use (imports torch)
    """

    def __init__(self, *, kind: str, rig: str, arrays: BodyArrays, joint_names: tuple[str, ...],
                 pose_index: np.ndarray, landmark_names: tuple[str, ...],
                 landmark_vertex_ids: np.ndarray, landmark_weights: np.ndarray,
                 vertex_parts: np.ndarray, part_names: tuple[str, ...],
                 beta_names: tuple[str, ...], smplx_factory: Callable[[], Any]) -> None:
        self.kind = kind
        self.rig = rig
        self._smplx_factory = smplx_factory
        self._smplx_model: Any = None
        self.joint_names = tuple(joint_names)
        self.parents = np.asarray(arrays.parents, dtype=np.int64).copy()
        self.parents[0] = -1
        self.faces = _readonly(np.asarray(arrays.faces, dtype=np.int32))
        self.num_betas = int(arrays.shapedirs.shape[-1])
        self.num_expression = int(arrays.exprdirs.shape[-1])
        self.beta_names = tuple(beta_names)
        self.landmark_names = tuple(landmark_names)
        self.part_names = tuple(part_names)
        self.vertex_parts = _readonly(np.asarray(vertex_parts, dtype=np.int16))
        # pose_index[j] = SMPL-X joint feeding model joint j, or -1 (held at zero, e.g. SMPL hands)
        self._pose_index = np.asarray(pose_index, dtype=np.int64)
        self._lmk_ids = np.asarray(landmark_vertex_ids, dtype=np.int64)
        self._lmk_w = np.asarray(landmark_weights, dtype=np.float32)

        self._arrays = arrays
        self._v_template = arrays.v_template
        nv = len(self._v_template)
        self._shapedirs = arrays.shapedirs.reshape(nv * 3, -1)
        self._exprdirs = arrays.exprdirs.reshape(nv * 3, -1) if self.num_expression else None
        if self._exprdirs is not None and not self._exprdirs.any():
            self._exprdirs = None  # the mannequin: expression has no effect
        posedirs = arrays.posedirs
        self._posedirs = posedirs if posedirs is not None and posedirs.any() else None
        self._j_regressor = arrays.j_regressor
        weights = arrays.weights
        # A one-hot weight matrix means rigid skinning: gather one transform per vertex.
        self._skin = weights.argmax(1)
        self._rigid = bool(np.all(weights[np.arange(nv), self._skin] == 1.0)
                           and np.count_nonzero(weights) == nv)
        self._weights = None if self._rigid else weights
        # (betas, expression) bytes -> (v_shaped, j_rest): one entry per body shape in use, so
        # several people with different betas do not recompute their shape on every call, and
        # a worker thread posing one person never reads another's half-written entry.
        self._shapes: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        self._shapes_lock = threading.Lock()
        self._torch_cache: dict[str, Any] = {}

    @property
    def smplx_model(self) -> Any:
        """The ``smplx`` module over the same arrays (built once, on first use; imports torch)."""
        if self._smplx_model is None:
            self._smplx_model = self._smplx_factory()
        return self._smplx_model

    # --- numpy fast path ------------------------------------------------------------------------

    @property
    def num_vertices(self) -> int:
        return len(self._v_template)

    def _check(self, name: str, value, size: int, default_zero: bool = True) -> np.ndarray:
        if value is None:
            return np.zeros(size, dtype=np.float64)
        a = np.asarray(value, dtype=np.float64).reshape(-1)
        if a.size > size:
            raise InputError(f"{name} has {a.size} values; the {self.kind} model takes {size}")
        if not np.all(np.isfinite(a)):
            raise InputError(f"{name} must be finite numbers")
        if a.size < size:  # fewer betas/expression than the model has: the rest are zero
            a = np.concatenate([a, np.zeros(size - a.size)])
        return a

    def _pose55(self, pose) -> np.ndarray:
        if pose is None:
            return np.zeros((NUM_POSE_JOINTS, 3))
        a = np.asarray(pose, dtype=np.float64)
        if a.size != NUM_POSE_JOINTS * 3:
            raise InputError(f"pose must be (55, 3) axis-angle in SMPL-X joint order, "
                             f"got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise InputError("pose must be finite numbers")
        return a.reshape(NUM_POSE_JOINTS, 3)

    def model_pose(self, pose55: np.ndarray) -> np.ndarray:
        """Map a (55, 3) SMPL-X pose to this model's (J, 3) joints (absent joints = 0)."""
        out = np.zeros((len(self._pose_index), 3), dtype=pose55.dtype)
        ok = self._pose_index >= 0
        out[ok] = pose55[self._pose_index[ok]]
        return out

    def _shaped(self, betas: np.ndarray, expression: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = betas.tobytes() + expression.tobytes()
        cached = self._shapes.get(key)
        if cached is None:
            v = self._v_template.reshape(-1) + self._shapedirs @ betas.astype(np.float32)
            if self._exprdirs is not None:
                v = v + self._exprdirs @ expression.astype(np.float32)
            v = _readonly(v.reshape(-1, 3))  # shared between calls; callers get copies only
            cached = (v, _readonly(self._j_regressor @ v))
            with self._shapes_lock:
                if len(self._shapes) >= _SHAPE_CACHE_SIZE:
                    del self._shapes[next(iter(self._shapes))]  # oldest first
                self._shapes[key] = cached
        return cached

    def rest_joints(self, betas=None) -> np.ndarray:
        """(J, 3) float32 rest (T-pose) joints for ``betas`` (model frame, no ``transl``)."""
        b = self._check("betas", betas, self.num_betas)
        return self._shaped(b, np.zeros(self.num_expression))[1].copy()

    def rest_vertices(self, betas=None) -> np.ndarray:
        """(V, 3) float32 rest (T-pose) vertices for ``betas``."""
        b = self._check("betas", betas, self.num_betas)
        return self._shaped(b, np.zeros(self.num_expression))[0].copy()

    def pose(self, betas=None, pose=None, transl=None, expression=None) -> PosedBody:
        """Pose the body (numpy in/out, no autograd).

        Parameters
        ----------
        betas : (<=10,) shape coefficients (missing ones are 0); None = 0
        pose : (55, 3) axis-angle, radians, SMPL-X joint order, row 0 = global orientation
            about the pelvis; joints the model lacks are ignored
        transl : (3,) metres, added to everything
        expression : (<=10,) expression coefficients (SMPL-X only; no effect on the mannequin)

        Returns
        -------
        PosedBody in the world frame.
        """
        from posestudio.body import lbs

        b = self._check("betas", betas, self.num_betas)
        e = self._check("expression", expression, self.num_expression)
        t = self._check("transl", transl, 3)
        if transl is not None and np.asarray(transl).size != 3:
            raise InputError("transl must be 3 numbers (metres)")
        p = self.model_pose(self._pose55(pose))
        v_shaped, j_rest = self._shaped(b, e)
        rot = lbs.rodrigues(p)
        g_rot, g_pos = lbs.forward_kinematics(rot, j_rest.astype(np.float64), self.parents)
        r, tr = lbs.skinning_transforms(g_rot, g_pos, j_rest.astype(np.float64))
        r, tr = r.astype(np.float32), (tr + t).astype(np.float32)
        v_posed = v_shaped
        if self._posedirs is not None:
            feat = lbs.pose_feature(rot.astype(np.float32))
            v_posed = v_shaped + (feat @ self._posedirs).reshape(-1, 3)
        if self._rigid:
            verts = lbs.skin_rigid(v_posed, self._skin, r, tr)
        else:
            verts = lbs.skin_linear(v_posed, self._weights, r, tr)
        return self._posed(verts, (g_pos + t).astype(np.float32))

    def _posed(self, verts: np.ndarray, joints: np.ndarray) -> PosedBody:
        from posestudio.body.lbs import barycentric_points

        return PosedBody(
            vertices=verts, faces=self.faces, joints=joints, joint_names=self.joint_names,
            landmarks=barycentric_points(verts, self._lmk_ids, self._lmk_w),
            landmark_names=self.landmark_names, vertex_parts=self.vertex_parts,
            part_names=self.part_names)

    def pose_person(self, person) -> PosedBody:
        """Pose a :class:`posestudio.scene.model.Person` (its betas, pose, transl, expression).

        A person always carries 10 expression values; a rig with fewer (SMPL and SMPL+H have
        none) uses the ones it has, so any scene can be posed with any rig.
        """
        expression = np.asarray(person.expression)[: self.num_expression]
        return self.pose(person.betas, person.pose, person.transl, expression)

    # --- torch, batched and differentiable ------------------------------------------------------

    def _torch_buffers(self, device, dtype) -> dict[str, Any]:
        import torch

        key = f"{device}-{dtype}"
        if key not in self._torch_cache:
            a = self._arrays

            def conv(x: np.ndarray):
                return torch.as_tensor(x).to(device=device, dtype=dtype)

            shapedirs = conv(np.concatenate([a.shapedirs, a.exprdirs], axis=-1))
            self._torch_cache[key] = {
                "v_template": conv(a.v_template), "shapedirs": shapedirs,
                "posedirs": None if self._posedirs is None else conv(a.posedirs),
                "J_regressor": conv(a.j_regressor),
                "parents": torch.as_tensor(self.parents, device=device),
                "weights": None if self._rigid else conv(a.weights),
                "skin": torch.as_tensor(self._skin, device=device),
                "pose_index": torch.as_tensor(np.where(self._pose_index >= 0, self._pose_index, 0),
                                              device=device),
                "pose_mask": torch.as_tensor(self._pose_index >= 0, device=device,
                                             dtype=dtype)[:, None],
                "lmk_ids": torch.as_tensor(self._lmk_ids, device=device),
                "lmk_w": torch.as_tensor(self._lmk_w, device=device, dtype=dtype),
            }
        return self._torch_cache[key]

    def torch_forward(self, betas: "torch.Tensor", pose: "torch.Tensor", transl: "torch.Tensor",
                      expression: "torch.Tensor | None" = None
                      ) -> tuple["torch.Tensor", "torch.Tensor", "torch.Tensor"]:
        """Batched, differentiable posing (smplx LBS functions).

        Parameters
        ----------
        betas : (B, <=10) tensor; pose : (B, 55, 3) axis-angle, SMPL-X order;
        transl : (B, 3) metres; expression : (B, <=10) or None

        Returns
        -------
        vertices (B, V, 3), joints (B, J, 3) in ``joint_names`` order, landmarks (B, L, 3) in
        ``landmark_names`` order; world metres, same dtype/device as ``pose``.
        """
        import torch
        from smplx.lbs import batch_rigid_transform, batch_rodrigues, blend_shapes, vertices2joints

        dtype, device = pose.dtype, pose.device
        buf = self._torch_buffers(device, dtype)
        bsz = pose.shape[0]
        if pose.shape[1:] != (NUM_POSE_JOINTS, 3):
            raise InputError(f"pose must be (B, 55, 3), got {tuple(pose.shape)}")
        coeffs = self._pad_torch(betas, self.num_betas, bsz, "betas")
        if self.num_expression:
            expr = (torch.zeros(bsz, self.num_expression, dtype=dtype, device=device)
                    if expression is None else expression)
            coeffs = torch.cat([coeffs, self._pad_torch(expr, self.num_expression, bsz,
                                                        "expression")], dim=1)
        full = pose[:, buf["pose_index"]] * buf["pose_mask"]                    # (B, J, 3)
        v_shaped = buf["v_template"] + blend_shapes(coeffs, buf["shapedirs"])
        j_rest = vertices2joints(buf["J_regressor"], v_shaped)
        rot = batch_rodrigues(full.reshape(-1, 3)).view(bsz, -1, 3, 3)
        if buf["posedirs"] is not None:
            eye = torch.eye(3, dtype=dtype, device=device)
            feat = (rot[:, 1:] - eye).reshape(bsz, -1)
            v_shaped = v_shaped + (feat @ buf["posedirs"]).view(bsz, -1, 3)
        joints, a = batch_rigid_transform(rot, j_rest, buf["parents"], dtype=dtype)
        if buf["weights"] is None:
            t = a[:, buf["skin"]]                                                  # (B, V, 4, 4)
        else:
            t = torch.einsum("vj,bjxy->bvxy", buf["weights"], a)
        verts = torch.einsum("bvij,bvj->bvi", t[..., :3, :3], v_shaped) + t[..., :3, 3]
        verts = verts + transl[:, None, :]
        joints = joints + transl[:, None, :]
        lmk = torch.einsum("blkc,lk->blc", verts[:, buf["lmk_ids"]], buf["lmk_w"])
        return verts, joints, lmk

    @staticmethod
    def _pad_torch(x: "torch.Tensor", size: int, bsz: int, name: str) -> "torch.Tensor":
        import torch

        if x.dim() != 2 or x.shape[0] != bsz or x.shape[1] > size:
            raise InputError(f"{name} must be (B, <={size}), got {tuple(x.shape)}")
        if x.shape[1] < size:
            x = torch.cat([x, x.new_zeros(bsz, size - x.shape[1])], dim=1)
        return x

    def __repr__(self) -> str:
        return (f"BodyModel(kind={self.kind!r}, rig={self.rig!r}, vertices={self.num_vertices}, "
                f"joints={len(self.joint_names)}, landmarks={len(self.landmark_names)})")
