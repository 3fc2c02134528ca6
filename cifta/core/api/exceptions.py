"""Errors become clear answers: field errors as 400, domain refusals as 400/409, a foreign id
as 404. A ScopeError always means a bug, so it is logged and answered 500."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cifta.core.errors import ConflictError, ServiceError
from cifta.core.scoping import ScopeError

logger = logging.getLogger("cifta.api")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ObjectDoesNotExist):
        exc = NotFound()
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    if isinstance(exc, ConflictError):
        return Response({"detail": str(exc), "field": exc.field}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ServiceError):
        body = {exc.field: [str(exc)]} if exc.field else {"detail": str(exc)}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError):
        return Response({"detail": "the record is still referenced"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ScopeError):
        logger.error("scope violation in %s", context.get("view"), exc_info=exc)
    return drf_exception_handler(exc, context)
