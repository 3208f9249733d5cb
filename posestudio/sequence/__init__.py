"""Sequences of per-frame control maps for pose-guided video models: presets
(:mod:`posestudio.sequence.presets`) and the streaming render/export
(:mod:`posestudio.sequence.export`). Qt-free; GL and the body models load on first use.
"""

from posestudio.sequence.presets import PRESETS, SequencePreset, get_preset, plan_frames

__all__ = ["PRESETS", "SequencePreset", "get_preset", "plan_frames"]
