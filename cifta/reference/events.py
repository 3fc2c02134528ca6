"""Audit verbs of the reference data."""

IMPORTED = "reference.data.imported"
CHANGED = "reference.record.changed"
