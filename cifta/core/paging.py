"""Pagination for lists that may hold millions of rows (a national register, the audit log).

An exact ``COUNT(*)`` over a million firearms costs more than the page itself, on every page
view. These lists count at most ``cap`` rows: below it the count is exact; above it the page
says "more than 10,000" and offers pages up to the cap (filters or an export reach the rest).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

LIST_COUNT_CAP = 10_000  # setting CIFTA_LIST_COUNT_CAP overrides it


def count_cap() -> int:
    return int(getattr(settings, "CIFTA_LIST_COUNT_CAP", LIST_COUNT_CAP))


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = count_cap() if cap is None else cap

    @cached_property
    def counted(self) -> int:
        """Rows counted, at most ``cap + 1`` (one more than the cap tells that there are more)."""
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # No ORDER BY in the count: the first cap + 1 rows of any order will do.
            return rows.order_by()[: self.cap + 1].count()
        return min(len(rows), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.counted > self.cap

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)


def page_of(rows: Any, request: Any, per_page: int = 50, *, cap: int | None = None) -> Any:
    """The page the request asks for (``?page=``), out-of-range numbers giving the last page."""
    return CappedPaginator(rows, per_page, cap=cap).get_page(request.GET.get("page"))
