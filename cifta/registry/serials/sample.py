"""How many index entries a plan's probes would read, estimated from a sample of a register's
serials instead of counted in the database: planning a query then costs microseconds, not a
statement per probe set. Like a database planner's statistics, the estimate only steers the
choice between covering forms; every form the planner can choose finds every match. Pure.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from cifta.registry.serials.plan import Plan, fixed


class SerialSample:
    """A uniform sample of a register's folded serials and the register's size."""

    def __init__(self, folded: Sequence[str], total: int) -> None:
        self.forward = sorted(folded)
        self.backward = sorted(f[::-1] for f in folded)
        self.total = max(total, len(self.forward))
        self.scale = self.total / len(self.forward) if self.forward else 0.0

    def __len__(self) -> int:
        return len(self.forward)

    def reach(self, probes: Plan) -> int:
        """Index entries the probes' fixed parts span (what the index reads; the rest of a
        probe is a filter), scaled to the register."""
        hits = sum(self._span(self.forward, fixed(p)) for p in probes.prefixes)
        hits += sum(self._span(self.backward, fixed(s)) for s in probes.suffixes)
        return round(hits * self.scale)

    @staticmethod
    def _span(values: list[str], head: str) -> int:
        return bisect_left(values, head + "~") - bisect_left(values, head)
