"""Inverse kinematics for mouse posing: drag a joint to a point, the body follows.

:func:`solve_ik` moves one *effector* joint towards a world-space target by changing the local
rotations of a short chain of its ancestors, keeps *pinned* joints where they were, and keeps every
joint it changes inside its anatomical range (:mod:`~posestudio.kinematics.limits`).

* Wrists and ankles (``"left_wrist"``, ``"right_ankle"``...): two-bone analytic IK over
  shoulder-elbow-wrist / hip-knee-ankle. The elbow/knee stays a hinge about its flexion axis, and
  the limb keeps its current bend plane (the elbow/knee swings no more than the target requires);
  a straight limb bends the anatomical way. Out of reach, the limb points straight at the target
  (the closest reachable point). If limits clip the analytic answer, a few damped least-squares
  steps within the limits finish the job.
* ``"pelvis"``: moves ``transl`` (the whole body); pass ``pinned={"left_ankle": ...,
  "right_ankle": ...}`` to keep the feet planted (their legs are re-solved).
* Any other joint: damped least squares over a short chain of its ancestors (the head via
  neck and spine, an elbow via shoulder and collar, a knee via the hip, a fingertip via its
  finger), within the limits, in small angular steps (≤ 0.2 rad per component) so it settles on
  the solution nearest the current pose. If it stalls short of the target (a corner of the limit
  box, a straight knee), it retries from the chain's rest pose and from mid-range bends and keeps
  the closest result.

Pinned joints are re-solved afterwards with chains that do not move the dragged effector, and
keep their world orientation too (a planted foot stays flat). Locked joints are never changed.

Everything is pure numpy on the rest joints from ``BodyModel.rest_joints(betas)``. A drag step
takes about 0.3 ms (two-bone) to 2 ms (DLS); a far jump that needs the retries up to a few tens of
ms (``bench/RESULTS_body.md``), so it can run on every mouse move. Call it with the
pose of the previous move for a continuous drag, and push the result as one
``SetPose(..., merge_key=gesture)`` edit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

from posestudio.errors import InputError
from posestudio.kinematics.fk import (
    FKResult,
    axis_angle_one,
    forward_kinematics,
    rodrigues,
    rodrigues_one,
)
from posestudio.kinematics.limits import DEFAULT_LIMITS, JointLimits, joint_indices
from posestudio.rotations import rotation_between_one
from posestudio.skeletons import SMPLX_JOINT_INDEX, SMPLX_JOINT_NAMES

__all__ = ["solve_ik", "ik_chain", "HINGE_AXES", "IK_TOLERANCE"]

#: Distance (metres) at which a target counts as reached.
IK_TOLERANCE = 1e-4

#: Flexion axis of each hinge-like joint in its local frame (positive rotation = flexion).
HINGE_AXES: dict[str, tuple[float, float, float]] = {
    "left_knee": (1.0, 0.0, 0.0), "right_knee": (1.0, 0.0, 0.0),
    "left_elbow": (0.0, -1.0, 0.0), "right_elbow": (0.0, 1.0, 0.0),
}

# Swivel angles tried, in order, when limits forbid keeping the limb's bend plane.
_SWIVELS = (0.0,) + tuple(s * np.radians(a) for a in range(30, 181, 30) for s in (1, -1))[:-1]

_TWO_BONE: dict[str, tuple[str, str]] = {
    f"{side}_{end}": (f"{side}_{upper}", f"{side}_{mid}")
    for side in ("left", "right")
    for end, upper, mid in (("wrist", "shoulder", "elbow"), ("ankle", "hip", "knee"))
}

# Chains for effectors whose nearest ancestors are not the natural handle.
_CHAINS: dict[str, tuple[str, ...]] = {
    "head": ("neck", "spine3", "spine2", "spine1"),
    "neck": ("spine3", "spine2", "spine1"),
    "jaw": ("head", "neck"),
    "left_eye_smplhf": ("head", "neck"), "right_eye_smplhf": ("head", "neck"),
    "spine3": ("spine2", "spine1"),
    "spine2": ("spine1",),
    "spine1": (),
}
for _side in ("left", "right"):
    _CHAINS[f"{_side}_elbow"] = (f"{_side}_shoulder", f"{_side}_collar")
    _CHAINS[f"{_side}_knee"] = (f"{_side}_hip",)
    _CHAINS[f"{_side}_shoulder"] = (f"{_side}_collar", "spine3", "spine2")
    _CHAINS[f"{_side}_collar"] = ("spine3", "spine2", "spine1")
    _CHAINS[f"{_side}_foot"] = (f"{_side}_ankle", f"{_side}_knee", f"{_side}_hip")
    _CHAINS[f"{_side}_hip"] = ()


def ik_chain(effector: str, parents=None) -> tuple[str, ...]:
    """Joints :func:`solve_ik` rotates to move ``effector`` (nearest first; before locking).

    ``"pelvis"`` has no chain: it moves the translation.
    """
    if effector not in SMPLX_JOINT_INDEX:
        raise InputError(f"unknown IK effector {effector!r}; expected an SMPL-X joint name")
    if effector in _TWO_BONE:
        upper, mid = _TWO_BONE[effector]
        return (mid, upper)
    if effector in _CHAINS:
        return _CHAINS[effector]
    if effector == "pelvis":
        return ()
    # Fingers: their own finger up to the knuckle; anything else: three ancestors.
    parents = parents if parents is not None else _default_parents()
    chain, j = [], parents[SMPLX_JOINT_INDEX[effector]]
    finger = any(f in effector for f in ("thumb", "index", "middle", "ring", "pinky"))
    while j > 0 and len(chain) < 3:
        name = SMPLX_JOINT_NAMES[j]
        if finger and name.endswith("wrist"):
            break
        chain.append(name)
        j = parents[j]
    return tuple(chain)


def _default_parents() -> tuple[int, ...]:
    from posestudio.skeletons import SMPLX_PARENTS

    return SMPLX_PARENTS


def solve_ik(
    rest_joints: np.ndarray,
    parents,
    pose: np.ndarray,
    transl: np.ndarray,
    effector: str,
    target,
    pinned: Mapping[str, object] | None = None,
    use_limits: bool = True,
    locked: Iterable[int | str] = (),
    *,
    limits: JointLimits | None = None,
    keep_orientation: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Pose a body so that ``effector`` reaches ``target``.

    Parameters
    ----------
    rest_joints : (55, 3) float
        Rest joint positions, world metres (``BodyModel.rest_joints(betas)``).
    parents : sequence of int, length 55
        ``BodyModel.parents`` (SMPL-X tree).
    pose : (55, 3) float
        Current axis-angle pose, radians (not modified).
    transl : (3,) float
        Current translation, metres (not modified).
    effector : str
        SMPL-X joint name to move (``"left_wrist"``, ``"head"``, ``"pelvis"``...).
    target : (3,) float
        Where the effector should go, world metres (translation included).
    pinned : dict of str to (3,) float, optional
        Joints that must stay at the given world positions (typically their current
        positions, e.g. both ankles while dragging the pelvis). They also keep their current
        world orientation.
    use_limits : bool
        Keep every joint this call changes within ``limits`` (default ranges).
    locked : iterable of str or int
        Joints this call must not change (added to ``limits.locked``).
    limits : JointLimits, optional
        Ranges to use instead of :data:`~posestudio.kinematics.limits.DEFAULT_LIMITS`.
    keep_orientation : bool
        Also keep the effector's own world orientation (a dragged foot stays flat).

    Returns
    -------
    pose : (55, 3) float64
        New pose (a new array); joints outside the chains used are bit-identical to the input.
    transl : (3,) float64
        New translation (changed only for ``effector="pelvis"``).

    Raises
    ------
    InputError
        Unknown effector or pinned/locked joint name, or a target that is not 3 finite numbers.
    """
    rest = np.asarray(rest_joints, dtype=np.float64)
    parents = tuple(int(p) for p in parents)
    pose = np.array(pose, dtype=np.float64)
    transl = np.array(transl, dtype=np.float64).reshape(3)
    if effector not in SMPLX_JOINT_INDEX:
        raise InputError(f"unknown IK effector {effector!r}; expected an SMPL-X joint name")
    target = _point("IK target", target)
    pins = {}
    for name, where in (pinned or {}).items():
        if name not in SMPLX_JOINT_INDEX:
            raise InputError(f"unknown pinned joint {name!r}")
        if name != effector:
            pins[name] = _point(f"pinned {name}", where)
    lim = limits or DEFAULT_LIMITS
    frozen = set(joint_indices(locked)) | set(lim.locked)
    if use_limits:
        lower, upper = lim.lower, lim.upper
    else:
        lower = np.full_like(lim.lower, -np.inf)
        upper = np.full_like(lim.upper, np.inf)
    solver = _Solver(rest, parents, lower, upper, frozen)

    fk0 = forward_kinematics(rest, parents, pose, transl)
    e = SMPLX_JOINT_INDEX[effector]
    if effector == "pelvis":
        transl = transl + (target - fk0.positions[0])
    else:
        pose = solver.reach(pose, transl, e, target, fk0)
        if keep_orientation and e not in frozen:
            pose = solver.keep_orientation(pose, transl, e, fk0.rotations[e])

    if pins:
        # Joints whose change would move the effector (or an already re-solved pin) stay put.
        protected = set(solver.ancestors(e)) | {e}
        for name, where in pins.items():
            j = SMPLX_JOINT_INDEX[name]
            pose = solver.reach(pose, transl, j, where, None, exclude=protected)
            if j not in frozen and j not in protected:
                pose = solver.keep_orientation(pose, transl, j, fk0.rotations[j])
            protected |= set(solver.ancestors(j)) | {j}
    return pose, transl


def _point(name: str, value) -> np.ndarray:
    try:
        point = np.array(value, dtype=np.float64).reshape(3)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be three numbers (x, y, z metres)") from None
    if not np.all(np.isfinite(point)):
        raise InputError(f"{name} must be finite numbers")
    return point


def _cross(a, b) -> np.ndarray:
    """Cross product of two 3-vectors (np.cross costs ~20 us per call)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                     a[0] * b[1] - a[1] * b[0]])


def _norm(v) -> float:
    return math.sqrt(float(v[0]) ** 2 + float(v[1]) ** 2 + float(v[2]) ** 2)


def _skew(v: np.ndarray) -> np.ndarray:
    x, y, z = v
    return np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])


def _left_jacobian(r: np.ndarray) -> np.ndarray:
    """SO(3) left Jacobian: exp(r + d) ≈ exp(J_l(r) d) exp(r)."""
    theta = float(np.linalg.norm(r))
    k = _skew(r)
    if theta < 1e-6:
        return np.eye(3) + 0.5 * k
    return (np.eye(3) + (1 - np.cos(theta)) / theta**2 * k
            + (theta - np.sin(theta)) / theta**3 * (k @ k))


class _Solver:
    """The IK of one call: rest skeleton, bounds and frozen joints bound together."""

    def __init__(self, rest: np.ndarray, parents: tuple[int, ...], lower: np.ndarray,
                 upper: np.ndarray, frozen: set[int]) -> None:
        self.rest, self.parents = rest, parents
        self.lower, self.upper, self.frozen = lower, upper, frozen

    def ancestors(self, j: int) -> list[int]:
        out, p = [], self.parents[j]
        while p >= 0:
            out.append(p)
            p = self.parents[p]
        return out

    # -- top level ------------------------------------------------------------------------------
    def reach(self, pose: np.ndarray, transl: np.ndarray, e: int, target: np.ndarray,
              fk: FKResult | None, exclude: set[int] = frozenset()) -> np.ndarray:
        """New pose moving joint ``e`` towards ``target`` with its chain minus frozen/excluded."""
        if fk is None:
            fk = forward_kinematics(self.rest, self.parents, pose, transl)
        name = SMPLX_JOINT_NAMES[e]
        chain = [SMPLX_JOINT_INDEX[n] for n in ik_chain(name, self.parents)]
        usable = [j for j in chain if j not in self.frozen and j not in exclude]
        if not usable:
            return pose
        gap = self._beyond_reach(fk, usable, e, target)
        if name in _TWO_BONE and len(usable) == 2:
            mid, up = chain
            # Keep the bend plane if the limits allow; otherwise swivel the elbow/knee about
            # the upper→target line, as little as possible, until they do.
            best = None
            for swivel in _SWIVELS:
                candidate, clipped = self._two_bone(pose, fk, up, mid, e, target, swivel)
                if not clipped:  # exact, or the closest reachable point when out of reach
                    return candidate
                err = _norm(self._limb_end(candidate, fk, up, mid, e) - target)
                if best is None or err < best[0]:
                    best = (err, candidate)
            pose = best[1]
            if best[0] <= max(IK_TOLERANCE, gap + 1e-3):  # reached, or the full stretch
                return pose
        best = self._dls(pose, fk, usable, e, target)
        err = self._error(best, transl, e, target)
        for start in self._restarts(usable):
            if err <= IK_TOLERANCE or gap > 0.0:  # out of reach: the stretch is the answer
                break
            # Stuck in a corner of the limit box or at a straight-limb singularity: try again
            # from a neutral chain and keep whichever lands closer (a far target stays a stretch
            # towards it).
            restart = pose.copy()
            restart[usable] = start
            fk_restart = forward_kinematics(self.rest, self.parents, restart, transl)
            other = self._dls(restart, fk_restart, usable, e, target)
            other_err = self._error(other, transl, e, target)
            if other_err < err - 1e-6:
                best, err = other, other_err
        return best

    def _beyond_reach(self, fk: FKResult, chain: list[int], e: int, target: np.ndarray) -> float:
        """How far (m) ``target`` lies beyond the chain's full stretch; <= 0 when within it."""
        depth = {j: len(self.ancestors(j)) for j in chain}
        top = min(chain, key=depth.get)
        length, j = 0.0, e
        while j != top and j >= 0:
            length += _norm(self.rest[j] - self.rest[self.parents[j]])
            j = self.parents[j]
        return _norm(target - fk.positions[top]) - length

    def _restarts(self, chain: list[int]) -> tuple[np.ndarray, ...]:
        """Starting rotations for retries: the rest pose, then mid-range (bent) joints, then
        the middle of the limit box itself (a target near a far corner of the box, a thigh
        raised and turned to its limits, is reached from there when the others stall)."""
        lo, hi = self.lower[chain], self.upper[chain]
        rest = np.clip(0.0, lo, hi)
        mid = np.where(np.isfinite(lo) & np.isfinite(hi), (lo + hi) / 2.0, 0.0)
        return rest, np.clip(np.clip(mid, -0.5, 0.5), lo, hi), np.clip(mid, lo, hi)

    def _error(self, pose: np.ndarray, transl: np.ndarray, e: int, target: np.ndarray) -> float:
        return _norm(forward_kinematics(self.rest, self.parents, pose, transl).positions[e]
                     - target)

    def _limb_end(self, pose: np.ndarray, fk: FKResult, up: int, mid: int, end: int) -> np.ndarray:
        """World position of ``end`` after changing only ``up`` and ``mid``'s rotations."""
        g_up = fk.rotations[self.parents[up]] @ rodrigues_one(pose[up])
        g_mid = g_up @ rodrigues_one(pose[mid])
        return (fk.positions[up] + g_up @ (self.rest[mid] - self.rest[up])
                + g_mid @ (self.rest[end] - self.rest[mid]))

    def keep_orientation(self, pose: np.ndarray, transl: np.ndarray, j: int,
                         world_rotation: np.ndarray) -> np.ndarray:
        """Set joint ``j``'s local rotation so its world rotation is ``world_rotation`` (clamped)."""
        fk = forward_kinematics(self.rest, self.parents, pose, transl)
        parent = fk.rotations[self.parents[j]]
        local = axis_angle_one(parent.T @ world_rotation)
        pose = pose.copy()
        pose[j] = np.clip(local, self.lower[j], self.upper[j])
        return pose

    # -- two-bone analytic --------------------------------------------------------------------
    def _two_bone(self, pose: np.ndarray, fk: FKResult, up: int, mid: int, end: int,
                  target: np.ndarray, swivel: float = 0.0) -> tuple[np.ndarray, bool]:
        """Analytic limb solve; returns the pose and whether limits clipped it."""
        pose = pose.copy()
        s, m, w = fk.positions[up], fk.positions[mid], fk.positions[end]
        g_up = fk.rotations[up]
        hinge = np.asarray(HINGE_AXES[SMPLX_JOINT_NAMES[mid]])
        h = g_up @ hinge  # world hinge axis (through the elbow/knee)

        # The bend plane to keep: where the mid joint sits off the upper→end line now; a
        # straight limb bends the anatomical way (mid moves opposite to the end's swing).
        line = w - s
        pole = (m - s) - np.dot(m - s, line) / max(np.dot(line, line), 1e-12) * line
        if _norm(pole) < 1e-3 * _norm(m - s):
            pole = -_cross(h, w - m)

        # 1. Flex the hinge so that |end - upper| equals the target distance (clamped to reach).
        d = _norm(target - s)
        v = w - m
        u = m - s
        v_par = np.dot(v, h) * h
        v_perp = v - v_par
        c = np.dot(u, v_perp)
        sn = np.dot(u, _cross(h, v_perp))
        radius = np.hypot(c, sn)
        if radius > 1e-9:
            const = np.dot(u + v_par, u + v_par) + np.dot(v_perp, v_perp)
            cos_val = np.clip((d * d - const) / (2 * radius), -1.0, 1.0)
            phi = np.arctan2(sn, c)
            best = None
            for delta in (phi + np.arccos(cos_val), phi - np.arccos(cos_val)):
                delta = (delta + np.pi) % (2 * np.pi) - np.pi
                local = axis_angle_one(rodrigues_one(hinge * delta) @ rodrigues_one(pose[mid]))
                excess = np.sum(np.maximum(self.lower[mid] - local, 0)
                                + np.maximum(local - self.upper[mid], 0))
                key = (round(float(excess), 9), abs(delta))
                if best is None or key < best[0]:
                    best = (key, delta, local)
            _, delta, local = best
            pose[mid] = local
            w = m + rodrigues_one(h * delta) @ v

        # 2. Swing the upper bone so the end points at the target, then twist about that line
        #    so the mid joint lies on the pole side.
        if d < 1e-9 or _norm(w - s) < 1e-9:
            return self._clip(pose, (up, mid))
        n = (target - s) / d
        q = rotation_between_one(w - s, target - s)
        m1 = q @ (m - s)
        a = m1 - np.dot(m1, n) * n
        b = pole - np.dot(pole, n) * n
        if swivel:
            b = rodrigues_one(n * swivel) @ b
        if _norm(a) > 1e-9 and _norm(b) > 1e-9:
            psi = np.arctan2(np.dot(_cross(a, b), n), np.dot(a, b))
            q = rodrigues_one(n * psi) @ q
        g_parent = fk.rotations[self.parents[up]]
        local_up = g_parent.T @ q @ g_parent @ rodrigues_one(pose[up])
        pose[up] = axis_angle_one(local_up)
        return self._clip(pose, (up, mid))

    def _clip(self, pose: np.ndarray, joints: tuple[int, ...]) -> tuple[np.ndarray, bool]:
        rows = list(joints)
        clipped = np.clip(pose[rows], self.lower[rows], self.upper[rows])
        # Rounding at a bound (a straight elbow at exactly 0) is not a real clip.
        changed = bool(np.max(np.abs(clipped - pose[rows])) > 1e-7)
        pose[rows] = clipped
        return pose, changed

    # -- damped least squares -----------------------------------------------------------------
    def _dls(self, pose: np.ndarray, fk: FKResult, chain: list[int], e: int, target: np.ndarray,
             iterations: int = 60, damping: float = 0.02, max_step: float = 0.15,
             max_angle: float = 0.2) -> np.ndarray:
        """Bounded damped least squares on the rotations of ``chain`` (ancestors of ``e``)."""
        pose = pose.copy()
        depth = {j: len(self.ancestors(j)) for j in chain}
        top = min(chain, key=depth.get)
        path = [e]
        while path[-1] != top:
            path.append(self.parents[path[-1]])
        path.reverse()  # top ... e
        top_parent = self.parents[top]
        g0 = fk.rotations[top_parent] if top_parent >= 0 else np.eye(3)
        p0 = fk.positions[top]
        offsets = [self.rest[path[k + 1]] - self.rest[path[k]] for k in range(len(path) - 1)]
        cols = np.array(chain)
        lo, hi = self.lower[cols].ravel(), self.upper[cols].ravel()
        best_pose, best_err = pose.copy(), np.inf
        history: list[float] = []
        for _ in range(iterations):
            # Positions and parent rotations along the path for the current pose.
            locals_ = rodrigues(pose[path[:-1]])
            g, p = g0, p0
            parent_rot, positions = {}, {}
            for k, j in enumerate(path[:-1]):
                parent_rot[j], positions[j] = g, p
                g = g @ locals_[k]
                p = p + g @ offsets[k]
            err_vec = target - p
            err = float(np.linalg.norm(err_vec))
            if err < best_err - 1e-12:
                best_err, best_pose = err, pose.copy()
            if err <= IK_TOLERANCE * 0.5:
                break
            history.append(err)
            if len(history) > 6 and history[-7] - err < 1e-6:
                break  # stalled: out of reach or against the limits
            if err > max_step:
                err_vec = err_vec * (max_step / err)
            jac = np.empty((3, 3 * len(chain)))
            for i, j in enumerate(chain):
                lever = p - positions[j]
                jac[:, 3 * i:3 * i + 3] = -_skew(lever) @ parent_rot[j] @ _left_jacobian(pose[j])
            x = pose[cols].ravel()
            free = np.ones(x.size, dtype=bool)
            for _ in range(3):  # active set: drop components pushing against their bound
                jf = jac[:, free]
                step = np.zeros_like(x)
                step[free] = jf.T @ np.linalg.solve(jf @ jf.T + damping**2 * np.eye(3), err_vec)
                blocked = free & (((x <= lo + 1e-12) & (step < 0)) | ((x >= hi - 1e-12) & (step > 0)))
                if not blocked.any():
                    break
                free &= ~blocked
                if not free.any():
                    break
            if not free.any() or not np.any(step):
                break
            # Small angular steps keep the solve in the basin of the nearest solution; one big
            # step lands in a corner of the limit box that DLS cannot climb out of.
            largest = float(np.max(np.abs(step)))
            if largest > max_angle:
                step *= max_angle / largest
            pose[cols] = np.clip(x + step, lo, hi).reshape(-1, 3)
        return best_pose
