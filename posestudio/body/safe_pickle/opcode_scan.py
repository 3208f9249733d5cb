"""The pre-scan of a pickle's byte stream: opcodes, their count, memo indices and nesting depth,
checked before a single object is built (even plain ``pickle`` crashes the interpreter on a tuple
nested a few hundred thousand deep)."""

from __future__ import annotations

import io
import pickletools

from posestudio.body.safe_pickle.limits import MAX_DEPTH, MAX_OPCODES, Refused

# Opcodes only foreign objects need; a numeric pickle never contains them.
_REFUSED_OPCODES = {
    "INST": "INST (old-style class instance)", "OBJ": "OBJ (old-style class instance)",
    "PERSID": "persistent ids", "BINPERSID": "persistent ids",
    "EXT1": "the copyreg extension registry", "EXT2": "the copyreg extension registry",
    "EXT4": "the copyreg extension registry",
    "NEXT_BUFFER": "out-of-band buffers", "READONLY_BUFFER": "out-of-band buffers",
}
# Opcodes that add to a container (or set an object's state) already on the stack.
_GROWING_OPCODES = {"APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS", "BUILD"}


def _opcode_effects() -> dict[str, tuple[bool, int, int]]:
    """Per opcode name: (pops down to a MARK, items popped below it, items pushed)."""
    effects = {}
    for op in pickletools.opcodes:
        before = op.stack_before
        marked = pickletools.markobject in before
        below = before.index(pickletools.markobject) if marked else len(before)
        effects[op.name] = (marked, below, len(op.stack_after))
    return effects


_EFFECTS = _opcode_effects()


def scan_opcodes(data: bytes) -> None:
    """Refuse forbidden opcodes, too many opcodes, absurd memo indices and deep nesting.

    The nesting depth of every stack item is simulated (a container is one deeper than its
    deepest item); a memo entry keeps the depth its object had when stored. Raises
    :class:`Refused`; a stream pickletools cannot parse raises ``ValueError`` (reported as
    corrupt).
    """
    stack: list[int] = []   # depth per item, -1 for a MARK
    memo: dict[int, int] = {}
    for count, (opcode, arg, _pos) in enumerate(pickletools.genops(io.BytesIO(data))):
        name = opcode.name
        if count >= MAX_OPCODES:
            raise Refused(f"a pickle of more than {MAX_OPCODES} opcodes")
        if name in _REFUSED_OPCODES:
            raise Refused(f"opcode {name}: a body model pickle may not use "
                          f"{_REFUSED_OPCODES[name]}")
        if name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
            index = len(memo) if name == "MEMOIZE" else int(arg)
            if index > MAX_OPCODES:
                raise Refused(f"memo index {index}")
            memo[index] = max(stack[-1], 0) if stack else 0
            continue
        if name in ("GET", "BINGET", "LONG_BINGET"):
            stack.append(memo.get(int(arg), 0))
            continue
        if name == "MARK":
            stack.append(-1)
            continue
        if name == "DUP":
            stack.append(stack[-1] if stack else 0)
            continue
        marked, below, after = _EFFECTS[name]
        deepest = container = 0
        if marked:
            while stack and stack[-1] >= 0:
                deepest = max(deepest, stack.pop() + 1)
            if stack:
                stack.pop()  # the MARK
        for i in range(below):
            if stack:
                item = max(stack.pop(), 0)
                if name in _GROWING_OPCODES and i == below - 1:
                    container = item  # the deepest-down item is the container
                else:
                    deepest = max(deepest, item + 1)
        if not after:
            continue
        if name in _GROWING_OPCODES:
            depth = max(container, deepest)
        elif deepest or name.startswith("EMPTY_") or marked:
            depth = max(deepest, 1)
        else:
            depth = 0
        if depth > MAX_DEPTH:
            raise Refused(f"data nested deeper than {MAX_DEPTH} levels")
        stack.extend([depth] * after)
