"""Hostile body-model files: each crafted case, truncations, bit flips and Hypothesis mutations
run in a subprocess; every one loads as plain arrays or is refused with one line, none crashes,
none shows a traceback, none runs code."""

from __future__ import annotations

import importlib.util
import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from hostile import ROOT, assert_all_clean, dev_zero, run_cases, run_fuzz
from pickle_corpus import ARMED, hostile_pickles


def _synthetic():
    """tests/body/synthetic.py (small SMPL-family model files), whichever folder runs first."""
    if "synthetic" not in sys.modules:
        spec = importlib.util.spec_from_file_location("synthetic",
                                                      ROOT / "tests" / "body" / "synthetic.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["synthetic"] = module
    return sys.modules["synthetic"]


def _valid_model_files(tmp_path: Path, monkeypatch) -> dict[str, bytes]:
    synthetic = _synthetic()
    arrays = synthetic.model_arrays("smpl", num_vertices=8, light=True)
    chumpy = synthetic.write_chumpy_pkl(tmp_path / "chumpy.pkl", arrays, monkeypatch)
    npz = synthetic.write_npz(tmp_path / "model.npz", arrays)
    return {"chumpy.pkl": chumpy.read_bytes(),
            "plain4.pkl": pickle.dumps(arrays, protocol=4),
            "model.npz": npz.read_bytes()}


def _small_structures() -> dict[str, bytes]:
    """Pickles that are mostly structure (small arrays of every kind a model file holds)."""
    dense = np.array([[0.0, 1.5], [2.0, 0.0], [0.0, 0.0]])
    data = {"f": np.arange(6, dtype=np.uint32).reshape(2, 3), "s": np.float64(2.0),
            "csc": sp.csc_matrix(dense), "csr": sp.csr_matrix(dense), "coo": sp.coo_matrix(dense),
            "b": np.array([True, False]), "t": (1, "lbs", None), "big": np.ones(3, ">f4")}
    return {f"small{p}.pkl": pickle.dumps(data, protocol=p) for p in (0, 2, 5)}


def test_crafted_pickles_are_refused_or_loaded_never_crash(tmp_path):
    sentinel = tmp_path / "sentinel"
    cases = hostile_pickles(str(sentinel))
    results = run_cases("pickle", {**{k: v[0] for k, v in cases.items()}, "dev_zero": dev_zero},
                        tmp_path, suffix=".pkl")
    assert results["dev_zero"]["outcome"] == "error"
    assert_all_clean(results)
    assert not sentinel.exists()
    wrong = {}
    for name, (_, expected) in cases.items():
        outcome, message = results[name]["outcome"], results[name]["message"]
        ok = {"refused": outcome == "error" and message.startswith("UnsafeFileError")
                         and "refused" in message,
              "corrupt": outcome == "error" and message.startswith("BodyModelError")
                         and "corrupt" in message,
              "ok": outcome == "ok",
              "clean": outcome in ("ok", "error")}[expected]
        if not ok:
            wrong[name] = (expected, outcome, message)
    assert not wrong, json.dumps(wrong, indent=1)
    slowest = max(results.values(), key=lambda r: r["seconds"])
    assert slowest["seconds"] < 5, slowest


def test_armed_cases_do_run_code_under_plain_pickle(tmp_path):
    """Control: plain ``pickle.loads`` of each armed case creates the sentinel (so the corpus
    bites); run in a subprocess, as it really executes the payloads (they only touch a file)."""
    sentinel = tmp_path / "sentinel"
    cases = hostile_pickles(str(sentinel))
    payloads = tmp_path / "armed.json"
    payloads.write_text(json.dumps({name: cases[name][0].hex() for name in ARMED}))
    script = (
        "import json, os, pickle, sys, time\n"
        "sentinel, cases = sys.argv[1], json.load(open(sys.argv[2]))\n"
        "ran = {}\n"
        "for name, data in cases.items():\n"
        "    try:\n"
        "        pickle.loads(bytes.fromhex(data))\n"
        "    except Exception:\n"
        "        pass\n"
        "    for _ in range(200):\n"
        "        if os.path.exists(sentinel): break\n"
        "        time.sleep(0.01)\n"
        "    ran[name] = os.path.exists(sentinel)\n"
        "    if ran[name]: os.remove(sentinel)\n"
        "print(json.dumps(ran))\n")
    out = subprocess.run([sys.executable, "-c", script, str(sentinel), str(payloads)],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    ran = json.loads(out.stdout.splitlines()[-1])
    assert all(ran.values()), ran


def test_truncated_and_bit_flipped_model_files(tmp_path, monkeypatch):
    """Every 1/40th truncation and 60 single-bit flips of valid model files, through the full
    model check (unpickle + shapes + layout): a valid model or one clean error."""
    rng = np.random.default_rng(7)
    cases = {}
    for name, data in _valid_model_files(tmp_path, monkeypatch).items():
        stem, suffix = name.split(".")
        for i in range(40):
            cases[f"{stem}-cut{i}.{suffix}"] = data[: len(data) * i // 40]
        for i, pos in enumerate(rng.integers(0, len(data), 60)):
            flipped = bytearray(data)
            flipped[pos] ^= 1 << int(rng.integers(8))
            cases[f"{stem}-flip{i}.{suffix}"] = bytes(flipped)
        cases[f"{stem}-intact.{suffix}"] = data
    results = run_cases("body", cases, tmp_path)
    assert_all_clean(results)
    for name in cases:
        if name.endswith(("-intact.pkl", "-intact.npz")):
            assert results[name]["outcome"] == "ok", results[name]


def test_mutated_pickles_load_or_fail_cleanly_never_run_code(tmp_path, monkeypatch):
    """Hypothesis property, 800 mutations of valid and armed pickles through the full model
    check: a valid model or one PoseStudioError line; no crash, traceback, or sentinel file."""
    sentinel = tmp_path / "sentinel"
    seeds = {**_valid_model_files(tmp_path, monkeypatch), **_small_structures()}
    armed = hostile_pickles(str(sentinel))
    for name in ("reduce_os_system", "stack_global_os_system", "nested_in_model", "inst_os_system",
                 "getattr_import_escape"):
        seeds[f"armed-{name}.pkl"] = armed[name][0]
    summary = run_fuzz("body", seeds, tmp_path, examples=800, seed=1, sentinel=sentinel)
    counts = summary["summary"]
    assert counts.get("ok", 0) + counts.get("error", 0) >= 800 and not counts.get("bug")
    assert counts.get("ok", 0) > 0 and counts.get("error", 0) > 0  # both kinds really occur
    assert summary["peak_rss_mb"] < 1500, summary


def test_mutated_small_pickles_through_the_unpickler(tmp_path):
    """Hypothesis property on the unpickler alone (no model check), structure-heavy seeds."""
    sentinel = tmp_path / "sentinel"
    seeds = _small_structures()
    armed = hostile_pickles(str(sentinel))
    for name in ("object_dtype_pointer_bytes", "structured_object_field", "reduce_eval",
                 "sparse_index_out_of_range", "alias_built_deep_lists"):
        seeds[f"{name}.pkl"] = armed[name][0]
    summary = run_fuzz("pickle", seeds, tmp_path, examples=1200, seed=2, sentinel=sentinel)
    assert not summary["summary"].get("bug")
    assert summary["peak_rss_mb"] < 1500, summary


def _npy(shape, descr="<f8", data=b"", fortran=False) -> bytes:
    from numpy.lib import format as npy
    import io

    buf = io.BytesIO()
    npy.write_array_header_1_0(buf, {"descr": descr, "fortran_order": fortran, "shape": shape})
    return buf.getvalue() + data


def _npz(members: dict[str, bytes], compress: bool = False):
    import zipfile

    def make(path: Path) -> None:
        mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        with zipfile.ZipFile(path, "w", mode) as archive:
            for name, data in members.items():
                archive.writestr(name + ".npy", data)
    return make


def _zip_bomb(path: Path) -> None:
    """A 1.2 GB array of zeros in a ~1 MB deflated member, written in chunks."""
    import zipfile

    n = 150_000_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("v_template.npy", "w", force_zip64=True) as fh:
            fh.write(_npy((n // 3, 3)))
            chunk = b"\0" * (8 << 20)
            left = n * 8
            while left:
                fh.write(chunk[:min(left, len(chunk))])
                left -= min(left, len(chunk))


def test_crafted_npz_model_files(tmp_path):
    """Headers that lie about shapes, object members, a zip bomb: all refused in one line."""
    ok = np.zeros((4, 3)).tobytes()
    cases = {
        "huge_header_shape": _npz({"v_template": _npy((10**6, 10**6))}),
        "header_larger_than_data": _npz({"v_template": _npy((1000, 3), data=ok)}),
        "header_smaller_than_data": _npz({"v_template": _npy((2, 3), data=ok)}),
        "negative_shape": _npz({"v_template": _npy((-1, 3), data=ok)}),
        "object_member": _npz({"v_template": _npy((2,), "|O", data=b"\x41" * 16)}),
        "structured_object_member": _npz({"v_template": _npy(
            (2,), [("a", "<f8"), ("b", "|O")], data=b"\x41" * 32)}),
        "garbage_header": _npz({"v_template": b"\x93NUMPY\x01\x00\x10\x00{'descr': os.sys" + ok}),
        "zip_bomb_1_2_GB": _zip_bomb,
        "not_a_zip": b"PK\x03\x04 this is not a zip",
        "dev_zero": dev_zero,
    }
    results = run_cases("body", cases, tmp_path, suffix=".npz")
    assert_all_clean(results)
    assert all(r["outcome"] == "error" for r in results.values()), results
    assert "refused" in results["zip_bomb_1_2_GB"]["message"]
    assert "refused" in results["object_member"]["message"]


def test_cli_refuses_a_crafted_body_model_given_by_flag_or_by_a_scene_rig(tmp_path):
    """The object-dtype pickle that used to crash ``posestudio joints`` with SIGSEGV, through
    --body-model and through a scene's ``rig`` field: exit 2, one line, nothing run."""
    from pickle_corpus import _dtype, _dtype_state, _int, _model, _reconstructed, _tuple, _uni
    import struct

    crafted = tmp_path / "crafted.pkl"
    crafted.write_bytes(_model(_reconstructed(
        _tuple(_int(3)), _dtype("V8", _dtype_state("|", names=_tuple(_uni("a")), fields=b"}"
                                                   + _uni("a") + _tuple(_dtype("O"), _int(0))
                                                   + b"s", elsize=8)),
        b"B" + struct.pack("<I", 24) + struct.pack("<3Q", 0x41414141, 0x42424242, 0x10))))
    scene = json.loads((ROOT / "resources" / "examples" / "standing.pose.json").read_text())
    scene["people"][0]["rig"] = str(crafted)
    rigged = tmp_path / "rigged.pose.json"
    rigged.write_text(json.dumps(scene))
    standing = ROOT / "resources" / "examples" / "standing.pose.json"
    for argv in (["joints", str(standing), "--body-model", str(crafted)], ["joints", str(rigged)]):
        out = subprocess.run([sys.executable, "-m", "posestudio", *argv], capture_output=True,
                             text=True, timeout=120, cwd=tmp_path)
        assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
        lines = out.stderr.splitlines()
        assert len(lines) == 1 and "crafted.pkl" in lines[0] and "refused" in lines[0], lines
        assert out.stdout == ""
