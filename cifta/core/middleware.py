"""The UI entry point: one place where a web request gets its principal, scope and change
context. (The API sets the same in ``core.api.viewsets`` after token authentication.)"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import ExitStack

from django.http import HttpRequest, HttpResponse

from cifta.core.context import Source, change_context
from cifta.core.principals import resolve_principal
from cifta.core.scoping import country_scope


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4()  # type: ignore[attr-defined]
        principal = resolve_principal(request, getattr(request, "user", None))
        request.principal = principal  # type: ignore[attr-defined]
        with ExitStack() as stack:
            if principal is not None:
                stack.enter_context(country_scope(principal.scope))
                stack.enter_context(change_context(request.user, Source.WEB, request.request_id))  # type: ignore[attr-defined]
            response = self.get_response(request)
            response["X-Request-ID"] = str(request.request_id)  # type: ignore[attr-defined]
            return response
