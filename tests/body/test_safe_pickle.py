"""The restricted unpickler: arrays, sparse matrices and chumpy objects in; code never runs."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from synthetic import fake_chumpy

from posestudio.body import load_body_model
from posestudio.body.safe_pickle import load_safe_pickle
from posestudio.errors import BodyModelError, UnsafeFileError


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvilEval:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (eval, (f"open({str(self.marker)!r}, 'w').close()",))


class _EvilPopen:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (subprocess.Popen, (["touch", str(self.marker)],))


@pytest.mark.parametrize("evil", [_Evil, _EvilEval, _EvilPopen])
def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path, evil):
    marker = tmp_path / "pwned"
    payload = {"v_template": np.zeros((3, 3)), "f": evil(marker)}
    path = tmp_path / "SMPL_NEUTRAL.pkl"
    path.write_bytes(pickle.dumps(payload, protocol=2))
    # the pickle really is armed: the normal loader would run it
    with pytest.raises(UnsafeFileError, match="SMPL_NEUTRAL.pkl"):
        load_safe_pickle(path)
    assert not marker.exists()
    with pytest.raises(UnsafeFileError):
        load_body_model(str(path))
    assert not marker.exists()


def test_armed_pickle_would_run_with_plain_pickle(tmp_path):
    """Control: the same bytes do create the file under plain pickle (so the test above bites)."""
    marker = tmp_path / "ran"
    data = pickle.dumps(_EvilEval(marker), protocol=2)
    pickle.loads(data)  # noqa: S301 - our own bytes, to prove the payload works
    assert marker.exists()


def test_chumpy_objects_become_arrays(tmp_path, monkeypatch):
    Ch, ch = fake_chumpy(monkeypatch)
    x = np.arange(12.0).reshape(4, 3)
    for protocol in (0, 2, 4):
        path = tmp_path / f"ch{protocol}.pkl"
        path.write_bytes(pickle.dumps({"shapedirs": Ch(x), "nested": [Ch(x * 2)]},
                                      protocol=protocol))
        monkeypatch.delitem(sys.modules, "chumpy.ch")  # loading must not need chumpy
        out = load_safe_pickle(path)
        monkeypatch.setitem(sys.modules, "chumpy.ch", ch)
        assert isinstance(out["shapedirs"], np.ndarray)
        np.testing.assert_array_equal(out["shapedirs"], x)
        np.testing.assert_array_equal(out["nested"][0], x * 2)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_numpy_and_sparse_round_trip(tmp_path, protocol):
    rng = np.random.default_rng(protocol)
    dense = rng.normal(size=(5, 7)) * (rng.random((5, 7)) > 0.6)
    data = {"a": rng.normal(size=(3, 4)).astype(np.float32), "i": np.arange(5, dtype=np.uint32),
            "csc": sp.csc_matrix(dense), "csr": sp.csr_matrix(dense), "s": "lbs",
            "scalar": np.float64(2.5)}
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(data, protocol=protocol))
    out = load_safe_pickle(path)
    np.testing.assert_array_equal(out["a"], data["a"])
    assert out["a"].dtype == np.float32
    np.testing.assert_array_equal(out["i"], data["i"])
    np.testing.assert_allclose(out["csc"], dense)
    np.testing.assert_allclose(out["csr"], dense)
    assert out["s"] == "lbs" and out["scalar"] == 2.5


def test_truncated_and_garbage_pickles(tmp_path):
    good = pickle.dumps({"a": np.zeros((100, 3))}, protocol=2)
    cut = tmp_path / "cut.pkl"
    cut.write_bytes(good[: len(good) // 2])
    with pytest.raises(BodyModelError, match="cut.pkl.*(corrupt|truncated)"):
        load_safe_pickle(cut)
    junk = tmp_path / "junk.pkl"
    junk.write_bytes(b"this is not a pickle at all")
    with pytest.raises(BodyModelError, match="junk.pkl"):
        load_safe_pickle(junk)


def _raw_pickles(marker):
    """Hand-assembled opcode streams (no Python class involved) that would run a command."""
    cmd = f"touch {marker}".encode()
    return {
        # protocol 0: GLOBAL 'posix system', MARK, STRING, TUPLE, REDUCE
        "posix.system": b"cposix\nsystem\n(S'" + cmd + b"'\ntR.",
        "os.system": b"cos\nsystem\n(S'" + cmd + b"'\ntR.",
        # builtins.getattr(__import__('os'), 'system') — the classic allow-list escape
        "getattr": (b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(S'os'\ntRS'system'\ntR(S'"
                    + cmd + b"'\ntR."),
        # protocol 2 with STACK_GLOBAL hidden inside a dict next to an innocent array key
        "nested": (b"\x80\x04}\x94\x8c\x01f\x94\x8c\x02os\x94\x8c\x06system\x94\x93\x94"
                   + b"\x8c" + bytes([len(cmd)]) + cmd + b"\x94\x85\x94R\x94s."),
    }


@pytest.mark.parametrize("kind", ["posix.system", "os.system", "getattr", "nested"])
def test_hand_built_opcode_pickles_are_refused(tmp_path, kind):
    marker = tmp_path / "pwned"
    path = tmp_path / f"{kind}.pkl"
    path.write_bytes(_raw_pickles(marker)[kind])
    with pytest.raises(UnsafeFileError, match=f"{kind}.pkl"):
        load_safe_pickle(path)
    assert not marker.exists()


@pytest.mark.parametrize("kind", ["posix.system", "os.system", "getattr", "nested"])
def test_hand_built_opcode_pickle_is_armed(tmp_path, kind):
    """Control: the plain unpickler does run each hand-built stream (so the test above bites)."""
    marker = tmp_path / "ran"
    pickle.loads(_raw_pickles(marker)[kind])  # noqa: S301 - our own bytes, touches tmp_path
    assert marker.exists()


def test_code_hidden_inside_a_chumpy_object_is_refused(tmp_path, monkeypatch):
    Ch, _ = fake_chumpy(monkeypatch)
    marker = tmp_path / "pwned"
    path = tmp_path / "SMPL_MALE.pkl"
    path.write_bytes(pickle.dumps({"v_template": Ch(_Evil(marker))}, protocol=2))
    with pytest.raises(UnsafeFileError):
        load_safe_pickle(path)
    assert not marker.exists()


def test_object_arrays_are_refused_however_built(tmp_path):
    """Object dtypes (plain, or as a field of a structured dtype) are never built."""
    for name, value in {"plain": np.array([1, None], dtype=object),
                        "field": np.zeros(2, dtype=[("a", "f8"), ("b", "O")])}.items():
        path = tmp_path / f"{name}.pkl"
        path.write_bytes(pickle.dumps({"v_template": value}, protocol=2))
        with pytest.raises(UnsafeFileError, match=f"{name}.pkl: refused .*dtype"):
            load_safe_pickle(path)


def test_deep_nesting_is_refused_before_unpickling(tmp_path):
    """A dict key nested 200,000 tuples deep crashes plain pickle (hashing overflows the C stack);
    here it is one refusal, with no RecursionError."""
    path = tmp_path / "deep.pkl"
    path.write_bytes(b"\x80\x02}" + b"K\x01" + b"\x85" * 200_000 + b"K\x01s.")
    with pytest.raises(UnsafeFileError, match="nested deeper than 64"):
        load_safe_pickle(path)


def test_an_array_larger_than_its_data_is_refused(tmp_path):
    """A shape is only accepted when the file holds exactly its bytes (no memory bombs)."""
    data = pickle.dumps(np.zeros(4), protocol=2)
    bomb = data.replace(b"K\x04\x85", b"J\x00\xca\x9a\x3b\x85")  # shape (4,) -> (10**9,)
    assert bomb != data
    path = tmp_path / "bomb.pkl"
    path.write_bytes(bomb)
    with pytest.raises(UnsafeFileError, match="needs 8000000000 bytes but its data holds 32"):
        load_safe_pickle(path)


def test_sparse_indices_outside_the_shape_are_refused(tmp_path):
    m = sp.csc_matrix(np.eye(3))
    m.indices[1] = 7  # scipy's own toarray would write out of bounds
    path = tmp_path / "sparse.pkl"
    path.write_bytes(pickle.dumps({"J_regressor": m}, protocol=2))
    with pytest.raises(UnsafeFileError, match="indices outside its shape"):
        load_safe_pickle(path)


def test_devices_folders_and_missing_files_are_refused_without_reading(tmp_path):
    for path, words in (("/dev/zero", "not a regular file"), (tmp_path, "not a regular file"),
                        (tmp_path / "nope.pkl", "does not exist")):
        with pytest.raises(BodyModelError, match=words):
            load_safe_pickle(path)
