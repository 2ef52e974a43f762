"""The one reader of ``extends`` chains (layoutsim.config.base), shared by scenarios and rulebooks."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from layoutsim.config.base import ExtendsChain, ExtendsCycle, ExtendsNotAName, extends_chain


def _resolve(ref: str | Path, naming: Path | None) -> Path:
    return (Path(ref) if naming is None else naming.parent / ref).resolve()


def _read(path: Path) -> dict[str, Any] | None:
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _chain(start: Path) -> ExtendsChain[Path]:
    return extends_chain(start, _read, _resolve)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_three_files_come_base_first_each_parent_relative_to_its_child(tmp_path: Path) -> None:
    base = _write(tmp_path / "base.toml", "x = 1\n")
    middle = _write(tmp_path / "alt" / "middle.toml", 'extends = "../base.toml"\nx = 2\n')
    top = _write(tmp_path / "alt" / "deeper" / "top.toml", 'extends = "../middle.toml"\nx = 3\n')
    chain = _chain(top)
    assert chain.problem is None
    assert [f for f, _ in chain.files] == [base.resolve(), middle.resolve(), top.resolve()]
    assert [data["x"] for _, data in chain.files] == [1, 2, 3]


def test_a_cycle_is_reported_with_its_files_and_the_files_read_are_kept(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.toml", 'extends = "b.toml"\n').resolve()
    b = _write(tmp_path / "b.toml", 'extends = "c.toml"\n').resolve()
    c = _write(tmp_path / "c.toml", 'extends = "b.toml"\n').resolve()
    chain = _chain(a)
    assert chain.problem == ExtendsCycle(b, (a, b, c, b))
    assert [f for f, _ in chain.files] == [c, b, a]


def test_a_file_extending_itself_is_a_cycle(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.toml", 'extends = "a.toml"\n').resolve()
    assert _chain(a).problem == ExtendsCycle(a, (a, a))


def test_an_extends_that_is_not_a_string_ends_the_chain_at_its_file(tmp_path: Path) -> None:
    base = _write(tmp_path / "base.toml", "extends = 3\n").resolve()
    top = _write(tmp_path / "top.toml", 'extends = "base.toml"\n').resolve()
    chain = _chain(top)
    assert chain.problem == ExtendsNotAName(base, 3)
    assert [f for f, _ in chain.files] == [base, top]


def test_a_file_that_cannot_be_read_ends_the_chain_without_a_problem_of_its_own(tmp_path: Path) -> None:
    top = _write(tmp_path / "top.toml", 'extends = "missing.toml"\n').resolve()
    read: list[Path] = []

    def reader(path: Path) -> dict[str, Any] | None:
        read.append(path)
        return _read(path)

    chain = extends_chain(top, reader, _resolve)
    assert chain.problem is None
    assert [f for f, _ in chain.files] == [top]
    assert read == [top, (tmp_path / "missing.toml").resolve()]
