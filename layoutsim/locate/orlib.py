"""Readers for the OR-Library facility-location benchmark formats.

Three formats are supported (see ``shared/benchmarks/README.md`` for the full notes):

``pmed`` (Beasley 1985, uncapacitated p-median)
    Header ``n m p``, then ``m`` lines ``i j c`` (1-based vertices).  The cost
    matrix starts at 0 on the diagonal and infinity elsewhere; edges are read in
    order and a later line for the same vertex pair **overwrites** the earlier
    one (OR-Library's rule).  Distances are all-pairs shortest paths.
``cap`` (Beasley 1988, capacitated warehouse location)
    Whitespace-separated tokens: ``m n``, ``m`` pairs ``capacity fixed_cost``,
    then per customer ``demand`` followed by ``m`` costs of serving *all* of its
    demand from each warehouse.  In ``capa``/``capb``/``capc`` every capacity
    field is the literal word ``capacity``; the caller must supply a value.
``pmedcap`` (Osman & Christofides 1994, capacitated p-median)
    ``problem_number value``, ``n p Q``, then ``n`` lines ``id x y demand``.
    Distances are the floor of the Euclidean distance.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import shortest_path

from layoutsim import travel
from layoutsim.errors import DataError

__all__ = [
    "PMedInstance",
    "CapInstance",
    "PMedCapInstance",
    "read_pmed",
    "read_cap",
    "read_pmedcap",
]


@dataclass(frozen=True)
class PMedInstance:
    """An OR-Library p-median instance.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"pmed1"``.
    p : int
        Number of medians to open.
    cost : numpy.ndarray
        ``(n, n)`` all-pairs shortest-path distances; every vertex is both a
        client (weight 1) and a candidate site.
    """

    name: str
    p: int
    cost: np.ndarray

    @property
    def n(self) -> int:
        """Number of vertices."""
        return int(self.cost.shape[0])

    @property
    def weights(self) -> np.ndarray:
        """Client weights (all one)."""
        return np.ones(self.n)


@dataclass(frozen=True)
class CapInstance:
    """An OR-Library capacitated warehouse location instance.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"cap41"`` or ``"capa"``.
    fixed_cost : numpy.ndarray
        ``(m,)`` opening cost of each warehouse.
    capacity : numpy.ndarray
        ``(m,)`` capacity of each warehouse.
    demand : numpy.ndarray
        ``(n,)`` demand of each customer.
    cost : numpy.ndarray
        ``(n, m)`` cost of serving **all** of customer ``i``'s demand from
        warehouse ``j`` (the file lists these per customer; OR-Library's own
        notation ``c_ij`` puts the warehouse first).
    """

    name: str
    fixed_cost: np.ndarray
    capacity: np.ndarray
    demand: np.ndarray
    cost: np.ndarray


@dataclass(frozen=True)
class PMedCapInstance:
    """An OR-Library capacitated p-median instance (Osman & Christofides).

    Attributes
    ----------
    name : str
        File stem, e.g. ``"pmedcap01"``.
    reference_value : float
        The value on the file's first line.
    p : int
        Number of medians.
    capacity : float
        Capacity of every median (its own demand counts).
    xy : numpy.ndarray
        ``(n, 2)`` integer coordinates.
    demand : numpy.ndarray
        ``(n,)`` demand of each customer.
    cost : numpy.ndarray
        ``(n, n)`` floor of the Euclidean distance.
    """

    name: str
    reference_value: float
    p: int
    capacity: float
    xy: np.ndarray
    demand: np.ndarray
    cost: np.ndarray


def _tokens(path: Path) -> list[str]:
    try:
        return Path(path).read_text().split()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc


def read_pmed(path: str | Path) -> PMedInstance:
    """Read an OR-Library ``pmedN.txt`` file.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    PMedInstance
        The instance with its all-pairs shortest-path cost matrix.

    Raises
    ------
    layoutsim.errors.DataError
        If the file is unreadable or malformed.
    """
    path = Path(path)
    tok = _tokens(path)
    try:
        n, m, p = (int(t) for t in tok[:3])
        edges = np.asarray(tok[3 : 3 + 3 * m], dtype=np.int64).reshape(m, 3)
    except (ValueError, IndexError) as exc:
        raise DataError(f"{path}: malformed pmed file: {exc}") from exc
    if len(tok) != 3 + 3 * m:
        raise DataError(f"{path}: expected {m} edge lines")
    i = edges[:, 0] - 1
    j = edges[:, 1] - 1
    if i.min() < 0 or j.min() < 0 or max(i.max(), j.max()) >= n:
        raise DataError(f"{path}: vertex index out of range 1..{n}")
    # Last line wins for a repeated (unordered) pair: keep the last occurrence.
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    key = lo * n + hi
    _, first_in_reversed = np.unique(key[::-1], return_index=True)
    keep = m - 1 - first_in_reversed
    lo, hi, c = lo[keep], hi[keep], edges[keep, 2].astype(float)
    offdiag = lo != hi
    lo, hi, c = lo[offdiag], hi[offdiag], c[offdiag]
    graph = coo_array(
        (np.concatenate([c, c]), (np.concatenate([lo, hi]), np.concatenate([hi, lo]))),
        shape=(n, n),
    ).tocsr()
    dist = shortest_path(graph, method="D", directed=False)
    if not np.all(np.isfinite(dist)):
        raise DataError(f"{path}: the graph is not connected")
    return PMedInstance(name=path.stem, p=p, cost=dist)


def read_cap(path: str | Path, capacity: float | None = None) -> CapInstance:
    """Read an OR-Library capacitated warehouse location file.

    Parameters
    ----------
    path : str or pathlib.Path
        ``capNNN.txt`` or ``capa.txt``/``capb.txt``/``capc.txt``.
    capacity : float, optional
        Capacity for every warehouse.  Required when the file's capacity fields
        are the word ``capacity`` (capa/b/c); when given for a numeric file it
        overrides the file's values.

    Returns
    -------
    CapInstance
        The instance, with ``cost`` shaped ``(customers, warehouses)``.

    Raises
    ------
    layoutsim.errors.DataError
        If the file is malformed or a needed capacity is missing.
    """
    path = Path(path)
    tok = _tokens(path)
    try:
        m, n = int(tok[0]), int(tok[1])
        pairs = tok[2 : 2 + 2 * m]
        cap_tok, fixed_tok = pairs[0::2], pairs[1::2]
        fixed = np.asarray(fixed_tok, dtype=float)
        body = np.asarray(tok[2 + 2 * m :], dtype=float)
    except (ValueError, IndexError) as exc:
        raise DataError(f"{path}: malformed cap file: {exc}") from exc
    if body.size != n * (m + 1) or fixed.size != m:
        raise DataError(f"{path}: expected {n} customers with {m} costs each")
    if capacity is not None:
        cap = np.full(m, float(capacity))
    elif any(t.lower() == "capacity" for t in cap_tok):
        raise DataError(f"{path}: capacities are symbolic; pass capacity=...")
    else:
        cap = np.asarray(cap_tok, dtype=float)
    block = body.reshape(n, m + 1)
    return CapInstance(
        name=path.stem,
        fixed_cost=fixed,
        capacity=cap,
        demand=block[:, 0].copy(),
        cost=block[:, 1:].copy(),
    )


def read_pmedcap(path: str | Path) -> PMedCapInstance:
    """Read an OR-Library capacitated p-median file (``pmedcapNN.txt``).

    Parameters
    ----------
    path : str or pathlib.Path
        The file (CRLF line endings are fine).

    Returns
    -------
    PMedCapInstance
        The instance, with floor-Euclidean distances.

    Raises
    ------
    layoutsim.errors.DataError
        If the file is malformed.
    """
    path = Path(path)
    tok = _tokens(path)
    try:
        ref = float(tok[1])
        n, p, q = int(tok[2]), int(tok[3]), float(tok[4])
        rows = np.asarray(tok[5 : 5 + 4 * n], dtype=float).reshape(n, 4)
    except (ValueError, IndexError) as exc:
        raise DataError(f"{path}: malformed pmedcap file: {exc}") from exc
    xy = rows[:, 1:3]
    cost = np.floor(travel.pairwise(xy, xy))  # the instances' published costs: Euclidean, rounded down
    return PMedCapInstance(
        name=path.stem,
        reference_value=ref,
        p=p,
        capacity=q,
        xy=xy,
        demand=rows[:, 3].copy(),
        cost=cost,
    )
