"""Serializers of the tracing API. Records are named by public id, States by ISO code.

A trace request is shared by exactly two States, and each side wrote its own rows. What one
side shows the other is the request's own copy of the facts and the answer's disclosed
fields; links into a State's own records (the request's ``case``, the answer's ``firearm``, the
addresses a reminder went to) are shown only to the State that owns them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cifta.core.api.fields import ScopedRelatedField
from cifta.registry.models import Firearm
from cifta.tracing import services
from cifta.tracing.engines.deadlines import Deadlines, overdue
from cifta.tracing.engines.workflow import Outcome, Side, State, available
from cifta.tracing.models import (
    OnwardShare,
    TraceAnswer,
    TraceCase,
    TraceMarking,
    TracePolicy,
    TraceReminder,
    TraceRequest,
    TraceStep,
)
from cifta.tracing.selectors import OPEN_STATES


def _ref(slug_field: str = "public_id") -> serializers.SlugRelatedField:  # type: ignore[type-arg]
    return serializers.SlugRelatedField(slug_field=slug_field, read_only=True)


class CountryCode(serializers.CharField):
    def __init__(self, source: str = "country.code", **kwargs: Any) -> None:
        super().__init__(source=source, read_only=True, **kwargs)


def caller_country_id(serializer: serializers.Field) -> int | None:  # type: ignore[type-arg]
    """The country the caller acts for (None for the hub operator)."""
    request = serializer.context.get("request")
    principal = getattr(request, "principal", None)
    if principal is None:
        return serializer.context.get("viewer_country_id")  # type: ignore[no-any-return]
    return principal.country_id  # type: ignore[no-any-return]


def caller_role(serializer: serializers.Field) -> str:  # type: ignore[type-arg]
    principal = getattr(serializer.context.get("request"), "principal", None)
    return principal.role if principal is not None else str(serializer.context.get("viewer_role", ""))


def _side(request: TraceRequest, country_id: int | None) -> Side | None:
    return services.side_of(request, country_id) if country_id is not None else None


# --- reads -------------------------------------------------------------------------------------
class TracePolicySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()

    class Meta:
        model = TracePolicy
        fields = ["public_id", "country", "acknowledge_working_days", "urgent_hours", "routine_days", "holidays",
                  "updated_at"]
        read_only_fields = ["public_id", "country", "updated_at"]


class TraceMarkingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    case = _ref()
    component = _ref("code")
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = TraceMarking
        fields = ["public_id", "country", "case", "component", "serial", "text", "has_photo", "photo_sha256",
                  "created_at"]
        read_only_fields = fields

    def get_has_photo(self, obj: TraceMarking) -> bool:
        return bool(obj.photo)


class NestedMarkingSerializer(TraceMarkingSerializer):
    class Meta(TraceMarkingSerializer.Meta):
        fields = ["public_id", "component", "serial", "text", "has_photo", "photo_sha256"]
        read_only_fields = fields


class TraceCaseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    firearm = _ref()
    traced_firearm = _ref()
    markings = serializers.SerializerMethodField()

    class Meta:
        model = TraceCase
        fields = ["public_id", "country", "reference", "case_reference", "firearm", "illicit_reason", "legal_basis",
                  "recovered_on", "recovered_place", "circumstances", "make", "model_name", "firearm_type", "calibre",
                  "country_of_manufacture", "country_of_last_import", "status", "traced_firearm", "traced_at",
                  "conclusion", "markings", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(NestedMarkingSerializer(many=True))
    def get_markings(self, obj: TraceCase) -> Any:
        return NestedMarkingSerializer(obj.markings.all(), many=True, context=self.context).data


class TraceStepSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    request = _ref()
    side = serializers.SerializerMethodField()

    class Meta:
        model = TraceStep
        fields = ["public_id", "country", "request", "seq", "action", "state_after", "reason", "at", "side"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=[s.value for s in Side]))
    def get_side(self, obj: TraceStep) -> str:
        """Which side took the step: the requesting or the requested State."""
        return Side.REQUESTING.value if obj.country_id == obj.request.country_id else Side.REQUESTED.value


class NestedStepSerializer(TraceStepSerializer):
    class Meta(TraceStepSerializer.Meta):
        fields = ["seq", "action", "state_after", "reason", "at", "side"]
        read_only_fields = fields

    def get_side(self, obj: TraceStep) -> str:
        request = self.context.get("trace_request") or obj.request
        return Side.REQUESTING.value if obj.country_id == request.country_id else Side.REQUESTED.value


class TraceAnswerSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """The answer as both sides read it. ``firearm`` (the record the answering State used) is
    shown to the answering State only: it points into that State's registry."""

    country = CountryCode()
    request = _ref()
    firearm = serializers.SerializerMethodField()

    class Meta:
        model = TraceAnswer
        fields = ["public_id", "country", "request", "outcome", "firearm", "disclosed", "chain", "last_legal_holder",
                  "point_of_diversion", "diversion_date", "failure_reason", "note", "use_limits", "answered_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uuid", "nullable": True})
    def get_firearm(self, obj: TraceAnswer) -> str | None:
        if obj.firearm_id is None or caller_country_id(self) != obj.country_id:
            return None
        return str(obj.firearm.public_id) if obj.firearm is not None else None


class NestedAnswerSerializer(TraceAnswerSerializer):
    class Meta(TraceAnswerSerializer.Meta):
        fields = ["public_id", "outcome", "firearm", "disclosed", "chain", "last_legal_holder", "point_of_diversion",
                  "diversion_date", "failure_reason", "note", "use_limits", "answered_at"]
        read_only_fields = fields


class OnwardShareSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    request = _ref()

    class Meta:
        model = OnwardShare
        fields = ["public_id", "country", "request", "recipient", "purpose", "notified_at"]
        read_only_fields = fields


class NestedShareSerializer(OnwardShareSerializer):
    class Meta(OnwardShareSerializer.Meta):
        fields = ["public_id", "recipient", "purpose", "notified_at"]
        read_only_fields = fields


class TraceReminderSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A reminder about an overdue step. The addresses it went to are the requested State's
    contacts (some of them not published), shown to that State only."""

    country = CountryCode()
    request = _ref()
    sent_to = serializers.SerializerMethodField()

    class Meta:
        model = TraceReminder
        fields = ["public_id", "country", "request", "step", "level", "sent_to", "sent_on"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_sent_to(self, obj: TraceReminder) -> str | None:
        return obj.sent_to if caller_country_id(self) == obj.country_id else None


class NestedReminderSerializer(TraceReminderSerializer):
    class Meta(TraceReminderSerializer.Meta):
        fields = ["public_id", "step", "level", "sent_to", "sent_on"]
        read_only_fields = fields


class TraceRequestSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A request as either side reads it: its state, what the caller may do now, its steps,
    the answer and the onward-sharing notices. ``case`` (the requesting State's trace case) is
    shown to the requesting State only."""

    country = CountryCode()
    requested_country = CountryCode(source="requested_country.code")
    case = serializers.SerializerMethodField()
    point_of_contact = _ref()
    point_of_contact_name = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    side = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    answer = serializers.SerializerMethodField()
    onward_shares = serializers.SerializerMethodField()
    reminders = serializers.SerializerMethodField()

    class Meta:
        model = TraceRequest
        fields = ["public_id", "reference", "country", "requested_country", "case", "case_reference",
                  "point_of_contact", "point_of_contact_name", "urgency", "intended_use", "use_limits",
                  "illicit_reason", "legal_basis", "recovered_on", "recovered_place", "make", "model_name",
                  "firearm_type", "calibre", "country_of_manufacture", "country_of_last_import", "markings",
                  "answer_wanted_by", "sent_at", "acknowledge_by", "answer_by", "state", "overdue", "side", "actions",
                  "steps", "answer", "onward_shares", "reminders", "created_at"]
        read_only_fields = fields

    def _state(self, obj: TraceRequest) -> State:
        annotated = getattr(obj, "state", None)
        return State(annotated) if annotated else services.current_state(obj)

    @extend_schema_field({"type": "string", "format": "uuid", "nullable": True})
    def get_case(self, obj: TraceRequest) -> str | None:
        if obj.case_id is None or caller_country_id(self) != obj.country_id:
            return None
        return str(obj.case.public_id) if obj.case is not None else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_point_of_contact_name(self, obj: TraceRequest) -> str | None:
        return obj.point_of_contact.full_name if obj.point_of_contact is not None else None

    @extend_schema_field(serializers.ChoiceField(choices=[s.value for s in State]))
    def get_state(self, obj: TraceRequest) -> str:
        return self._state(obj).value

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=["acknowledge", "answer"])))
    def get_overdue(self, obj: TraceRequest) -> list[str]:
        """The steps the requested State owes past their deadline: acknowledge, answer."""
        if obj.sent_at is None or obj.acknowledge_by is None or obj.answer_by is None:
            return []
        if self._state(obj).value not in OPEN_STATES:
            return []
        acknowledged = any(step.action == "acknowledge" for step in obj.steps.all())
        return overdue(Deadlines(obj.acknowledge_by, obj.answer_by), now=timezone.now(), acknowledged=acknowledged,
                       answered=False)

    @extend_schema_field({"type": "string", "enum": [s.value for s in Side], "nullable": True})
    def get_side(self, obj: TraceRequest) -> str | None:
        """The caller's side of the request."""
        side = _side(obj, caller_country_id(self))
        return side.value if side is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, obj: TraceRequest) -> list[str]:
        """What the caller may do now (its side and role)."""
        side = _side(obj, caller_country_id(self))
        if side is None:
            return []
        return available(self._state(obj), side, caller_role(self))

    @extend_schema_field(NestedStepSerializer(many=True))
    def get_steps(self, obj: TraceRequest) -> Any:
        context = {**self.context, "trace_request": obj}
        return NestedStepSerializer(obj.steps.all(), many=True, context=context).data

    @extend_schema_field(NestedAnswerSerializer(allow_null=True))
    def get_answer(self, obj: TraceRequest) -> Any:
        try:
            answer = obj.answer
        except TraceAnswer.DoesNotExist:
            return None
        return NestedAnswerSerializer(answer, context=self.context).data

    @extend_schema_field(NestedShareSerializer(many=True))
    def get_onward_shares(self, obj: TraceRequest) -> Any:
        return NestedShareSerializer(obj.onward_shares.all(), many=True, context=self.context).data

    @extend_schema_field(NestedReminderSerializer(many=True))
    def get_reminders(self, obj: TraceRequest) -> Any:
        return NestedReminderSerializer(obj.reminders.all(), many=True, context=self.context).data


# --- writes ------------------------------------------------------------------------------------
def _text(max_length: int | None = None, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, default="", max_length=max_length, **kwargs)


class TraceMarkingInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    component = _text(help_text="part type code (frame, slide, barrel...); empty for the frame")
    serial = _text(help_text="the serial as read")
    text = _text(help_text="other markings as read")


class TraceCaseCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A domestic trace of a recovered firearm. With ``firearm`` (a registry record of the
    caller's State), what is left blank is read from the record."""

    case_reference = _text(help_text="the police or judicial case")
    illicit_reason = _text()
    legal_basis = _text()
    recovered_on = serializers.DateField(required=False, allow_null=True, default=None)
    recovered_place = _text()
    circumstances = _text()
    make = _text()
    model_name = _text()
    firearm_type = _text()
    calibre = _text()
    country_of_manufacture = _text(help_text="ISO 3166 alpha-2")
    country_of_last_import = _text(help_text="ISO 3166 alpha-2")
    markings = TraceMarkingInputSerializer(many=True, required=False, default=list)
    firearm = ScopedRelatedField(Firearm, required=False, allow_null=True, default=None)


class FirearmInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    firearm = ScopedRelatedField(Firearm, help_text="public id of the firearm found in your records")
    conclusion = _text()


class ConclusionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    conclusion = _text(help_text="why the case is closed untraced")


class TraceRequestCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A draft request. From ``case`` (a trace case of the caller's State), what is left blank is
    copied from the case; the request keeps its own copy."""

    requested_country = serializers.CharField(max_length=3, help_text="ISO code of the requested State")
    case = ScopedRelatedField(TraceCase, required=False, allow_null=True, default=None)
    case_reference = _text()
    intended_use = _text()
    illicit_reason = _text()
    urgency = serializers.ChoiceField(choices=TraceRequest.Urgency.choices, required=False,
                                      default=TraceRequest.Urgency.ROUTINE)
    use_limits = _text()
    legal_basis = _text()
    recovered_on = serializers.DateField(required=False, allow_null=True, default=None)
    recovered_place = _text()
    make = _text()
    model_name = _text()
    firearm_type = _text()
    calibre = _text()
    country_of_manufacture = _text()
    country_of_last_import = _text()
    markings = TraceMarkingInputSerializer(many=True, required=False, default=list)
    answer_wanted_by = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                                 help_text="an answer date set by hand (blank: the requested "
                                                           "State's deadline)")


class ActInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    action = serializers.CharField(max_length=20, help_text="send, acknowledge, start, delay, restrict, withdraw, "
                                                             "close")
    reason = _text()


class AnswerInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    outcome = serializers.ChoiceField(choices=[o.value for o in Outcome])
    firearm = ScopedRelatedField(Firearm, required=False, allow_null=True, default=None,
                                 help_text="the record found in your registry (never shown to the other State)")
    # The metaclass takes declared fields off the class, so this does not hide Serializer.fields.
    fields = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(max_length=40), required=False, default=list,
        help_text="fields of the record to disclose: " + ", ".join(services.DISCLOSABLE))
    last_legal_holder = _text()
    point_of_diversion = _text()
    diversion_date = serializers.DateField(required=False, allow_null=True, default=None)
    failure_reason = _text()
    note = _text()
    use_limits = _text()


class ShareInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    recipient = _text()
    purpose = _text()


class TracePolicyInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    acknowledge_working_days = serializers.IntegerField(required=False, allow_null=True, default=None)
    urgent_hours = serializers.IntegerField(required=False, allow_null=True, default=None)
    routine_days = serializers.IntegerField(required=False, allow_null=True, default=None)
    holidays = _text(help_text="one date a line, YYYY-MM-DD")


class FiguresQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)
