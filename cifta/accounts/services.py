"""Writes of accounts: users, memberships, tokens, second factors. One transaction each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cifta.accounts import events
from cifta.accounts.models import ApiToken, Membership, User, hash_token_key
from cifta.core import audit
from cifta.core.context import Source, change_context, peek_context
from cifta.core.errors import ConflictError, ServiceError
from cifta.core.permissions import NATIONAL_ROLES, SECRETARIAT_ROLES, Role
from cifta.directory.models import Agency

MAX_TOKEN_DAYS = 366


def _check_role_fits_agency(role: str, agency: Agency) -> None:
    if role not in Role.values:
        raise ServiceError(f"unknown role {role}", field="role")
    is_secretariat = agency.country.kind == "secretariat"
    if is_secretariat and role not in SECRETARIAT_ROLES:
        raise ServiceError("Secretariat agencies take Secretariat roles only", field="role")
    if not is_secretariat and role not in NATIONAL_ROLES:
        raise ServiceError("Secretariat roles belong to the Secretariat only", field="role")


@transaction.atomic
def create_user(
    *,
    actor: Any,
    username: str,
    email: str,
    agency: Agency,
    role: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    preferred_language: str = "en",
    is_demo: bool = False,
) -> User:
    """Create a user with a membership. Without a password the account cannot log in until its
    owner sets one through the password-reset e-mail."""
    agency = Agency.objects.owned().select_related("country").get(pk=agency.pk)
    _check_role_fits_agency(role, agency)
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError("this username is taken", field="username")
    user = User(
        username=username, email=email, first_name=first_name, last_name=last_name,
        preferred_language=preferred_language, is_demo=is_demo,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ServiceError(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ServiceError(" ".join(messages), field=None if field == "__all__" else field) from exc
    user.save()
    membership = Membership(user=user, agency=agency, role=role, country_id=agency.country_id)
    membership.save()
    audit.emit(events.USER_CREATED, target=membership, payload={"username": username, "role": role})
    return user


@transaction.atomic
def grant_membership(*, actor: Any, user: User, agency: Agency, role: str) -> Membership:
    agency = Agency.objects.owned().select_related("country").get(pk=agency.pk)
    _check_role_fits_agency(role, agency)
    if Membership.unscoped.filter(user=user, agency=agency).exists():
        raise ConflictError("this user already belongs to that agency", field="agency")
    membership = Membership(user=user, agency=agency, role=role, country_id=agency.country_id)
    membership.save()
    audit.emit(events.MEMBERSHIP_GRANTED, target=membership, payload={"role": role})
    return membership


@transaction.atomic
def change_membership(
    *, actor: Any, instance: Membership, role: str | None = None, is_active: bool | None = None
) -> Membership:
    membership = Membership.objects.owned().select_related("agency__country").select_for_update().get(
        pk=instance.pk
    )
    if membership.user_id == getattr(actor, "pk", None) and is_active is False:
        raise ServiceError("you cannot deactivate your own membership", field="is_active")
    if role is not None:
        _check_role_fits_agency(role, membership.agency)
        membership.role = role
    if is_active is not None:
        membership.is_active = is_active
    membership.save()
    if is_active is False:
        # A deactivated membership's tokens die with it.
        for token in ApiToken.objects.owned().filter(membership=membership, revoked_at__isnull=True):
            token.revoked_at = timezone.now()
            token.save()
    audit.emit(events.MEMBERSHIP_CHANGED, target=membership, payload={"role": role, "is_active": is_active})
    return membership


@transaction.atomic
def create_api_token(
    *, actor: User, membership: Membership, name: str, days: int | None = 90
) -> tuple[ApiToken, str]:
    """A new token for the actor's own membership. Returns the token and its key (shown once)."""
    if membership.user_id != actor.pk:
        raise ServiceError("tokens are created by their owner only", field="membership")
    if not name.strip():
        raise ServiceError("a name is required", field="name")
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise ServiceError(f"a token lives 1 to {MAX_TOKEN_DAYS} days", field="days")
    key, prefix = ApiToken.new_key()
    token = ApiToken(
        user=actor, membership=membership, country_id=membership.country_id, name=name.strip(),
        prefix=prefix, key_hash=hash_token_key(key),
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    token.save()
    audit.emit(events.TOKEN_CREATED, target=token, payload={"name": token.name, "days": days})
    return token, key


@transaction.atomic
def revoke_api_token(*, actor: Any, instance: ApiToken) -> ApiToken:
    token = ApiToken.objects.owned().select_for_update().get(pk=instance.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save()
        audit.emit(events.TOKEN_REVOKED, target=token, payload={"name": token.name})
    return token


def start_totp_enrollment(*, user: User) -> TOTPDevice:
    """An unconfirmed TOTP device for the user (replacing any earlier unconfirmed one)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def confirm_totp_enrollment(*, user: User, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token):
        record_user_event(user, events.SECOND_FACTOR_FAILED, {"during": "enrollment"})
        return False
    device.confirmed = True
    device.save()
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    record_user_event(user, events.SECOND_FACTOR_ENROLLED, {})
    return True


def record_user_event(user: Any, verb: str, payload: dict[str, Any], *, source: str = Source.WEB) -> None:
    """Audit an event about a user's own account, under the request's context when there is one
    (login and password reset run before any exists)."""
    from cifta.accounts.principals import active_memberships

    country_id = None
    if user is not None and getattr(user, "pk", None):
        memberships = active_memberships(user)
        country_id = memberships[0].country_id if memberships else None
    ctx = peek_context()
    with transaction.atomic():
        if ctx is not None:
            audit.emit(verb, payload=payload, country_id=country_id)
            return
        actor = user if user is not None and getattr(user, "pk", None) else "system:anonymous"
        with change_context(actor, source):
            audit.emit(verb, payload=payload, country_id=country_id)
