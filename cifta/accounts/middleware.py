"""Roles that can change who sees what (administrators) must prove a second factor (TOTP)
before anything else: they are sent to enrol or to verify, and the API refuses them."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cifta.accounts.authentication import ApiTokenAuthentication

OPEN_PREFIXES = ("/static/", "/i18n/", "/accounts/logout/", "/accounts/2fa/", "/verify/")
# Authorization schemes that DRF answers with token authentication (which then either
# authenticates the token's own user or fails with 401). Any other header (Basic, Digest, ...)
# falls through to the session, so it must not open the gate.
TOKEN_SCHEMES = ApiTokenAuthentication.keywords


def _presents_api_token(request: HttpRequest) -> bool:
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    return bool(header) and header[0].lower() in TOKEN_SCHEMES


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        principal = getattr(request, "principal", None)
        if (
            principal is not None
            and principal.needs_second_factor
            and not request.user.is_verified()  # type: ignore[union-attr]
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                if not _presents_api_token(request):  # session use of the API
                    return JsonResponse({"detail": "second factor required"}, status=403)
            else:
                has_device = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
                target = "accounts:totp_verify" if has_device else "accounts:totp_setup"
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
