from cifta.core.models.audit import AuditEvent, ChainHead, ObjectChange
from cifta.core.models.base import (
    BaseModel,
    ChangeLoggedModel,
    CountryScopedModel,
    GlobalModel,
    TimeStampedModel,
)

__all__ = [
    "AuditEvent",
    "BaseModel",
    "ChainHead",
    "ChangeLoggedModel",
    "CountryScopedModel",
    "GlobalModel",
    "ObjectChange",
    "TimeStampedModel",
]
