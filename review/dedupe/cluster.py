"""Union-find over accepted pairs, with guards so chains cannot grow into giant or mixed clusters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

MAX_CLUSTER = 25


@dataclass(slots=True)
class _Component:
    size: int = 1
    dois: set[str] = field(default_factory=set)
    year_min: int = 0
    year_max: int = 0
    anchored: bool = False
    apart: set[int] = field(default_factory=set)  # positions a person said are other works


class Clusters:
    """Components of record positions; `union` refuses a join that would break a guard."""

    def __init__(
        self,
        years: npt.NDArray[np.int32],
        dois: Sequence[str | None],
        anchored: npt.NDArray[np.bool_] | None = None,
        twin_dois: Iterable[frozenset[str]] = (),
    ) -> None:
        """`twin_dois`: pairs of DOIs a direct comparison found to name one article (`compare._dois`);
        any other two DOIs in one component refuse the join."""
        n = len(years)
        self._twins = set(twin_dois)
        self.parent = np.arange(n, dtype=np.int64)
        self._info: dict[int, _Component] = {}
        self._years, self._dois = years, dois
        self._anchored = anchored if anchored is not None else np.zeros(n, dtype=bool)

    def _comp(self, root: int) -> _Component:
        info = self._info.get(root)
        if info is None:
            year, doi = int(self._years[root]), self._dois[root]
            info = _Component(
                dois={doi} if doi else set(),
                year_min=year,
                year_max=year,
                anchored=bool(self._anchored[root]),
            )
            self._info[root] = info
        return info

    def _one_article(self, dois: set[str]) -> bool:
        if len(dois) < 2:
            return True
        listed = sorted(dois)
        return all(frozenset((x, y)) in self._twins for k, x in enumerate(listed) for y in listed[k + 1 :])

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = int(parent[root])
        while parent[x] != root:  # path compression
            parent[x], x = root, int(parent[x])
        return root

    def keep_apart(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Record pairs a person separated: no later union may put them in one component."""
        for a, b in pairs:
            self._comp(self.find(a)).apart.add(b)
            self._comp(self.find(b)).apart.add(a)

    def blocker(self, a: int, b: int) -> str | None:
        """Why the components of a and b may not be joined, or None if they may."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        ca, cb = self._comp(ra), self._comp(rb)
        if ca.size + cb.size > MAX_CLUSTER:
            return "cluster_size"
        if ca.anchored and cb.anchored:
            return "both_screened"
        if not self._one_article(ca.dois | cb.dois):
            return "different_dois_in_cluster"
        years = [y for y in (ca.year_min, ca.year_max, cb.year_min, cb.year_max) if y]
        if years and max(years) - min(years) > 1:
            return "years_in_cluster"
        if any(self.find(p) == rb for p in ca.apart) or any(self.find(p) == ra for p in cb.apart):
            return "kept_apart"
        return None

    def union(self, a: int, b: int, force: bool = False) -> str | None:
        """Join the components of a and b; returns the guard that refused it, or None."""
        reason = None if force else self.blocker(a, b)
        ra, rb = self.find(a), self.find(b)
        if reason or ra == rb:
            return reason
        ca, cb = self._comp(ra), self._comp(rb)
        if cb.size > ca.size:
            ra, rb, ca, cb = rb, ra, cb, ca
        self.parent[rb] = ra
        ca.size += cb.size
        ca.dois |= cb.dois
        known = [y for y in (ca.year_min, ca.year_max, cb.year_min, cb.year_max) if y]
        ca.year_min, ca.year_max = (min(known), max(known)) if known else (0, 0)
        ca.anchored = ca.anchored or cb.anchored
        ca.apart |= cb.apart
        del self._info[rb]
        return None

    def roots(self) -> npt.NDArray[np.int64]:
        """The representative of every position (pointer jumping, vectorised)."""
        roots = self.parent.copy()
        while True:
            nxt = roots[roots]
            if np.array_equal(nxt, roots):
                return roots
            roots = nxt
