"""The one error the certificate engine raises. Refused input says which field and why with a
stable ``code`` (the UI and the CLI translate codes, never parse messages)."""

from __future__ import annotations


class CertificateError(ValueError):
    """``code`` for bad content: float_refused, not_finite, unsupported_type, key_not_text,
    not_unicode, integer_too_large, too_deep, naive_datetime, required, bad_certificate_number,
    unknown_method, unknown_item_kind, serial_required, lot_required, not_positive,
    firearm_quantity, bad_decimal, bad_coordinate, duplicate_item, ended_before_start,
    too_few_witnesses, bad_photo_hash, unknown_photo_stage, unknown_item, bad_url, bad_digest.
    For keys: not_a_key, not_ed25519, passphrase_required, passphrase_not_needed,
    bad_passphrase, empty_passphrase, bad_public_key, key_id_mismatch, duplicate_key,
    unknown_key, already_revoked, unknown_reason, empty_window, rotation_before_valid_from.
    For documents read back (JSON, PDF): malformed, truncated. ``field`` names the input
    (``items[2].serial``, ``$.payload.site``...)."""

    def __init__(self, code: str, field: str | None = None, **params: object) -> None:
        detail = ", ".join(f"{k}={v!r}" for k, v in params.items())
        super().__init__(f"{code}" + (f" ({field})" if field else "") + (f": {detail}" if detail else ""))
        self.code = code
        self.field = field
        self.params = params
