"""What every settings model and settings file shares: strict immutable models, how a file that
``extends`` another is found (the chain of files, base first) and how it changes it (a deep merge)."""
from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A strict, immutable section: unknown keys are an error, values cannot be changed after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def deep_merge(base: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` changed by ``change``: tables merge key by key, anything else in ``change`` replaces.

    >>> deep_merge({"a": {"x": 1, "y": 2}, "b": [1]}, {"a": {"y": 3}, "b": [2]})
    {'a': {'x': 1, 'y': 3}, 'b': [2]}
    """
    out = copy.deepcopy(dict(base))
    for key, value in change.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# --------------------------------------------------------------------------- extends chains

F = TypeVar("F", bound=Hashable)
"""How a chain names one file: a resolved path, a packaged book, ... (compared to find a cycle)."""


@dataclass(frozen=True)
class ExtendsCycle(Generic[F]):
    """``extends`` leads back to a file already in the chain: ``chain`` runs from the first file round to
    ``file`` again."""

    file: F
    chain: tuple[F, ...]


@dataclass(frozen=True)
class ExtendsNotAName(Generic[F]):
    """``file`` says ``extends = value`` with a value that is not a string (a file name)."""

    file: F
    value: object


@dataclass(frozen=True)
class ExtendsChain(Generic[F]):
    """The files a settings file is made of, base first, each as (file, its parsed table), and why the
    chain stopped early, if it did (the files read up to there are kept)."""

    files: tuple[tuple[F, dict[str, Any]], ...]
    problem: ExtendsCycle[F] | ExtendsNotAName[F] | None = None


def extends_chain(ref: str | Path, read: Callable[[F], dict[str, Any] | None],
                  resolve: Callable[[str | Path, F | None], F]) -> ExtendsChain[F]:
    """Follow ``extends`` from the file ``ref`` names to its last base.

    ``resolve(ref, naming)`` is the file a reference names (``naming`` the file it is written in, ``None``
    for ``ref`` itself: a parent is relative to its child); ``read(file)`` its parsed table, or ``None``
    when it cannot be read (``read`` reports why, or raises; the chain ends there). A file met twice (a
    cycle) or an ``extends`` that is not a string ends the chain too, reported in ``problem``.

    >>> books = {"a": {"extends": "b"}, "b": {"extends": "c"}, "c": {}}
    >>> [f for f, _ in extends_chain("a", books.get, lambda ref, _: str(ref)).files]
    ['c', 'b', 'a']
    >>> extends_chain("a", {"a": {"extends": "a"}}.get, lambda ref, _: str(ref)).problem
    ExtendsCycle(file='a', chain=('a', 'a'))
    """
    files: list[tuple[F, dict[str, Any]]] = []
    problem: ExtendsCycle[F] | ExtendsNotAName[F] | None = None
    file = resolve(ref, None)
    while True:
        seen = tuple(f for f, _ in files)
        if file in seen:
            problem = ExtendsCycle(file, (*seen, file))
            break
        data = read(file)
        if data is None:
            break
        files.append((file, data))
        parent = data.get("extends")
        if parent is None:
            break
        if not isinstance(parent, str):
            problem = ExtendsNotAName(file, parent)
            break
        file = resolve(parent, file)
    return ExtendsChain(tuple(reversed(files)), problem)
