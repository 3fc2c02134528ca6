"""Account pages: login and logout, password change and reset, the second factor, API tokens,
switching membership, and user management for administrators."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from cifta.accounts import events, services
from cifta.accounts.forms import ApiTokenForm, LoginForm, MembershipForm, NewUserForm, PasswordLinkForm, TotpForm
from cifta.accounts.models import ApiToken, Membership
from cifta.accounts.principals import SESSION_MEMBERSHIP_KEY, active_memberships
from cifta.core.errors import ServiceError
from cifta.core.permissions import Action
from cifta.core.views_support import require_action


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.record_user_event(self.request.user, events.PASSWORD_CHANGED, {})
        messages.success(self.request, _("Your password was changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordLinkForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        # The answer is the same whether or not the address is known (no account probing).
        services.record_user_event(None, events.PASSWORD_RESET_REQUESTED, {})
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.record_user_event(form.user, events.PASSWORD_CHANGED, {"by": "reset link"})
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def _safe_next(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(default)


def _qr_svg_data_uri(text: str) -> str:
    svg = segno.make(text, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show the secret as a QR code and as text, confirm a code.

    A user who already has a confirmed device must prove it first: otherwise the password
    alone would be enough to register a new authenticator and skip the second factor."""
    if not request.user.is_verified() and TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():  # type: ignore[union-attr]
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        query = f"?{urlencode({'next': next_url})}" if next_url else ""
        return redirect(f"{reverse('accounts:totp_verify')}{query}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None or request.method == "GET":
        device = services.start_totp_enrollment(user=request.user)  # type: ignore[arg-type]
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp_enrollment(user=request.user, device=device, token=form.cleaned_data["token"]):  # type: ignore[arg-type]
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on for your account."))
            return redirect(_safe_next(request))
        form.add_error("token", _("That code is not valid. Check the time on your phone and try again."))
    secret = base64.b32encode(device.bin_key).decode("ascii")
    return render(
        request,
        "accounts/totp_setup.html",
        {"form": form, "secret": secret, "qr": _qr_svg_data_uri(device.config_url),
         "next": request.GET.get("next", "")},
    )


@login_required
def totp_verify(request: HttpRequest) -> HttpResponse:
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        services.record_user_event(request.user, events.SECOND_FACTOR_FAILED, {"during": "login"})
        form.add_error("token", _("That code is not valid."))
    return render(request, "accounts/totp_verify.html", {"form": form, "next": request.GET.get("next", "")})


def _profile_context(request: HttpRequest, token_form: ApiTokenForm) -> dict[str, Any]:
    principal = getattr(request, "principal", None)
    tokens = ApiToken.objects.owned().filter(user=request.user) if principal and principal.membership_id else []
    return {
        "memberships": active_memberships(request.user),
        "tokens": tokens,
        "has_totp": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
        "token_form": token_form,
    }


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", _profile_context(request, ApiTokenForm()))


@login_required
@require_POST
def switch_membership(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("membership")
    for membership in active_memberships(request.user):
        if str(membership.pk) == wanted:
            request.session[SESSION_MEMBERSHIP_KEY] = membership.pk
            services.record_user_event(request.user, events.MEMBERSHIP_SWITCHED, {"membership": membership.pk})
            return redirect("home")
    raise PermissionDenied


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    principal = getattr(request, "principal", None)
    if principal is None or principal.membership_id is None:
        raise PermissionDenied
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        membership = get_object_or_404(Membership.objects.owned(), pk=principal.membership_id, user=request.user)
        try:
            token, key = services.create_api_token(
                actor=request.user, membership=membership,  # type: ignore[arg-type]
                name=form.cleaned_data["name"], days=form.cleaned_data["days"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            return render(request, "accounts/token_created.html", {"token": token, "key": key})
    return render(request, "accounts/profile.html", _profile_context(request, form), status=400)


@login_required
@require_POST
def token_revoke(request: HttpRequest, public_id: Any) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.owned(), public_id=public_id)
    principal = getattr(request, "principal", None)
    if token.user_id != request.user.pk and not (principal and principal.can(Action.MANAGE_USERS)):
        raise PermissionDenied
    services.revoke_api_token(actor=request.user, instance=token)
    messages.success(request, _("The token was revoked."))
    return redirect(_safe_next(request, "accounts:profile"))


@login_required
@require_action(Action.MANAGE_USERS)
def member_list(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.owned().select_related("user", "agency").order_by("user__username")
    return render(request, "accounts/member_list.html", {"memberships": memberships})


@login_required
@require_action(Action.MANAGE_USERS)
def member_new(request: HttpRequest) -> HttpResponse:
    principal = request.principal  # type: ignore[attr-defined]
    form = NewUserForm(request.POST or None, secretariat=principal.is_secretariat)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(actor=request.user, **data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            _send_password_link(request, user)
            messages.success(request, _("The user was created and sent a link to set a password."))
            return redirect("accounts:member_list")
    return render(request, "accounts/member_form.html", {"form": form}, status=400 if form.errors else 200)


def _send_password_link(request: HttpRequest, user: Any) -> None:
    """E-mail the new user (and only them) the link that sets their first password."""
    form = PasswordLinkForm({"email": user.email}, only=user)
    if form.is_valid():
        form.save(
            request=request, use_https=request.is_secure(),
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
        )


@login_required
@require_action(Action.MANAGE_USERS)
def member_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.owned().select_related("user", "agency"), public_id=public_id)
    form = MembershipForm(request.POST or None, initial={"role": membership.role, "is_active": membership.is_active})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_membership(
                actor=request.user, instance=membership,
                role=form.cleaned_data["role"], is_active=form.cleaned_data["is_active"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("The membership was updated."))
            return redirect("accounts:member_list")
    return render(request, "accounts/member_edit.html", {"form": form, "membership": membership, "object": membership},
                  status=400 if form.errors else 200)
