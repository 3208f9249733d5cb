"""The hostile-input harness itself: a crash or a traceback in a reader fails the test."""

from __future__ import annotations

import pytest

from hostile import assert_all_clean, run_cases


def test_a_crashing_reader_fails_the_test_naming_the_case(tmp_path):
    with pytest.raises(AssertionError, match=r"died \(exit -6\) on case '0001-boom'"):
        run_cases("selftest", {"fine": b"x", "boom": b"crash", "after": b"x"}, tmp_path)


def test_a_traceback_is_reported_as_a_bug(tmp_path):
    results = run_cases("selftest", {"fine": b"x", "bug": b"raise"}, tmp_path)
    assert results["fine"]["outcome"] == "ok"
    assert results["bug"]["outcome"] == "bug" and "KeyError" in results["bug"]["message"]
    with pytest.raises(AssertionError, match="KeyError"):
        assert_all_clean(results)
