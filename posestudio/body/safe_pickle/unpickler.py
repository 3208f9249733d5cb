"""The restricted unpickler: the fixed allow-list of names a body-model pickle may use, each
resolved to our own checking constructor or an inert stand-in, never to numpy's, scipy's or
chumpy's own code. Anything else the file names is refused before it runs."""

from __future__ import annotations

import io
import pickle
from typing import Any, Callable

from posestudio.body.safe_pickle.arrays import ArraySpec, Built, DtypeSpec, checked_array
from posestudio.body.safe_pickle.limits import Budget, Refused, describe
from posestudio.body.safe_pickle.stand_ins import ChumpyObject, SparseMatrix, Stateful, stand_in


class _Global:
    """A callable the pickle may name; it can be called, never given a state."""

    __slots__ = ("label", "fn")

    def __init__(self, label: str, fn: Callable[..., Any]) -> None:
        self.label, self.fn = label, fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __setstate__(self, state: Any) -> None:
        raise Refused(f"setting the state of {self.label}")


class _Marker:
    """A global that may only be passed as an argument (``numpy.ndarray`` to ``_reconstruct``)."""

    __slots__ = ("label",)

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise Refused(f"a direct call of {self.label}")

    def __setstate__(self, state: Any) -> None:
        raise Refused(f"setting the state of {self.label}")


class _Builders:
    """The allowed globals of one load, sharing its allocation budget."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.ndarray = _Marker("numpy.ndarray")

    def reconstruct(self, cls: Any, shape: Any = (0,), typecode: Any = b"b") -> ArraySpec:
        if cls is not self.ndarray:
            raise Refused(f"numpy _reconstruct of {describe(cls)} (only plain numpy arrays)")
        return ArraySpec(self.budget)

    def frombuffer(self, buf: Any, spec: Any, shape: Any, order: Any = "C") -> Built:
        if order not in ("C", "F"):
            raise Refused(f"array order {describe(order)}")
        return Built(checked_array(shape, spec, order == "F", buf, self.budget))

    def scalar(self, spec: Any, raw: Any = None) -> Built:
        if not isinstance(spec, DtypeSpec):
            raise Refused(f"a numpy scalar of {describe(spec)}")
        return Built(checked_array((), spec, False, raw, self.budget)[()])

    @staticmethod
    def reconstructor(cls: Any, base: Any, state: Any = None) -> Any:
        """``copyreg._reconstructor`` restricted to our stand-ins (protocol 0/1 objects)."""
        if not (isinstance(cls, type) and issubclass(cls, Stateful)) or base is not object:
            raise Refused(f"copyreg reconstruction of {describe(cls)}")
        return cls()

    @staticmethod
    def latin1_bytes(text: Any, encoding: Any = "latin1") -> bytes:
        """``_codecs.encode`` as Python 3 pickles bytes at protocols 0-2, only str -> latin-1."""
        if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
            raise Refused(f"_codecs.encode({describe(text)}, {describe(encoding)})")
        try:
            return text.encode("latin-1")
        except UnicodeEncodeError:
            raise Refused("_codecs.encode of text that is not latin-1") from None

    @staticmethod
    def plain_complex(real: Any = 0.0, imag: Any = 0.0) -> complex:
        if not all(isinstance(v, (int, float)) for v in (real, imag)):
            raise Refused(f"complex() of {describe(real)}, {describe(imag)}")
        return complex(real, imag)

    @staticmethod
    def plain_set(kind: type) -> Callable[..., Any]:
        def build(items: Any = ()) -> Any:
            if not isinstance(items, (list, tuple, set, frozenset)):
                raise Refused(f"{kind.__name__}() of {describe(items)}")
            return kind(items)
        return build

    def find(self, module: str, name: str) -> Any:
        multiarray = ("numpy.core.multiarray", "numpy._core.multiarray")
        if module in ("numpy",) + multiarray and name == "ndarray":
            return self.ndarray
        if module in ("numpy",) + multiarray and name == "dtype":
            return _Global("numpy.dtype", DtypeSpec)
        if module in multiarray and name == "_reconstruct":
            return _Global("numpy _reconstruct", self.reconstruct)
        if module in multiarray and name == "scalar":
            return _Global("numpy scalar", self.scalar)
        if module in ("numpy.core.numeric", "numpy._core.numeric") and name == "_frombuffer":
            return _Global("numpy _frombuffer", self.frombuffer)
        if module in ("copy_reg", "copyreg") and name == "_reconstructor":
            return _Global("copyreg._reconstructor", self.reconstructor)
        if module == "_codecs" and name == "encode":
            return _Global("_codecs.encode", self.latin1_bytes)
        if module in ("__builtin__", "builtins"):
            if name == "object":
                return object  # only as copyreg's base; object() itself is inert
            if name == "complex":
                return _Global("builtins.complex", self.plain_complex)
            if name in ("set", "frozenset"):
                kind = set if name == "set" else frozenset
                return _Global(f"builtins.{name}", self.plain_set(kind))
        if module == "chumpy" or module.startswith("chumpy."):
            return stand_in(ChumpyObject, module, name)
        if module.startswith("scipy.sparse") and name in (
                "csc_matrix", "csr_matrix", "coo_matrix", "csc_array", "csr_array", "coo_array"):
            return stand_in(SparseMatrix, module, name)
        raise Refused(f"{module}.{name}: a body model pickle may only contain arrays")


class SafeUnpickler(pickle.Unpickler):
    """Unpickler whose globals are only the checked builders of the allow-list.

    Use ``load_safe_pickle``; this class alone does not scan depth or convert stand-ins.
    """

    def __init__(self, file: io.BytesIO, budget: Budget) -> None:
        super().__init__(file, encoding="latin1")
        self._builders = _Builders(budget)

    def find_class(self, module: str, name: str) -> Any:
        return self._builders.find(str(module), str(name))

    def persistent_load(self, pid: Any) -> Any:
        raise Refused("a pickle with persistent ids")
