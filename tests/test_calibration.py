"""The committed synthetic layers beside the published figures they are calibrated to (printed with -s)."""
from __future__ import annotations

from pathlib import Path

import pytest

from layoutsim.synth.calibration import table
from layoutsim.synth.census import AREAS

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("key", list(AREAS))
def test_the_layout_is_as_crowded_as_the_statistics_and_no_more(key: str) -> None:
    rows = table(key, DATA)
    print("\n" + rows.drop(columns="source").to_string())
    assert len(rows) >= 8
    bad = rows[~rows["ok"]]
    assert bad.empty, bad.to_string()


def test_a_figure_off_by_more_than_a_fifth_fails() -> None:
    from layoutsim.synth.calibration import Row

    assert Row("x", 0.029, 0.0288, "s").ok and not Row("x", 0.15, 0.0288, "s").ok
    assert not Row("x", 0.0010, 0.0006, "s", grain=0.0002).ok and Row("x", 0.0007, 0.0006, "s", grain=0.0002).ok
    assert not Row("u", 0.40, 0.53, "s", rule="at_least").ok
