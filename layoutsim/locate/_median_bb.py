r"""Lagrangian branch and bound for the p-median problem (Beasley 1985, 1993).

The solver works on the *reduced* problem left by Lagrangian pair elimination
(:func:`layoutsim.locate.median._lagrangian_keep`): client :math:`i` may only be
served by the sites :math:`j` with :math:`(i, j)` among the kept pairs.  Every
solution of value at most the incumbent :math:`U` uses only kept pairs, so
proving that the reduced problem has no solution below :math:`U` proves the
incumbent optimal for the full problem.

Bound at a node
---------------
Sites are fixed open (:math:`O`), closed or free.  Relaxing the assignment rows
:math:`\sum_j x_{ij} = 1` with multipliers :math:`\lambda` gives

.. math::

    L(\lambda) = \sum_i \lambda_i + \sum_{j \in O} \rho_j
    + \min_{|F'| = p - |O|,\ F' \subseteq \text{free}} \sum_{j \in F'} \rho_j,
    \qquad \rho_j = \sum_{i:(i,j)\ \text{kept}} \min(0,\ w_i c_{ij} - \lambda_i),

a lower bound on every solution in the node's subtree for any :math:`\lambda`.
Subgradient steps (Held-Wolfe-Crowder, step :math:`f (U - L)/\lVert g\rVert^2`)
improve it, warm-started from the parent's multipliers.  Every site set the
relaxation picks is evaluated exactly (nearest open site in the full matrix) and
may improve :math:`U`.

Reductions at a node (all exact within the subtree)
----------------------------------------------------
* A free site outside the relaxation's choice :math:`P` whose forced opening
  raises the bound above :math:`U` (:math:`L + \rho_j - \max_{k \in P_{free}}
  \rho_k`) is closed; a free site in :math:`P` whose forced closing does
  (:math:`L - \rho_j + \min_{k \notin P} \rho_k`) is opened.
* A pair whose forced use raises the bound above :math:`U` is dropped (as at the
  root).
* Once some sites are open, client :math:`i` is served at no more than its
  distance to the nearest open one, so pairs farther than that are dropped.
* A client with no pair left, or fewer than :math:`p` sites not closed, proves
  the node infeasible (no solution below :math:`U` in it).

Branching is depth first on the free chosen site with the most negative
:math:`\rho_j` (closing it raises the bound most), open branch first.  The
bound returned is the least of the pruned nodes' bounds and, if the time limit
stops the search, the parents' bounds of the nodes still waiting.

References
----------
Beasley, J.E. (1985) A note on solving large p-median problems. EJOR 21:270-273.
Beasley, J.E. (1993) Lagrangean heuristics for location problems. EJOR 65:383-399.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

__all__ = ["BranchAndBoundResult", "branch_and_bound"]

_ROOT_ITERS = 400
_NODE_ITERS = 60
_ROOT_STEP = 2.0
_NODE_STEP = 0.25
_STALL = 10
_MIN_STEP = 1e-3

_FREE, _OPEN, _CLOSED = 0, 1, -1


@dataclass
class BranchAndBoundResult:
    """Outcome of :func:`branch_and_bound`."""

    upper: float
    open_sites: np.ndarray
    bound: float
    finished: bool
    nodes: int
    iterations: int


@dataclass
class _Node:
    status: np.ndarray  # int8 per site: _FREE, _OPEN, _CLOSED
    lam: np.ndarray
    pair_i: np.ndarray
    pair_j: np.ndarray
    pair_wc: np.ndarray
    parent_bound: float
    root: bool = False


class _Search:
    def __init__(self, cost: np.ndarray, w: np.ndarray, p: int, upper: float,
                 best_open: np.ndarray, slack: float) -> None:
        self.cost, self.w, self.p = cost, w, p
        self.n, self.m = cost.shape
        self.upper, self.best_open = upper, best_open
        self.slack = slack  # prune a node whose bound reaches upper - slack
        self.iterations = 0
        self.pruned_min = math.inf

    def level(self) -> float:
        return self.upper - self.slack

    def evaluate(self, sites: np.ndarray) -> None:
        """The exact value of a site set; it becomes the incumbent if better."""
        value = float(self.w @ self.cost[:, sites].min(axis=1))
        if value < self.upper:
            self.upper, self.best_open = value, np.sort(sites)

    def relax(self, node: _Node, iters: int, step: float) -> tuple[float, tuple | None]:
        """Subgradient ascent on the node's Lagrangian dual; returns the best bound and its state."""
        n, m, p = self.n, self.m, self.p
        ii, jj, wc, lam = node.pair_i, node.pair_j, node.pair_wc, node.lam
        opened = np.flatnonzero(node.status == _OPEN)
        free = np.flatnonzero(node.status == _FREE)
        k = p - opened.size
        best, state, stall = -math.inf, None, 0
        for _ in range(iters):
            self.iterations += 1
            a = wc - lam[ii]
            rho = np.bincount(jj, np.minimum(a, 0.0), minlength=m)
            chosen = opened
            if k > 0:
                chosen = np.concatenate([opened, free[np.argpartition(rho[free], k - 1)[:k]]])
            bound = float(lam.sum() + rho[chosen].sum())
            self.evaluate(chosen)
            if bound > best + 1e-12 * max(1.0, abs(bound)):
                best, state, stall = bound, (lam, rho, chosen, a), 0
            else:
                stall += 1
                if stall >= _STALL:
                    step, stall = step / 2.0, 0
            if best >= self.level() or step < _MIN_STEP:
                break
            in_chosen = np.zeros(m, dtype=bool)
            in_chosen[chosen] = True
            g = 1.0 - np.bincount(ii, (a < 0.0) & in_chosen[jj], minlength=n)
            norm = float(g @ g)
            if norm == 0.0:  # the relaxed solution is an assignment: the bound is exact
                break
            lam = lam + step * (self.upper - bound) / norm * g
        return best, state

    def prune(self, bound: float) -> None:
        self.pruned_min = min(self.pruned_min, bound)

    def process(self, node: _Node) -> list[_Node]:
        """Bound and reduce one node; return its children (none when it is pruned)."""
        p, m = self.p, self.m
        iters, step = (_ROOT_ITERS, _ROOT_STEP) if node.root else (_NODE_ITERS, _NODE_STEP)
        while True:
            status = node.status
            if np.count_nonzero(status != _CLOSED) < p:
                self.prune(math.inf)
                return []
            opened = np.flatnonzero(status == _OPEN)
            if opened.size == p:  # a leaf: its value is exact
                self.evaluate(opened)
                self.prune(float(self.w @ self.cost[:, opened].min(axis=1)))
                return []
            keep = status[node.pair_j] != _CLOSED
            if opened.size:
                near = self.cost[:, opened].min(axis=1)
                keep &= self.cost[node.pair_i, node.pair_j] <= near[node.pair_i]
            if not keep.all():
                node.pair_i, node.pair_j, node.pair_wc = (
                    node.pair_i[keep], node.pair_j[keep], node.pair_wc[keep])
            if np.count_nonzero(np.bincount(node.pair_i, minlength=self.n)) < self.n:
                self.prune(math.inf)  # a client with no site left
                return []
            bound, state = self.relax(node, iters, step)
            if bound >= self.level():
                self.prune(bound)
                return []
            assert state is not None
            node.lam, rho, chosen, a = state
            node.parent_bound = max(node.parent_bound, bound)
            free = status == _FREE
            picked = chosen[opened.size:]
            in_chosen = np.zeros(m, dtype=bool)
            in_chosen[chosen] = True
            outside = free & ~in_chosen
            open_pen = np.where(in_chosen, 0.0, rho - rho[picked].max())
            close_pen = (rho[outside].min() if outside.any() else math.inf) - rho
            to_close = outside & (bound + open_pen > self.level())
            to_open = free & in_chosen & (bound + close_pen > self.level())
            forced = bound + np.maximum(a, 0.0) + open_pen[node.pair_j]
            keep = forced <= self.level()
            if not keep.all():
                node.pair_i, node.pair_j, node.pair_wc = (
                    node.pair_i[keep], node.pair_j[keep], node.pair_wc[keep])
            if not (to_close.any() or to_open.any()):
                break
            node.status = status.copy()
            node.status[to_close] = _CLOSED
            node.status[to_open] = _OPEN
            iters, step = _NODE_ITERS // 2, _NODE_STEP / 2.5
        cand = picked[node.status[picked] == _FREE]
        j = int(cand[np.argmin(rho[cand])])
        children = []
        for value in (_CLOSED, _OPEN):  # popped last-in first-out: the open branch first
            st = node.status.copy()
            st[j] = value
            children.append(_Node(st, node.lam, node.pair_i, node.pair_j, node.pair_wc, node.parent_bound))
        return children


def branch_and_bound(
    cost: np.ndarray,
    w: np.ndarray,
    p: int,
    required: np.ndarray,
    keep: np.ndarray,
    lam: np.ndarray,
    upper: float,
    best_open: np.ndarray,
    *,
    slack: float,
    deadline: float | None = None,
) -> BranchAndBoundResult:
    """Prove ``best_open`` optimal, or find a better site set, on the kept pairs.

    Parameters
    ----------
    cost, w, p, required
        The p-median instance (``required`` sites are open).
    keep : numpy.ndarray
        ``(n, m)`` mask of the client-site pairs that can be in a solution of
        value at most ``upper``.
    lam : numpy.ndarray
        ``(n,)`` starting multipliers.
    upper, best_open
        The incumbent's value and sites.
    slack : float
        A node whose bound reaches ``upper - slack`` is pruned (``1 - eps`` for
        integer data, the allowed absolute gap otherwise).
    deadline : float, optional
        ``time.perf_counter()`` value at which the search stops.
    """
    search = _Search(cost, w, p, upper, best_open, slack)
    pair_i, pair_j = np.nonzero(keep)
    status = np.zeros(cost.shape[1], dtype=np.int8)
    status[required] = _OPEN
    stack = [_Node(status, lam.astype(float), pair_i, pair_j, (w[pair_i] * cost[pair_i, pair_j]),
                   -math.inf, root=True)]
    nodes = 0
    while stack:
        if deadline is not None and time.perf_counter() >= deadline:
            break
        nodes += 1
        stack.extend(search.process(stack.pop()))
    waiting = min((node.parent_bound for node in stack), default=math.inf)
    return BranchAndBoundResult(
        upper=search.upper,
        open_sites=search.best_open,
        bound=min(search.pruned_min, waiting, search.upper),
        finished=not stack,
        nodes=nodes,
        iterations=search.iterations,
    )
