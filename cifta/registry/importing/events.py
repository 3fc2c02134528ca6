"""Audit verbs of imports and marking sessions (beside ``registry.events``, which holds the
verb of a committed batch, ``registry.import.batch_committed``)."""

IMPORT_CREATED = "registry.import.created"
IMPORT_FINISHED = "registry.import.finished"
IMPORT_FAILED = "registry.import.failed"
MAPPING_SAVED = "registry.import_mapping.saved"
SESSION_CREATED = "registry.marking_session.created"
MARKING_LOG_IMPORTED = "registry.marking_session.log_imported"
