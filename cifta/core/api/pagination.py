from rest_framework.pagination import LimitOffsetPagination


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """limit/offset pages, never more than 1,000 rows in one answer."""

    max_limit = 1000
