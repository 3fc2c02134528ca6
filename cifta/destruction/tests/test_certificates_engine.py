"""The destruction-certificate engine: canonical bytes that never move, keys and their ring
(rotation, revocation), signing and verifying an envelope from the object, its JSON and its
PDF, with a code for every way a certificate can fail, and the QR code's URL."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from reportlab.pdfgen import canvas as pdf_canvas

from cifta.destruction.certificates import (
    CODES,
    KEY_COMPROMISE,
    MESSAGES,
    SUPERSEDED,
    UNSPECIFIED,
    Certificate,
    CertificateError,
    Envelope,
    Item,
    KeyRing,
    Method,
    Photo,
    PublishedKey,
    SigningKey,
    Site,
    Witness,
    canonical_bytes,
    decimal_text,
    embed,
    extract,
    key_id_for,
    load_json,
    marker_text,
    parse_verification_url,
    payload_digest,
    qr_svg,
    read_document,
    sign,
    signing_input,
    timestamp_text,
    verification_url,
    verify,
    verify_document,
)
from cifta.destruction.certificates.canonical import b64url

UTC = dt.UTC
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
NOW = dt.datetime(2026, 12, 1, tzinfo=UTC)
DAY = dt.timedelta(days=1)

# Keys are made once per run: generating them is cheap, but hypothesis calls tests many times.
COL_KEY = SigningKey.generate("COL")
COL_NEXT = SigningKey.generate("COL")
ARG_KEY = SigningKey.generate("ARG")
RING = KeyRing.of([PublishedKey.of(COL_KEY, T0), PublishedKey.of(ARG_KEY, T0)])


def payload(**extra: Any) -> dict[str, Any]:
    return {"certificate_number": "COL-2026-0001", "authority": "COL", "serials": ["AB123", "ñ-77"], **extra}


def signed(data: dict[str, Any] | None = None, key: SigningKey = COL_KEY, at: dt.datetime = T0 + DAY) -> Envelope:
    return sign(payload() if data is None else data, key, signed_at=at)


def code(document: Any, ring: KeyRing = RING, **kw: Any) -> str:
    return verify(document, ring, now=kw.pop("now", NOW), **kw).code


# --- canonical bytes -------------------------------------------------------------------------

FIXED = {"n": "COL-2026-0001", "b": {"x": 12345678901234567890, "y": "ñandú 𝄞"}, "a": (1, -2, True, False, None),
         "𝄞": [], "ﬁ": {}, "é": "", "Z": 0}


def test_a_fixed_payload_gives_fixed_bytes_and_digest() -> None:
    # Keys in code-point order (so "ﬁ" U+FB01 before "𝄞" U+1D11E), UTF-8 text, no spaces. The
    # digest was checked with `printf '%s' '<the bytes>' | sha256sum`.
    expected = ('{"Z":0,"a":[1,-2,true,false,null],"b":{"x":12345678901234567890,"y":"ñandú 𝄞"},'
                '"n":"COL-2026-0001","é":"","ﬁ":{},"𝄞":[]}')
    assert canonical_bytes(FIXED) == expected.encode("utf-8")
    assert payload_digest(FIXED) == "acf115aa960a75b5f88e0977814e50a423a201d88f9e27660eac552a60c4e2dc"


def test_key_order_and_tuples_do_not_change_the_bytes() -> None:
    assert canonical_bytes({"b": 1, "a": [1, 2]}) == canonical_bytes({"a": (1, 2), "b": 1}) == b'{"a":[1,2],"b":1}'


@pytest.mark.parametrize(("value", "field"), [
    ({"q": 1.5}, "$.q"),
    ({"q": [1, {"neq": 0.1}]}, "$.q[1].neq"),
    ({"q": float("nan")}, "$.q"),
    ({"q": float("inf")}, "$.q"),
    ({"q": 2.0}, "$.q"),
])
def test_floats_are_refused_with_where(value: dict[str, Any], field: str) -> None:
    with pytest.raises(CertificateError) as caught:
        canonical_bytes(value)
    assert (caught.value.code, caught.value.field) == ("float_refused", field)


@pytest.mark.parametrize(("value", "code"), [
    ({"q": Decimal("1.5")}, "unsupported_type"),
    ({"q": {1, 2}}, "unsupported_type"),
    ({"q": b"bytes"}, "unsupported_type"),
    ({"q": T0}, "unsupported_type"),
    ({1: "a"}, "key_not_text"),
    ({"q": "\ud800"}, "not_unicode"),
    ({"q": 2 ** 20_000}, "integer_too_large"),
    ([1], "unsupported_type"),
])
def test_what_would_not_reproduce_is_refused(value: Any, code: str) -> None:
    with pytest.raises(CertificateError) as caught:
        canonical_bytes(value)
    assert caught.value.code == code


def test_nesting_is_bounded() -> None:
    deep: dict[str, Any] = {}
    for _ in range(100):
        deep = {"d": deep}
    with pytest.raises(CertificateError) as caught:
        canonical_bytes(deep)
    assert caught.value.code == "too_deep"


@pytest.mark.parametrize(("value", "text"), [
    ("1.250", "1.25"), ("0.10", "0.1"), ("10.0", "10"), ("1E+2", "100"), ("-0.00", "0"), (7, "7"),
    (Decimal("12.5000"), "12.5"), ("0.000001", "0.000001"),
    ("1.234567890123456789012345678901234", "1.234567890123456789012345678901234"),  # not rounded to 28
])
def test_decimal_text(value: Any, text: str) -> None:
    assert decimal_text(value) == text


@pytest.mark.parametrize(("value", "code"), [
    (0.1, "float_refused"), ("NaN", "not_finite"), ("Infinity", "not_finite"), ("abc", "bad_decimal"),
    ("1e-60", "bad_decimal"), ("1e60", "bad_decimal"), (True, "unsupported_type"),
])
def test_decimal_text_refusals(value: Any, code: str) -> None:
    with pytest.raises(CertificateError) as caught:
        decimal_text(value)
    assert caught.value.code == code


def test_timestamps_are_utc_with_a_z() -> None:
    bogota = dt.timezone(dt.timedelta(hours=-5))
    assert timestamp_text(dt.datetime(2026, 3, 1, 7, 30, tzinfo=bogota)) == "2026-03-01T12:30:00Z"
    assert timestamp_text(dt.datetime(2026, 3, 1, 12, 30, 0, 5, tzinfo=UTC)) == "2026-03-01T12:30:00.000005Z"
    with pytest.raises(CertificateError) as caught:
        timestamp_text(dt.datetime(2026, 3, 1))
    assert caught.value.code == "naive_datetime"


@pytest.mark.parametrize(("text", "code"), [
    ('{"a":1,"a":2}', "malformed"),
    ('{"a":1.5}', "malformed"),
    ('{"a":NaN}', "malformed"),
    ('{"a":1} x', "malformed"),
    ("[" * 100_000, "malformed"),
    ('{"a":"\\x"}', "malformed"),
    ("", "truncated"),
    ("  \n", "truncated"),
    ('{"a":tr', "truncated"),
    ('{"a":"\\u00', "truncated"),
    ('{"a":-', "truncated"),
])
def test_strict_json_says_malformed_or_truncated(text: str, code: str) -> None:
    with pytest.raises(CertificateError) as caught:
        load_json(text)
    assert caught.value.code == code


def test_utf8_cut_inside_a_character_is_truncated_elsewhere_malformed() -> None:
    data = '{"a":"ñ"}'.encode()
    with pytest.raises(CertificateError) as cut:
        load_json(data[:7])  # the first byte of ñ only
    with pytest.raises(CertificateError) as bad:
        load_json(data[:7] + b'"}')
    assert (cut.value.code, bad.value.code) == ("truncated", "malformed")


# --- keys and the ring ------------------------------------------------------------------------

def test_key_id_is_the_start_of_the_public_keys_sha256() -> None:
    import hashlib

    assert COL_KEY.key_id == hashlib.sha256(COL_KEY.public_bytes).hexdigest()[:16] == key_id_for(COL_KEY.public_bytes)
    assert len(COL_KEY.public_bytes) == 32
    assert "private_key" not in repr(COL_KEY)


@pytest.mark.parametrize("passphrase", [None, "correct horse ☃", b"bytes too"])
def test_private_key_pem_round_trip(passphrase: str | bytes | None) -> None:
    pem = COL_KEY.to_pem(passphrase)
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----" if passphrase else b"-----BEGIN PRIVATE KEY-----")
    again = SigningKey.from_pem("COL", pem, passphrase)
    assert again.key_id == COL_KEY.key_id
    envelope = sign(payload(), again, signed_at=T0 + DAY)
    assert code(envelope) == "genuine"


@pytest.mark.parametrize(("encrypted", "given", "expected"), [
    (True, None, "passphrase_required"),
    (True, "wrong", "bad_passphrase"),
    (False, "unneeded", "passphrase_not_needed"),
    (True, "", "empty_passphrase"),
])
def test_private_key_passphrase_errors(encrypted: bool, given: str | None, expected: str) -> None:
    pem = COL_KEY.to_pem("right" if encrypted else None)
    with pytest.raises(CertificateError) as caught:
        SigningKey.from_pem("COL", pem, given)
    assert caught.value.code == expected


def test_other_keys_are_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    for data, expected in ((pem, "not_ed25519"), (b"not a key", "not_a_key")):
        with pytest.raises(CertificateError) as caught:
            SigningKey.from_pem("COL", data)
        assert caught.value.code == expected


@pytest.mark.parametrize(("change", "expected"), [
    ({"key_id": "0" * 16}, "key_id_mismatch"),
    ({"public_key": b64url(b"short")}, "bad_public_key"),
    ({"public_key": "not base64!"}, "malformed"),
    ({"valid_from": dt.datetime(2026, 1, 1)}, "naive_datetime"),
    ({"valid_until": T0}, "empty_window"),
    ({"revoked_at": T0, "revocation_reason": "lost"}, "unknown_reason"),
    ({"revoked_at": T0}, "required"),
    ({"authority": ""}, "required"),
])
def test_published_key_checks(change: dict[str, Any], expected: str) -> None:
    with pytest.raises(CertificateError) as caught:
        replace(PublishedKey.of(COL_KEY, T0), **change)
    assert caught.value.code == expected


def test_ring_refuses_duplicates_and_unknown_revocations() -> None:
    for action, expected in (
        (lambda: RING.add(PublishedKey.of(COL_KEY, T0)), "duplicate_key"),
        (lambda: RING.revoke("0" * 16, at=T0, reason=KEY_COMPROMISE), "unknown_key"),
        (lambda: RING.revoke(COL_KEY.key_id, at=T0, reason="lost"), "unknown_reason"),
        (lambda: RING.revoke(COL_KEY.key_id, at=T0, reason=UNSPECIFIED).revoke(COL_KEY.key_id, at=T0,
                                                                                reason=UNSPECIFIED), "already_revoked"),
        (lambda: RING.rotate(PublishedKey.of(COL_NEXT, T0)), "rotation_before_valid_from"),
    ):
        with pytest.raises(CertificateError) as caught:
            action()
        assert caught.value.code == expected


def test_ring_json_round_trip() -> None:
    ring = RING.rotate(PublishedKey.of(COL_NEXT, T0 + 10 * DAY)).revoke(ARG_KEY.key_id, at=T0 + 5 * DAY,
                                                                        reason=KEY_COMPROMISE)
    text = ring.to_json()
    assert KeyRing.from_json(text) == ring
    assert KeyRing.from_json(text.encode()) == ring
    document = json.loads(text)
    document["keys"][0]["key_id"] = "0" * 16
    for bad, expected in ((json.dumps(document), "malformed"), (text[: len(text) // 2], "truncated"),
                          ('{"format": "other", "keys": []}', "malformed"), ('{"format": "cifta-keyring/1"}',
                                                                              "malformed")):
        with pytest.raises(CertificateError) as caught:
            KeyRing.from_json(bad)
        assert caught.value.code == expected


def test_current_key_of_an_authority() -> None:
    ring = RING.rotate(PublishedKey.of(COL_NEXT, T0 + 10 * DAY))
    assert ring.current("COL", T0 + DAY).key_id == COL_KEY.key_id  # type: ignore[union-attr]
    assert ring.current("COL", T0 + 10 * DAY).key_id == COL_NEXT.key_id  # type: ignore[union-attr]
    assert ring.current("COL", T0 - DAY) is None
    assert ring.current("PER", T0 + DAY) is None


# --- signing and verifying ---------------------------------------------------------------------

def test_round_trip_from_the_object_and_both_json_forms() -> None:
    envelope = signed()
    for document in (envelope, envelope.to_json(), envelope.to_json(indent=None),
                     envelope.to_json().encode("utf-8")):
        result = verify(document, RING, now=NOW)
        assert result.ok and result.code == "genuine"
        assert result.payload == payload()
        assert result.params["digest"] == envelope.payload_digest == payload_digest(payload())
        assert result.warnings == ()
    assert Envelope.from_json(envelope.to_json()) == envelope
    assert "COL-2026-0001" in verify(envelope, RING, now=NOW).message


def test_the_envelope_keeps_its_own_copy_of_the_payload() -> None:
    data = payload(items=[{"serial": "X1"}])
    envelope = signed(data)
    data["items"][0]["serial"] = "X2"
    assert code(envelope) == "genuine"
    assert envelope.payload["items"][0]["serial"] == "X1"


@pytest.mark.parametrize(("data", "expected"), [
    (payload(authority="ARG"), "wrong_authority"),
    (payload(certificate_number="no spaces allowed"), "bad_certificate_number"),
    ({"authority": "COL"}, "bad_certificate_number"),
    (payload(weight=1.5), "float_refused"),
])
def test_sign_refuses(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(CertificateError) as caught:
        signed(data)
    assert caught.value.code == expected


json_leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2 ** 63, max_value=2 ** 300),
                        st.text(max_size=10))
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=16,
)
payloads = st.fixed_dictionaries({
    "certificate_number": st.from_regex(r"[A-Z]{3}-[0-9]{4}-[0-9]{1,6}", fullmatch=True),
    "authority": st.just("COL"),
    "items": st.lists(st.fixed_dictionaries({"serial": st.text(min_size=1, max_size=12),
                                             "quantity": st.integers(min_value=1)}), max_size=4),
    "extra": st.dictionaries(st.text(max_size=6), json_values, max_size=4),
})


def paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a payload: the root, each container and each leaf."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*path, index))
    return found


def changed(value: Any, how: int) -> Any:
    """``value`` changed in one of a few ways; never equal to it."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + (1 if how % 2 else -1)
    if isinstance(value, str):
        return value + "x" if how % 2 or not value else value[1:] + ("é" if value[0] != "é" else "e")
    if value is None:
        return 0
    if isinstance(value, list):
        return value[:-1] if value and how % 2 else [*value, None]
    new = dict(value)
    if value and how % 2:
        key = sorted(value)[how % len(value)]
        if path_is_required(key):
            new[key] = changed(value[key], how)
        else:
            new[key + "~"] = new.pop(key)  # a renamed field
    else:
        new["~added"] = 0
    return new


def path_is_required(key: str) -> bool:
    return key in ("certificate_number", "authority")


def mutate(data: dict[str, Any], path: tuple[Any, ...], how: int) -> dict[str, Any]:
    data = copy.deepcopy(data)
    if not path:
        return changed(data, how)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = changed(parent[path[-1]], how)
    return data


@given(payloads, st.data())
def test_any_change_to_the_signed_content_is_tampered(data: dict[str, Any], draw: st.DataObject) -> None:
    envelope = signed(data)
    assert code(envelope) == "genuine"
    where = draw.draw(st.sampled_from(paths(data)))
    mutated = mutate(data, where, draw.draw(st.integers(0, 7)))
    assume(canonical_bytes(mutated) != canonical_bytes(data))
    assert code(replace(envelope, payload=mutated)) == "tampered"
    exported = json.loads(envelope.to_json())
    exported["payload"] = mutated
    assert code(json.dumps(exported, ensure_ascii=False)) == "tampered"


@given(payloads)
def test_any_payload_round_trips_through_json(data: dict[str, Any]) -> None:
    envelope = signed(data)
    result = verify(envelope.to_json(), RING, now=NOW)
    assert result.ok and result.payload == data


def test_a_signature_from_another_key_is_bad() -> None:
    envelope = signed()
    other = sign(payload(authority="ARG"), ARG_KEY, signed_at=T0 + DAY)
    assert code(replace(envelope, signature=other.signature)) == "bad_signature"
    # a key that is not published at all, claiming a published key's id
    stranger = SigningKey.generate("COL")
    forged = stranger.sign(signing_input(COL_KEY.key_id, envelope.payload_digest, timestamp_text(T0 + DAY)))
    assert code(replace(envelope, signature=b64url(forged))) == "bad_signature"


def test_editing_the_signing_time_or_key_id_breaks_the_signature() -> None:
    envelope = signed()
    assert code(replace(envelope, signed_at=T0 + 2 * DAY)) == "bad_signature"
    assert code(replace(envelope, key_id=ARG_KEY.key_id)) == "bad_signature"


def test_a_payload_edited_with_its_fingerprint_is_a_bad_signature() -> None:
    envelope = signed()
    edited = payload(serials=["ZZ999"])
    assert code(replace(envelope, payload=edited, payload_digest=payload_digest(edited))) == "bad_signature"


def test_unknown_key() -> None:
    stranger = SigningKey.generate("COL")
    result = verify(signed(key=stranger), RING, now=NOW)
    assert result.code == "unknown_key" and result.params["key_id"] == stranger.key_id
    assert code(signed(), KeyRing()) == "unknown_key"


def test_a_key_cannot_sign_for_another_authority() -> None:
    # ARG's key signs a payload that names COL (sign() refuses this, so write it by hand)
    content = payload()
    digest, when = payload_digest(content), timestamp_text(T0 + DAY)
    signature = ARG_KEY.sign(signing_input(ARG_KEY.key_id, digest, when))
    forged = Envelope(content, digest, ARG_KEY.key_id, T0 + DAY, b64url(signature))
    result = verify(forged, RING, now=NOW)
    assert (result.code, result.params["key_authority"]) == ("wrong_authority", "ARG")


def test_the_fingerprint_from_the_qr_code_must_match() -> None:
    envelope = signed()
    assert code(envelope, expected_digest=envelope.payload_digest) == "genuine"
    assert code(envelope, expected_digest=envelope.payload_digest.upper()) == "genuine"
    assert code(envelope, expected_digest="0" * 64) == "tampered"


def test_rotation_keeps_old_certificates_and_needs_the_new_key_after() -> None:
    rotated_at = T0 + 30 * DAY
    ring = RING.rotate(PublishedKey.of(COL_NEXT, rotated_at))
    assert ring.find(COL_KEY.key_id).valid_until == rotated_at  # type: ignore[union-attr]
    assert code(signed(at=T0 + DAY), ring) == "genuine"  # before the rotation, old key
    assert code(signed(at=rotated_at - dt.timedelta(microseconds=1)), ring) == "genuine"
    assert code(signed(at=rotated_at), ring) == "key_not_valid_then"  # the instant belongs to the new key
    assert code(signed(at=rotated_at + DAY), ring) == "key_not_valid_then"
    assert code(signed(key=COL_NEXT, at=rotated_at), ring) == "genuine"
    assert code(signed(key=COL_NEXT, at=rotated_at - DAY), ring) == "key_not_valid_then"
    assert code(signed(at=T0 - DAY), ring) == "key_not_valid_then"  # before the key was published
    # a second rotation ends the second key only
    third = SigningKey.generate("COL")
    ring = ring.rotate(PublishedKey.of(third, rotated_at + 30 * DAY))
    assert ring.find(COL_KEY.key_id).valid_until == rotated_at  # type: ignore[union-attr]
    assert code(signed(key=COL_NEXT, at=rotated_at + DAY), ring) == "genuine"
    assert code(signed(key=third, at=rotated_at + 31 * DAY), ring) == "genuine"


def test_a_compromised_key_fails_everything_it_signed() -> None:
    revoked_at = T0 + 10 * DAY
    ring = RING.revoke(COL_KEY.key_id, at=revoked_at, reason=KEY_COMPROMISE)
    for at in (T0 + DAY, revoked_at - DAY, revoked_at, revoked_at + DAY):
        result = verify(signed(at=at), ring, now=NOW)
        assert result.code == "key_revoked"
        assert result.params["reason"] == KEY_COMPROMISE and result.payload is None
    assert code(signed(at=T0 + DAY), RING.revoke(COL_KEY.key_id, at=revoked_at, reason=UNSPECIFIED)) == "key_revoked"
    # other authorities are not affected
    assert code(sign(payload(authority="ARG"), ARG_KEY, signed_at=T0 + DAY), ring) == "genuine"


def test_a_superseded_key_keeps_what_it_signed_before() -> None:
    revoked_at = T0 + 10 * DAY
    ring = RING.rotate(PublishedKey.of(COL_NEXT, revoked_at)).revoke(COL_KEY.key_id, at=revoked_at,
                                                                     reason=SUPERSEDED)
    before = verify(signed(at=revoked_at - DAY), ring, now=NOW)
    assert before.ok and before.warnings == ("key_superseded",)
    assert code(signed(at=revoked_at), ring) == "key_revoked"
    assert code(signed(at=revoked_at + DAY), ring) == "key_revoked"
    assert code(signed(key=COL_NEXT, at=revoked_at + DAY), ring) == "genuine"


def test_a_signing_time_in_the_future_is_refused() -> None:
    result = verify(signed(at=NOW + DAY), RING, now=NOW)
    assert (result.code, result.params["reason"]) == ("key_not_valid_then", "signed_in_future")
    assert "later than now" in result.message
    assert code(signed(at=NOW + dt.timedelta(minutes=1))) == "genuine"  # clock skew


def test_a_withdrawn_certificate() -> None:
    envelope = signed()
    result = verify(envelope, RING, now=NOW, withdrawn={"COL-2026-0001"})
    assert (result.code, result.ok, result.payload) == ("withdrawn", False, None)
    assert code(envelope, withdrawn={"COL-2026-0002"}) == "genuine"
    # a forgery of a withdrawn number is reported as a forgery
    assert code(replace(envelope, payload=payload(serials=[])), withdrawn={"COL-2026-0001"}) == "tampered"


def test_every_code_has_a_message() -> None:
    assert set(CODES) <= set(MESSAGES)


def exported(**change: Any) -> str:
    document = json.loads(signed().to_json())
    for key, value in change.items():
        if value is ...:
            del document[key]
        else:
            document[key] = value
    return json.dumps(document)


@pytest.mark.parametrize(("text", "reason"), [
    ("[]", "not_an_object"),
    ('"just text"', "not_an_object"),
    (exported(signature=...), "fields"),
    (exported(comment="added"), "fields"),
    (exported(format="cifta-destruction-certificate/9"), "unsupported_format"),
    (exported(payload=[]), "not_an_object"),
    (exported(payload_digest="ABC"), "not_sha256_hex"),
    (exported(key_id="xyz"), "not_a_key_id"),
    (exported(key_id=12), "not_a_key_id"),
    (exported(signed_at="2026-01-02T00:00:00+00:00"), "not_a_timestamp"),
    (exported(signed_at="yesterday"), "not_a_timestamp"),
    (exported(signature="AAAA"), "not_64_bytes"),
    (exported(signature="a+b/"), "not_base64url"),
    ('{"format": 1, "format": 2}', "duplicate_key"),
    (signed().to_json().replace('"AB123"', "1.5"), "float_refused"),
    (signed().to_json().replace('"AB123"', "Infinity"), "not_finite"),
])
def test_malformed_exports(text: str, reason: str) -> None:
    result = verify(text, RING, now=NOW)
    assert (result.code, result.params["reason"]) == ("malformed", reason)
    assert not result.ok and result.payload is None


@pytest.mark.parametrize(("content", "reason"), [
    ({"authority": "COL"}, "bad_certificate_number"),
    ({"certificate_number": "A 1", "authority": "COL"}, "bad_certificate_number"),
    ({"certificate_number": "A1"}, "required"),
])
def test_a_signed_payload_must_name_its_certificate_and_authority(content: dict[str, Any], reason: str) -> None:
    # signed by other software than sign(), which refuses these
    digest, when = payload_digest(content), timestamp_text(T0 + DAY)
    signature = b64url(COL_KEY.sign(signing_input(COL_KEY.key_id, digest, when)))
    result = verify(Envelope(content, digest, COL_KEY.key_id, T0 + DAY, signature), RING, now=NOW)
    assert (result.code, result.params["reason"]) == ("malformed", reason)


def test_an_envelope_object_with_bad_fields_is_malformed() -> None:
    assert code(replace(signed(), signed_at=dt.datetime(2026, 1, 2))) == "malformed"
    assert code(replace(signed(), payload=payload(weight=0.5))) == "malformed"


def test_every_cut_of_an_export_is_truncated() -> None:
    for text in (signed(payload(note="ñandú \\ \" \u0001 𝄞")).to_json(), signed().to_json(indent=None)):
        data = text.encode("utf-8")
        for end in range(len(data)):
            assert code(data[:end]) == "truncated", data[:end]


@given(st.binary(max_size=200) | st.text(max_size=200))
def test_verify_never_raises_on_junk(junk: bytes | str) -> None:
    result = verify(junk, RING, now=NOW)
    assert result.code in CODES and not result.ok


# --- the certificate's content ------------------------------------------------------------------

def certificate(**change: Any) -> Certificate:
    base = Certificate(
        number="COL-2026-0001", authority="COL", order_reference="Resolución 123/2026", event="EV-2026-07",
        site=Site("Fundición Paz del Río", "Belencito, Boyacá", "5.7833", "-72.8833"),
        methods=(Method("cutting", "receiver, diagonal; plasma torch"), Method("smelting")),
        started_at=dt.datetime(2026, 7, 1, 8, tzinfo=UTC), ended_at=dt.datetime(2026, 7, 1, 16, tzinfo=UTC),
        items=(Item("firearm", serial="AB123456", make="Glock", model="17", calibre="9×19 mm", record="R-1"),
               Item("part", serial="F-99", category="frame", record="R-2"),
               Item("ammunition", lot="IMI-9-2019-04", quantity=12_000, calibre="9×19 mm", neq_kg="4.800")),
        witnesses=(Witness("Ana Pérez", "inspector", "Procuraduría", independent=True, identity_document="CC 123"),
                   Witness("Luis Díaz", "officer", "DCCAE")),
        photos=(Photo("a" * 64, "before", 0), Photo("b" * 64, "after")),
    )
    return replace(base, **change)


def test_a_certificate_payload_signs_and_verifies() -> None:
    content = certificate().as_payload()
    assert content["items"][2] == {"kind": "ammunition", "lot": "IMI-9-2019-04", "quantity": 12_000,
                                   "calibre": "9×19 mm", "neq_kg": "4.8"}
    assert content["site"]["latitude"] == "5.7833" and content["started_at"] == "2026-07-01T08:00:00Z"
    assert content["photos"][0] == {"sha256": "a" * 64, "stage": "before", "item": 0}
    assert content["witnesses"][0]["independent"] is True
    result = verify(sign(content, COL_KEY, signed_at=dt.datetime(2026, 7, 2, tzinfo=UTC)).to_json(), RING, now=NOW)
    assert result.ok and result.payload == content


@pytest.mark.parametrize(("change", "expected", "field"), [
    ({"number": "COL 1"}, "bad_certificate_number", "certificate_number"),
    ({"authority": " "}, "required", "authority"),
    ({"methods": ()}, "required", "methods"),
    ({"methods": (Method("dissolving"),)}, "unknown_method", "methods[0]"),
    ({"items": ()}, "required", "items"),
    ({"items": (Item("firearm"),)}, "serial_required", "items[0].serial"),
    ({"items": (Item("ammunition", quantity=5),)}, "lot_required", "items[0].lot"),
    ({"items": (Item("ammunition", lot="L", quantity=0),)}, "not_positive", "items[0].quantity"),
    ({"items": (Item("firearm", serial="S", quantity=2),)}, "firearm_quantity", "items[0].quantity"),
    ({"items": (Item("grenade", serial="S"),)}, "unknown_item_kind", "items[0].kind"),
    ({"items": (Item("part", serial="S", method="melting"),)}, "unknown_method", "items[0].method"),
    ({"items": (Item("ammunition", lot="L", neq_kg="-1"),)}, "bad_decimal", "items[0].neq_kg"),
    ({"items": (Item("part", record="R"), Item("part", record="R"))}, "duplicate_item", "items"),
    ({"ended_at": dt.datetime(2026, 6, 30, tzinfo=UTC)}, "ended_before_start", "ended_at"),
    ({"started_at": dt.datetime(2026, 7, 1)}, "naive_datetime", None),
    ({"witnesses": (Witness("Ana", "inspector", "Procuraduría"),)}, "too_few_witnesses", "witnesses"),
    ({"photos": (Photo("A" * 64, "before"),)}, "bad_photo_hash", "photos[0].sha256"),
    ({"photos": (Photo("a" * 64, "during"),)}, "unknown_photo_stage", "photos[0].stage"),
    ({"photos": (Photo("a" * 64, "after", 3),)}, "unknown_item", "photos[0].item"),
    ({"site": Site("S", latitude="91", longitude="0")}, "bad_coordinate", "site.latitude"),
    ({"site": Site("S", latitude="4.6")}, "bad_coordinate", "site.longitude"),
    ({"site": Site("")}, "required", "site.name"),
])
def test_certificate_content_checks(change: dict[str, Any], expected: str, field: str | None) -> None:
    with pytest.raises(CertificateError) as caught:
        certificate(**change).as_payload()
    assert (caught.value.code, caught.value.field) == (expected, field)


# --- the QR code ----------------------------------------------------------------------------------

def test_verification_url() -> None:
    digest = "c" * 64
    url = verification_url("https://hub.cifta.example/", "COL-2026-0001", digest)
    assert url == f"https://hub.cifta.example/verify/COL-2026-0001#{digest}"
    assert parse_verification_url(url) == ("COL-2026-0001", digest)
    assert parse_verification_url("https://hub.cifta.example/verify/COL-2026-0001") == ("COL-2026-0001", None)
    assert qr_svg(url).startswith("<svg")


@pytest.mark.parametrize(("call", "expected"), [
    (lambda: verification_url("ftp://hub", "A1", "c" * 64), "bad_url"),
    (lambda: verification_url("https://hub?x=1", "A1", "c" * 64), "bad_url"),
    (lambda: verification_url("https://hub", "A/1", "c" * 64), "bad_certificate_number"),
    (lambda: verification_url("https://hub", "A1", "C" * 64), "bad_digest"),
    (lambda: parse_verification_url("https://hub/other/A1"), "bad_url"),
    (lambda: parse_verification_url("https://hub/verify/A1#nothex"), "bad_digest"),
])
def test_verification_url_refusals(call: Any, expected: str) -> None:
    with pytest.raises(CertificateError) as caught:
        call()
    assert caught.value.code == expected


# --- the PDF -------------------------------------------------------------------------------------

def pdf_with(envelope: Envelope | None) -> bytes:
    buffer = io.BytesIO()
    page = pdf_canvas.Canvas(buffer)
    page.setTitle("Destruction certificate COL-2026-0001")
    page.drawString(72, 720, "Certificado de destrucción COL-2026-0001")
    if envelope is not None:
        embed(page, envelope)
    page.showPage()
    page.save()
    return buffer.getvalue()


def marker_span(pdf: bytes) -> tuple[int, int]:
    start = pdf.index(b"CIFTA-CERTIFICATE-ENVELOPE:")
    return start, pdf.index(b":CIFTA-CERTIFICATE-END", start) + len(b":CIFTA-CERTIFICATE-END")


ENVELOPE = signed(certificate().as_payload())
PDF = pdf_with(ENVELOPE)


def test_the_pdf_carries_the_envelope() -> None:
    assert extract(PDF) == ENVELOPE == read_document(PDF)
    assert read_document(ENVELOPE.to_json().encode()) == ENVELOPE
    assert marker_text(ENVELOPE).encode() in PDF
    result = verify_document(PDF, RING, now=NOW)
    assert result.ok and result.payload == certificate().as_payload()
    assert verify_document(ENVELOPE.to_json().encode(), RING, now=NOW).ok
    assert verify_document(PDF, RING, now=NOW, withdrawn={"COL-2026-0001"}).code == "withdrawn"


def test_a_serial_changed_inside_the_pdf_is_tampered() -> None:
    start, end = marker_span(PDF)
    inner = PDF[start + len(b"CIFTA-CERTIFICATE-ENVELOPE:"): end - len(b":CIFTA-CERTIFICATE-END")]
    text = json.loads(load_bytes_b64(inner))
    text["payload"]["items"][0]["serial"] = "AB123457"  # one byte of the payload
    edited = b64url(json.dumps(text, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()).encode()
    assert len(edited) == len(inner)
    pdf = PDF[: start + len(b"CIFTA-CERTIFICATE-ENVELOPE:")] + edited + PDF[end - len(b":CIFTA-CERTIFICATE-END"):]
    assert verify_document(pdf, RING, now=NOW).code == "tampered"


def load_bytes_b64(data: bytes) -> bytes:
    from cifta.destruction.certificates.canonical import from_b64url

    return from_b64url(data.decode(), "test")


@given(st.data())
def test_no_byte_flipped_in_the_envelope_passes(draw: st.DataObject) -> None:
    start, end = marker_span(PDF)
    at = draw.draw(st.integers(start, end - 1))
    byte = draw.draw(st.integers(0, 255).filter(lambda b: b != PDF[at]))
    pdf = PDF[:at] + bytes([byte]) + PDF[at + 1:]
    result = verify_document(pdf, RING, now=NOW)
    assert not result.ok
    assert result.code in ("tampered", "malformed", "bad_signature", "unknown_key", "key_not_valid_then")


def test_a_pdf_cut_short_is_truncated() -> None:
    assert verify_document(PDF[: len(PDF) // 2], RING, now=NOW).code == "truncated"
    start, end = marker_span(PDF)
    assert verify_document(PDF[: (start + end) // 2], RING, now=NOW).code == "truncated"
    assert verify_document(PDF[:3], RING, now=NOW).code == "truncated"


def test_pdfs_without_a_readable_envelope_are_malformed() -> None:
    renamed = PDF.replace(b"CIFTA-CERTIFICATE-ENVELOPE:", b"CIFTA-CERTIFICATE-ENVELOPX:")
    broken_end = PDF.replace(b":CIFTA-CERTIFICATE-END", b":CIFTA-CERTIFICATE-ENX")
    second = marker_text(signed(payload())).encode()
    appended = PDF + b"\n% incremental update\n(" + second + b")\n%%EOF\n"
    repeated = PDF + b"\n(" + marker_text(ENVELOPE).encode() + b")\n%%EOF\n"
    for pdf, reason in ((pdf_with(None), "no_envelope"), (renamed, "no_envelope"), (broken_end, "broken_marker"),
                        (appended, "several_envelopes")):
        result = verify_document(pdf, RING, now=NOW)
        assert (result.code, result.params["reason"]) == ("malformed", reason)
    assert verify_document(repeated, RING, now=NOW).ok  # the same envelope twice is still one
