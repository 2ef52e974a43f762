"""Classes over a class-size line, estimated from a school's classes and enrolment: the one estimator the
audit (class_size rules) and the indicators (``layoutsim.metrics``) both use.

大班额 (56–65 pupils) and 超大班额 (66 and more) are counted per class (教育部 大班额统计口径), but a
school's layer holds only its classes and its pupils of each level, not each class's size. The estimate
spreads the pupils over the classes as evenly as whole pupils allow (class sizes differ by at most one):
with ``E`` pupils in ``C`` classes, ``E mod C`` classes hold ``⌊E/C⌋ + 1`` and the rest ``⌊E/C⌋``, so the
classes over a line ``L`` number ``min(C, max(0, E − L·C))``. A school whose average is within the line
has none; one averaging ``L + 1`` or more has all its classes over it; one averaging between ``L`` and
``L + 1`` has as many as it has pupils beyond ``L`` a class. It is what the average alone implies, not a
bound: a school whose classes differ more (crowded entry grades, a small top grade) may have more or fewer
over the line, and one averaging within it may still have some; per-class sizes, where a bureau has them,
would replace it. Pupils are counted whole (rounded) first, so a plan's continuous flows, which fill a
school to 55.000001 a class, put no class over 55.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from layoutsim.schema import LARGE_CLASS, SUPER_LARGE_CLASS


def classes_over(enrolment: Any, classes: Any, limit: float) -> np.ndarray:
    """Estimated classes of more than ``limit`` pupils at each school (pupils spread as evenly as whole
    pupils allow; module docstring). Pupils and classes are rounded to whole ones; missing ones are 0.

    >>> classes_over([6 * 58, 6 * 55, 6 * 55 + 4, 0], [6, 6, 6, 0], 55).tolist()
    [6.0, 0.0, 4.0, 0.0]
    >>> classes_over([10 * 70], [10], 65).tolist()  # a school averaging 70: every class is 超大班额
    [10.0]
    """
    pupils = np.rint(np.nan_to_num(np.asarray(enrolment, dtype=float)))
    rooms = np.rint(np.nan_to_num(np.asarray(classes, dtype=float))).clip(min=0.0)
    return np.clip(pupils - float(limit) * rooms, 0.0, rooms)


def large_classes(enrolment: Any, classes: Any) -> tuple[np.ndarray, np.ndarray]:
    """Estimated 大班额 (56–65 pupils) and 超大班额 (66 and more) classes at each school, by
    :func:`classes_over` at the lines of ``layoutsim.schema`` (55 and 65).

    >>> [a.tolist() for a in large_classes([4 * 60 + 2 * 70], [6])]  # 380 pupils in 6 classes: 63 or 64
    [[6.0], [0.0]]
    """
    over_large = classes_over(enrolment, classes, LARGE_CLASS)
    over_super = classes_over(enrolment, classes, SUPER_LARGE_CLASS)
    return over_large - over_super, over_super
