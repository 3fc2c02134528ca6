"""Tracing records: a State's domestic trace cases, and the international trace requests it
shares with exactly one other State (ITI §V, CIFTA Art. XII-XIV, MOSAIC 05.31).

Every row belongs to the State that wrote it (DESIGN §4: writes are own-country only), so the
two sides of a request write separate rows: the requesting State owns the request and its own
steps; the requested State owns its steps and its answer. A counterpart rule on each model lets
the other side of the same request read them, and nobody else: a third State and the
Secretariat see nothing (the Secretariat's figures come from counts, never from these rows).
The request's state is the last step's; steps are numbered per request and the number is
unique, so two officers acting at the same moment cannot both succeed.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cifta.core.models import CountryScopedModel
from cifta.core.scoping import ALL_COUNTRIES, Scope
from cifta.tracing.engines.workflow import Outcome, State


class TracePolicy(CountryScopedModel):
    """A State's own deadlines for answering the requests it receives; blank keeps the hub's.
    Published to every State: a requesting State must know when an answer is due."""

    acknowledge_working_days = models.PositiveSmallIntegerField(_("acknowledge within (working days)"),
                                                                null=True, blank=True)
    urgent_hours = models.PositiveSmallIntegerField(_("answer urgent requests within (hours)"), null=True, blank=True)
    routine_days = models.PositiveSmallIntegerField(_("answer routine requests within (days)"), null=True, blank=True)
    holidays = models.TextField(_("public holidays"), blank=True, help_text=_("One date per line, YYYY-MM-DD."))

    class Meta:
        verbose_name = _("tracing deadlines")
        verbose_name_plural = _("tracing deadlines")
        constraints = [models.UniqueConstraint(fields=["country"], name="trace_policy_one_per_state")]

    def __str__(self) -> str:
        return str(_("tracing deadlines"))

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        # Counterpart rule: deadlines are published to every State (they are commitments, not records).
        return Q()


class TraceCase(CountryScopedModel):
    """A domestic trace of one recovered firearm: why it is illicit, where and how it was found,
    its markings, and what the national records say about it."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        TRACED = "traced", _("traced in the national records")
        REQUESTED = "requested", _("international request sent")
        CLOSED = "closed", _("closed untraced")

    reference = models.CharField(_("trace reference"), max_length=40, editable=False)
    case_reference = models.CharField(_("case reference"), max_length=100,
                                      help_text=_("The police or judicial case the firearm belongs to."))
    firearm = models.ForeignKey("registry.Firearm", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("recovered firearm (registry record)"))
    illicit_reason = models.TextField(_("why the firearm is illicit"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    recovered_on = models.DateField(_("recovered on"))
    recovered_place = models.CharField(_("where recovered"), max_length=200)
    circumstances = models.TextField(_("circumstances of the recovery"), blank=True)
    make = models.CharField(_("make"), max_length=150, blank=True)
    model_name = models.CharField(_("model"), max_length=120, blank=True)
    firearm_type = models.CharField(_("type"), max_length=80, blank=True)
    calibre = models.CharField(_("calibre"), max_length=80, blank=True)
    country_of_manufacture = models.CharField(_("country of manufacture"), max_length=2, blank=True)
    country_of_last_import = models.CharField(_("country of last import"), max_length=2, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    traced_firearm = models.ForeignKey("registry.Firearm", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("firearm found in the records"))
    traced_at = models.DateTimeField(_("traced at"), null=True, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("trace case")
        verbose_name_plural = _("trace cases")
        constraints = [models.UniqueConstraint(fields=["country", "reference"], name="trace_case_reference_unique")]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("tracing:case_detail", args=[self.public_id])

    @property
    def frame_serial(self) -> str:
        first = self.markings.exclude(serial="").order_by("id").first()
        return first.serial if first is not None else ""


def marking_photo_path(instance: TraceMarking, filename: str) -> str:
    return f"tracing/{instance.public_id}/{filename.rsplit('/', 1)[-1][:80]}"


class TraceMarking(CountryScopedModel):
    """One component's markings as read on the recovered firearm, with a photo when taken."""

    case = models.ForeignKey(TraceCase, on_delete=models.PROTECT, related_name="markings",
                             verbose_name=_("trace case"))
    component = models.ForeignKey("reference.PartType", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("component"))
    serial = models.CharField(_("serial as read"), max_length=60, blank=True)
    text = models.CharField(_("other markings as read"), max_length=300, blank=True)
    photo = models.FileField(_("photo"), upload_to=marking_photo_path, blank=True)
    photo_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("marking read")
        verbose_name_plural = _("markings read")

    def __str__(self) -> str:
        return self.serial or self.text[:40]


class TraceRequest(CountryScopedModel):
    """An international trace request. ``country`` is the requesting State; the request carries
    its own copy of what it tells the requested State (never a link the other side could follow
    into the requesting State's records)."""

    class Urgency(models.TextChoices):
        URGENT = "urgent", _("urgent")
        ROUTINE = "routine", _("routine")

    reference = models.CharField(_("request reference"), max_length=40, editable=False)
    case = models.ForeignKey(TraceCase, on_delete=models.PROTECT, null=True, blank=True, related_name="requests",
                             verbose_name=_("trace case"))
    case_reference = models.CharField(_("case reference"), max_length=100)
    requested_country = models.ForeignKey("directory.Country", on_delete=models.PROTECT, related_name="+",
                                          verbose_name=_("requested State"))
    point_of_contact = models.ForeignKey("directory.PointOfContact", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("routed to"))
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE)
    intended_use = models.TextField(_("intended use of the information"))
    use_limits = models.TextField(_("limits on use and disclosure"), blank=True)
    illicit_reason = models.TextField(_("why the firearm is illicit"))
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    recovered_on = models.DateField(_("recovered on"), null=True, blank=True)
    recovered_place = models.CharField(_("where recovered"), max_length=200, blank=True)
    make = models.CharField(_("make"), max_length=150, blank=True)
    model_name = models.CharField(_("model"), max_length=120, blank=True)
    firearm_type = models.CharField(_("type"), max_length=80, blank=True)
    calibre = models.CharField(_("calibre"), max_length=80, blank=True)
    country_of_manufacture = models.CharField(_("country of manufacture"), max_length=2, blank=True)
    country_of_last_import = models.CharField(_("country of last import"), max_length=2, blank=True)
    markings = models.JSONField(_("markings"), default=list, blank=True)
    answer_wanted_by = models.DateTimeField(_("answer wanted by"), null=True, blank=True,
                                            help_text=_("Leave blank for the requested State's deadline."))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    acknowledge_by = models.DateTimeField(_("acknowledge by"), null=True, blank=True, editable=False)
    answer_by = models.DateTimeField(_("answer by"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("trace request")
        verbose_name_plural = _("trace requests")
        constraints = [models.UniqueConstraint(fields=["country", "reference"], name="trace_request_reference_unique")]
        indexes = [models.Index(fields=["requested_country", "sent_at"], name="trace_request_inbox")]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("tracing:request_detail", args=[self.public_id])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        # Counterpart rule: the requested State reads a request once it has been sent.
        if scope is ALL_COUNTRIES:
            return Q()
        return Q(country__in=scope) | Q(requested_country__in=scope, sent_at__isnull=False)


def _shared_with_both_sides(scope: Scope) -> Q:
    if scope is ALL_COUNTRIES:
        return Q()
    return (Q(country__in=scope) | Q(request__country__in=scope)
            | Q(request__requested_country__in=scope, request__sent_at__isnull=False))


class TraceStep(CountryScopedModel):
    """One transition of a request, written by the side that took it. Append-only; the last
    step's ``state_after`` is the request's state."""

    request = models.ForeignKey(TraceRequest, on_delete=models.PROTECT, related_name="steps",
                                verbose_name=_("trace request"))
    seq = models.PositiveIntegerField(_("step"))
    action = models.CharField(_("action"), max_length=20)
    state_after = models.CharField(_("state"), max_length=16, choices=[(s.value, s.value) for s in State])
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["request_id", "seq"]
        verbose_name = _("trace step")
        verbose_name_plural = _("trace steps")
        constraints = [models.UniqueConstraint(fields=["request", "seq"], name="trace_step_one_per_seq")]

    def __str__(self) -> str:
        return f"{self.seq}. {self.action}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return _shared_with_both_sides(scope)


class TraceAnswer(CountryScopedModel):
    """The requested State's answer; one per request (the database refuses a second)."""

    class Failure(models.TextChoices):
        NO_RECORD = "no_record", _("no record of this firearm")
        RECORDS_LOST = "records_lost", _("records lost or destroyed")
        MARKINGS = "markings", _("markings insufficient or illegible")
        BEFORE_1946 = "before_1946", _("made before 1946")
        OTHER = "other", _("other")

    request = models.OneToOneField(TraceRequest, on_delete=models.PROTECT, related_name="answer",
                                   verbose_name=_("trace request"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=[(o.value, o.value) for o in Outcome])
    firearm = models.ForeignKey("registry.Firearm", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("record used (not shared)"))
    disclosed = models.JSONField(_("firearm details disclosed"), default=dict, blank=True)
    chain = models.JSONField(_("manufacture, export and import chain"), default=list, blank=True)
    last_legal_holder = models.CharField(_("last legal holder"), max_length=200, blank=True)
    point_of_diversion = models.TextField(_("point of diversion"), blank=True)
    diversion_date = models.DateField(_("date of diversion"), null=True, blank=True)
    failure_reason = models.CharField(_("why not traced"), max_length=14, choices=Failure.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    use_limits = models.TextField(_("limits on use and disclosure"), blank=True)
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("trace answer")
        verbose_name_plural = _("trace answers")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.outcome}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope is ALL_COUNTRIES:
            return Q()
        return Q(country__in=scope) | Q(request__country__in=scope)


class OnwardShare(CountryScopedModel):
    """The requesting State shares an answer onward: the answering State is told first (CIFTA
    Art. XII), by this record and by e-mail to its point of contact."""

    request = models.ForeignKey(TraceRequest, on_delete=models.PROTECT, related_name="onward_shares",
                                verbose_name=_("trace request"))
    recipient = models.CharField(_("shared with"), max_length=200)
    purpose = models.TextField(_("purpose"))
    notified_at = models.DateTimeField(_("originator notified at"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("onward sharing notice")
        verbose_name_plural = _("onward sharing notices")

    def __str__(self) -> str:
        return self.recipient

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return _shared_with_both_sides(scope)


class TraceReminder(CountryScopedModel):
    """A reminder (or an escalation to the national point of contact) sent to the requested
    State about a step it owes. Written by the reminder job in that State's name."""

    class Level(models.TextChoices):
        REMINDER = "reminder", _("reminder")
        ESCALATION = "escalation", _("escalation to the national point of contact")

    request = models.ForeignKey(TraceRequest, on_delete=models.PROTECT, related_name="reminders",
                                verbose_name=_("trace request"))
    step = models.CharField(_("overdue step"), max_length=12)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    sent_to = models.TextField(_("sent to"), blank=True)
    sent_on = models.DateField(_("sent on"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("trace reminder")
        verbose_name_plural = _("trace reminders")
        constraints = [models.UniqueConstraint(fields=["request", "step", "level", "sent_on"],
                                               name="trace_reminder_once_a_day")]

    def __str__(self) -> str:
        return f"{self.step} {self.level}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return _shared_with_both_sides(scope)
