"""Hand-crafted hostile body-model pickles, built by code (no binary blobs in the repository).

:func:`hostile_pickles` returns {name: (bytes, expected)} where expected is ``"refused"`` (an
UnsafeFileError naming what was refused), ``"corrupt"`` (a BodyModelError), ``"ok"`` (loads as
plain arrays) or ``"clean"`` (either error, never a crash or a traceback). Cases marked armed in
:data:`ARMED` would create the sentinel file under plain :func:`pickle.loads`.
"""

from __future__ import annotations

import pickle
import struct

import numpy as np

P2 = b"\x80\x02"
P4 = b"\x80\x04"


def _glob(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _uni(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return b"X" + struct.pack("<I", len(raw)) + raw


def _bytes(raw: bytes) -> bytes:
    return b"B" + struct.pack("<I", len(raw)) + raw


def _int(value: int) -> bytes:
    return b"J" + struct.pack("<i", value)


def _long(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8 or 1, "little", signed=True)
    return b"\x8b" + struct.pack("<I", len(raw)) + raw


def _tuple(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"


def _call(func: bytes, *args: bytes) -> bytes:
    return func + _tuple(*args) + b"R"


def _dtype(code: str, state: bytes | None = None) -> bytes:
    out = _call(_glob("numpy", "dtype"), _uni(code), b"\x89", b"\x88")
    if state is not None:
        out += state + b"b"
    return out


def _dtype_state(endian: str = "<", subarray: bytes = b"N", names: bytes = b"N",
                 fields: bytes = b"N", elsize: int = -1) -> bytes:
    return _tuple(_int(3), _uni(endian), subarray, names, fields, _int(elsize), _int(-1),
                  _int(0))


def _reconstructed(shape: bytes, dtype: bytes, raw: bytes, cls: bytes | None = None) -> bytes:
    """``numpy.core.multiarray._reconstruct(cls, (0,), b'b')`` + BUILD (version, shape, ...)."""
    cls = cls if cls is not None else _glob("numpy", "ndarray")
    head = _call(_glob("numpy.core.multiarray", "_reconstruct"), cls, _tuple(_int(0)),
                 _bytes(b"b"))
    return head + _tuple(_int(1), shape, dtype, b"\x89", raw) + b"b"


def _model(value: bytes, key: str = "v_template") -> bytes:
    """A pickle of {key: value, and the other keys an SMPL file needs as tiny arrays}."""
    others = b"".join(_uni(k) + _reconstructed(_tuple(_int(1)), _dtype("f8", _dtype_state()),
                                                _bytes(b"\0" * 8))
                      for k in ("f", "shapedirs", "posedirs", "J_regressor", "weights",
                                "kintree_table") if k != key)
    return P2 + b"}(" + others + _uni(key) + value + b"u."


def _deep(opener: bytes, closer: bytes, levels: int, leaf: bytes = b"N") -> bytes:
    return P2 + opener * levels + leaf + closer * levels + b"."


def _armed(sentinel: str) -> dict[str, bytes]:
    """Pickles that create ``sentinel`` when loaded by plain pickle."""
    cmd = _uni(f"touch {sentinel}")
    opener = _call(_glob("builtins", "open"), _uni(sentinel), _uni("w"))
    return {
        "reduce_os_system": P2 + _call(_glob("os", "system"), cmd) + b".",
        "reduce_posix_system": P2 + _call(_glob("posix", "system"), cmd) + b".",
        "reduce_builtins_open": P2 + opener + b".",
        "reduce_eval": P2 + _call(_glob("builtins", "eval"),
                                  _uni(f"open({sentinel!r}, 'w').close()")) + b".",
        "reduce_exec": P2 + _call(_glob("builtins", "exec"),
                                  _uni(f"open({sentinel!r}, 'w').close()")) + b".",
        "getattr_import_escape": P2 + _call(
            _call(_glob("builtins", "getattr"), _call(_glob("builtins", "__import__"),
                                                        _uni("os")), _uni("system")), cmd) + b".",
        "stack_global_os_system": (P4 + b"\x8c\x02os\x8c\x06system\x93" + cmd + b"\x85R."),
        "inst_os_system": P2 + b"(" + cmd + b"ios\nsystem\n.",
        "obj_os_system": P2 + b"(" + _glob("os", "system") + cmd + b"o.",
        "nested_in_model": _model(_call(_glob("os", "system"), cmd)),
        "subprocess_popen": P2 + _call(_glob("subprocess", "Popen"),
                                       b"]" + b"(" + _uni("touch") + _uni(sentinel) + b"e") + b".",
        "chumpy_state_hides_reduce": P2 + b"}" + _uni("v_template") + _glob("chumpy.ch", "Ch")
        + b")\x81" + b"}" + _uni("x") + _call(_glob("os", "system"), cmd) + b"sb" + b"s.",
        "runpy_run_path": P2 + _call(_glob("runpy", "_run_code"), _uni(f"open({sentinel!r},'w')"),
                                     b"}") + b".",
    }


ARMED = ("reduce_os_system", "reduce_posix_system", "reduce_builtins_open", "reduce_eval",
         "reduce_exec", "getattr_import_escape", "stack_global_os_system", "inst_os_system",
         "obj_os_system", "nested_in_model", "subprocess_popen")


def hostile_pickles(sentinel: str) -> dict[str, tuple[bytes, str]]:
    pointers = struct.pack("<3Q", 0x41414141, 0x42424242, 0x10)
    f8 = _dtype("f8", _dtype_state())
    object_field = _tuple(_uni("a"), _uni("b"))
    fields = (b"}" + _uni("a") + _tuple(_dtype("f8", _dtype_state()), _int(0)) + b"s"
              + _uni("b") + _tuple(_dtype("O", _dtype_state("|")), _int(8)) + b"s")
    cases: dict[str, tuple[bytes, str]] = {name: (data, "refused")
                                            for name, data in _armed(sentinel).items()}
    cases.update({
        # --- object arrays, built several ways -----------------------------------------------
        "object_array_plain": (pickle.dumps({"v_template": np.array([1, "a", None], object)},
                                            protocol=2), "refused"),
        "object_array_protocol5": (pickle.dumps(np.array([1, None], object), protocol=5),
                                   "refused"),
        "object_dtype_pointer_bytes": (_model(_reconstructed(
            _tuple(_int(3)), _dtype("O", _dtype_state("|")), _bytes(pointers))), "refused"),
        "structured_object_field": (pickle.dumps(
            np.zeros(2, dtype=[("a", "f8"), ("b", "O")]), protocol=2), "refused"),
        "void_dtype_with_object_fields_state": (_model(_reconstructed(
            _tuple(_int(3)), _dtype("V8", _dtype_state("|", names=_tuple(_uni("a")),
                                                       fields=b"}" + _uni("a") + _tuple(
                                                           _dtype("O", _dtype_state("|")),
                                                           _int(0)) + b"s", elsize=8)),
            _bytes(pointers))), "refused"),
        "float_dtype_state_claims_fields": (_model(_reconstructed(
            _tuple(_int(2)), _dtype("f8", _dtype_state("|", names=object_field, fields=fields,
                                                       elsize=16)), _bytes(pointers[:16]))),
            "refused"),
        "subarray_dtype_state": (_model(_reconstructed(
            _tuple(_int(1)), _dtype("V16", _dtype_state(
                "|", subarray=_tuple(_dtype("O", _dtype_state("|")), _tuple(_int(2))),
                elsize=16)), _bytes(pointers[:16]))), "refused"),
        "subarray_dtype_pickled": (pickle.dumps(np.zeros(2, dtype=[("a", "f8", (3,))]),
                                                protocol=2), "refused"),
        "dtype_comma_string_with_O": (_model(_reconstructed(
            _tuple(_int(1)), _dtype("f8,O"), _bytes(pointers[:16]))), "refused"),
        "dtype_from_list_spec": (P2 + _call(_glob("numpy", "dtype"),
                                            b"]" + _tuple(_uni("a"), _uni("O")) + b"a") + b".",
                                 "refused"),
        "dtype_typestring_O8": (P2 + _dtype("O8") + b".", "refused"),
        "datetime_dtype": (pickle.dumps(np.zeros(2, "M8[s]"), protocol=2), "refused"),
        "dtype_with_metadata": (pickle.dumps(np.zeros(2, np.dtype("f8", metadata={"a": 1})),
                                             protocol=2), "clean"),
        "object_scalar": (P2 + _call(_glob("numpy.core.multiarray", "scalar"),
                                     _dtype("O", _dtype_state("|")), _uni("x")) + b".",
                          "refused"),
        "frombuffer_object_dtype": (P2 + _call(_glob("numpy._core.numeric", "_frombuffer"),
                                               _bytes(pointers), _dtype("O", _dtype_state("|")),
                                               _tuple(_int(3)), _uni("C")) + b".", "refused"),
        "ndarray_called_directly": (P2 + _call(_glob("numpy", "ndarray"), _tuple(_int(3)),
                                               _uni("O"), _bytes(pointers)) + b".", "refused"),
        "ndarray_newobj": (P2 + _glob("numpy", "ndarray") + _tuple(_tuple(_int(3)), _uni("O"),
                                                                  _bytes(pointers)) + b"\x81.",
                           "clean"),
        "reconstruct_of_dtype_class": (P2 + _call(
            _glob("numpy.core.multiarray", "_reconstruct"), _glob("numpy", "dtype"),
            _tuple(_int(0)), _bytes(b"b")) + b".", "refused"),
        "reconstruct_of_matrix": (pickle.dumps(np.matrix([[1.0]]), protocol=2), "refused"),
        "array_data_as_list": (_model(_reconstructed(_tuple(_int(2)), f8,
                                                     b"](" + _int(1) + _int(2) + b"e")),
                               "refused"),
        # --- reduce / setstate / build tricks ------------------------------------------------
        "build_state_on_dtype_global": (P2 + _glob("numpy", "dtype") + b"}" + _uni("x") + _int(1)
                                        + b"sb.", "refused"),
        "build_slotstate_on_ndarray_global": (P2 + _glob("numpy", "ndarray") + _tuple(
            b"N", b"}" + _uni("__call__") + _int(1) + b"s") + b"b.", "refused"),
        "build_twice_on_array": (_model(_reconstructed(_tuple(_int(1)), f8, _bytes(b"\0" * 8))
                                        + _tuple(_int(1), _tuple(_int(3)),
                                                 _dtype("O", _dtype_state("|")), b"\x89",
                                                 _bytes(pointers)) + b"b"), "refused"),
        "build_on_frombuffer_result": (P2 + _call(_glob("numpy._core.numeric", "_frombuffer"),
                                                  _bytes(b"\0" * 8), f8, _tuple(_int(1)), _uni("C"))
                                       + _tuple(_tuple(_int(3)), _uni("O"), b"\x89",
                                                _bytes(pointers)) + b"b.", "refused"),
        "build_on_scalar_result": (P2 + _call(_glob("numpy.core.multiarray", "scalar"), f8,
                                              _bytes(b"\0" * 8)) + _tuple(_int(1)) + b"b.",
                                   "refused"),
        "copyreg_reconstructor_foreign": (P2 + _call(_glob("copyreg", "_reconstructor"),
                                                     _glob("os", "system"), _glob("builtins",
                                                                                  "object"),
                                                     b"N") + b".", "refused"),
        "copyreg_reconstructor_list_base": (P2 + _call(_glob("copy_reg", "_reconstructor"),
                                                       _glob("chumpy.ch", "Ch"),
                                                       _glob("builtins", "set"), b"N") + b".",
                                            "refused"),
        "codecs_encode_rot13": (P2 + _call(_glob("_codecs", "encode"), _uni("abc"),
                                           _uni("rot13")) + b".", "refused"),
        "set_of_bytes_expansion": (P2 + _call(_glob("builtins", "set"), _bytes(b"x" * 64))
                                   + b".", "refused"),
        "builtins_list_global": (P2 + _call(_glob("builtins", "list"), _bytes(b"ab")) + b".",
                                 "refused"),
        "builtins_bytearray_bomb": (P2 + _call(_glob("builtins", "bytearray"), _long(1 << 40))
                                    + b".", "refused"),
        "newobj_chumpy_with_args": (P2 + _glob("chumpy.ch", "Ch") + _tuple(_int(1), _int(2))
                                    + b"\x81.", "ok"),
        "newobj_ex_chumpy": (P4 + _glob("chumpy.ch", "Ch") + b")}\x92.", "ok"),
        "newobj_object": (P2 + _glob("builtins", "object") + b")\x81.", "ok"),
        "ext1_opcode": (P2 + b"\x82\x01.", "refused"),
        "ext4_opcode": (P2 + b"\x84\xff\xff\xff\x7f.", "refused"),
        "persid_opcode": (b"P1\n.", "refused"),
        "binpersid_opcode": (P2 + _uni("x") + b"Q.", "refused"),
        "next_buffer_opcode": (b"\x80\x05\x97.", "refused"),
        "sparse_scipy_class_other": (P2 + _glob("scipy.sparse", "lil_matrix") + b")\x81.",
                                     "refused"),
        "numpy_load_global": (P2 + _call(_glob("numpy", "load"), _uni("/etc/passwd")) + b".",
                              "refused"),
        # --- recursion and cycles ----------------------------------------------------------------
        "deep_tuple_dict_key_200k": (P2 + b"}" + b"K\x01" + b"\x85" * 200_000 + b"K\x01s.",
                                     "refused"),
        "deep_tuple_100k": (_deep(b"", b"\x85", 100_000, b"K\x01"), "refused"),
        "deep_list_150k": (P4 + b"]" * 150_000 + b"a" * 149_999 + b".", "refused"),
        "deep_marked_tuples": (_deep(b"(", b"t", 60_000), "refused"),
        "deep_dicts": (P2 + (b"}" + _uni("k")) * 30_000 + b"N" + b"s" * 30_000 + b".",
                       "refused"),
        "self_referencing_list": (P2 + b"]q\x00h\x00a.", "refused"),
        "self_referencing_dict": (P2 + b"}q\x00" + _uni("a") + b"h\x00s.", "refused"),
        "chumpy_x_is_itself": (P2 + _glob("chumpy.ch", "Ch") + b")\x81q\x00}" + _uni("x")
                               + b"h\x00sb.", "refused"),
        "alias_built_deep_lists": (P2 + b"".join(b"]q" + bytes([i]) for i in range(100))
                                   + b"0" * 0 + b"".join(b"h" + bytes([i + 1]) + b"h"
                                                         + bytes([i]) + b"a0"
                                                         for i in range(99)) + b"h\x63.",
                                   "refused"),
        "shared_lists_billion_laughs": (P2 + b"]q\x00" + b"".join(
            b"(" + (b"h" + bytes([i])) * 10 + b"lq" + bytes([i + 1]) for i in range(40)) + b".",
            "ok"),
        # --- memory bombs: huge shapes in tiny files ---------------------------------------------
        "huge_shape_tiny_data": (_model(_reconstructed(_tuple(_int(1_000_000), _int(1_000_000)),
                                                       f8, _bytes(b"\0" * 8))), "refused"),
        "huge_shape_no_data": (_model(_reconstructed(_tuple(_long(10**12)), f8, _bytes(b""))),
                               "refused"),
        "negative_shape": (_model(_reconstructed(_tuple(_int(-1)), f8, _bytes(b"\0" * 8))),
                           "refused"),
        "shape_overflowing_int64": (_model(_reconstructed(_tuple(_long(2**62), _int(4)), f8,
                                                          _bytes(b""))), "refused"),
        "shape_zero_times_huge": (_model(_reconstructed(_tuple(_long(2**62), _int(0)), f8,
                                                        _bytes(b""))), "refused"),
        "too_many_dims": (_model(_reconstructed(_tuple(*[_int(1)] * 40), f8, _bytes(b"\0" * 8))),
                          "refused"),
        "frombuffer_huge_shape": (P2 + _call(_glob("numpy._core.numeric", "_frombuffer"),
                                             _bytes(b"\0" * 8), f8, _tuple(_long(1 << 40)),
                                             _uni("C")) + b".", "refused"),
        "one_mib_reused_1000_times": (
            P2 + _bytes(b"\0" * (1 << 20)) + b"q\x00" + b"(" + b"".join(
                _reconstructed(_tuple(_int(1 << 17)), f8, b"h\x00") for _ in range(1000))
            + b"l.", "refused"),
        "sparse_huge_shape": (P2 + _glob("scipy.sparse._csc", "csc_matrix") + b")\x81}"
                              + _uni("_shape") + _tuple(_int(1_000_000), _int(1_000_000)) + b"s"
                              + _uni("data") + _reconstructed(_tuple(_int(0)), f8, _bytes(b""))
                              + b"sb.", "refused"),
        "sparse_index_out_of_range": (_sparse(indices=[0, 99], shape=(3, 2)), "refused"),
        "sparse_indptr_inconsistent": (_sparse(indptr=[0, 5, 1], shape=(3, 2)), "refused"),
        "sparse_negative_index": (_sparse(indices=[-5, 0], shape=(3, 2)), "refused"),
        "memo_index_4g": (P2 + b"Nr\xff\xff\xff\xff.", "refused"),
        "binunicode8_huge_length": (P4 + b"\x8d" + struct.pack("<Q", 2**62) + b"ab.",
                                    "corrupt"),
        "binbytes8_huge_length": (P4 + b"\x8e" + struct.pack("<Q", 2**62) + b"ab.", "corrupt"),
        "frame_huge_length": (P4 + b"\x95" + struct.pack("<Q", 2**62) + b"N.", "corrupt"),
        "long_decimal_million_digits": (b"L" + b"9" * 1_000_000 + b"L\n.", "corrupt"),
        "too_many_opcodes": (P2 + b"N0" * 200_001 + b"N.", "refused"),
        "empty_file": (b"", "corrupt"),
        "not_a_pickle": (b"this is not a pickle at all", "corrupt"),
        "stop_on_empty_stack": (P2 + b".", "corrupt"),
        "get_of_missing_memo": (P2 + b"h\x05.", "corrupt"),
        # --- benign ones that must load ------------------------------------------------------
        "plain_arrays_protocol0": (pickle.dumps({"a": np.arange(6.0).reshape(2, 3)}, protocol=0),
                                   "ok"),
        "plain_arrays_protocol5": (pickle.dumps({"a": np.arange(6, dtype=">i4"),
                                                 "b": np.ones((2, 2), order="F")}, protocol=5),
                                   "ok"),
        "strings_and_scalars": (pickle.dumps({"s": np.array(["ab", "c"]), "b": np.bytes_(b"x"),
                                              "f": np.float32(1.5), "c": 1 + 2j}, protocol=2),
                                "ok"),
    })
    return cases


def _sparse(*, shape: tuple[int, int], indices=(0, 1), indptr=(0, 1, 2)) -> bytes:
    f8 = _dtype("f8", _dtype_state())
    i8 = _dtype("i8", _dtype_state())

    def arr(values, dtype, code):
        raw = np.asarray(values, code).tobytes()
        return _reconstructed(_tuple(_int(len(values))), dtype, _bytes(raw))

    return (P2 + _glob("scipy.sparse._csc", "csc_matrix") + b")\x81}"
            + _uni("_shape") + _tuple(_int(shape[0]), _int(shape[1])) + b"s"
            + _uni("data") + arr([1.0] * len(indices), f8, "<f8") + b"s"
            + _uni("indices") + arr(list(indices), i8, "<i8") + b"s"
            + _uni("indptr") + arr(list(indptr), i8, "<i8") + b"sb.")
