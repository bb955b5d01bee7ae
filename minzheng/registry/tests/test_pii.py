"""Tests of registry.pii: field encryption, key rotation, blind index, the model field.

Keys are set per test with override_settings, so nothing depends on the dev key.
"""

from __future__ import annotations

import base64
from types import SimpleNamespace

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db.models import Value
from django.db.models.lookups import IsNull
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from minzheng.registry import pii
from minzheng.registry.pii import (
    DecryptionError,
    EncryptedTextField,
    UnknownKeyError,
    blind_index,
    decrypt,
    encrypt,
    key_id_of,
    needs_rotation,
    primary_key_id,
)


def make_key(key_id: str, seed: bytes) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode((seed * 32)[:32]).decode()}"


OLD = make_key("old", b"o")
NEW = make_key("new", b"n")
ID_NUMBER = "440605199001011236"


@pytest.fixture(autouse=True)
def one_key():
    with override_settings(FIELD_KEYS=[OLD], BLIND_INDEX_KEY="test-blind-index-key"):
        yield


def flip(token: str, index: int) -> str:
    """Flip one bit of byte ``index`` of the payload (nonce, ciphertext or tag).

    Works on the decoded bytes: changing a base64 character could hit padding bits
    that decode to the same bytes."""
    prefix, payload = token.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload))
    raw[index] ^= 0x01
    return f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"


# --- encrypt / decrypt --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [ID_NUMBER, "13812345678", "张三丰", "佛山市南海区桂城街道南海大道北 1 号", "😀", "x" * 10_000],
)
def test_round_trip(text):
    token = encrypt(text)
    assert token.startswith("v1:old:")
    assert decrypt(token) == text


@hsettings(database=None, max_examples=200)
@given(text=st.text(min_size=1))
def test_round_trip_any_text(text):
    with override_settings(FIELD_KEYS=[OLD]):
        assert decrypt(encrypt(text)) == text


def test_empty_stays_empty():
    assert encrypt("") == ""
    assert decrypt("") == ""


@pytest.mark.parametrize("text", [ID_NUMBER, "张三丰"])
def test_ciphertext_contains_no_plaintext(text):
    token = encrypt(text)
    raw = base64.urlsafe_b64decode(token.split(":", 2)[2])
    assert text not in token
    assert text.encode() not in raw
    assert "1990" not in token  # not even a fragment such as the birth year


def test_two_encryptions_of_the_same_value_differ():
    assert encrypt(ID_NUMBER) != encrypt(ID_NUMBER)


def test_tampering_is_detected():
    token = encrypt(ID_NUMBER)
    for index in (0, 11, 12, 20, -16, -1):  # nonce, ciphertext, tag
        with pytest.raises(DecryptionError):
            decrypt(flip(token, index))


@pytest.mark.parametrize(
    "bad", ["v1:old:", "v1:old:AAAA", "v1:old:not base64!", ID_NUMBER, "v2:old:AAAA"]
)
def test_malformed_tokens_are_refused(bad):
    with pytest.raises(DecryptionError):
        decrypt(bad)


def test_token_cannot_be_moved_to_another_key_id():
    # Same key material under two ids: only the associated data (the key id) differs.
    same = base64.urlsafe_b64encode(b"k" * 32).decode()
    with override_settings(FIELD_KEYS=[f"a:{same}", f"b:{same}"]):
        token = encrypt(ID_NUMBER)
        assert key_id_of(token) == "a"
        with pytest.raises(DecryptionError):
            decrypt(token.replace("v1:a:", "v1:b:", 1))


def test_unknown_key_id():
    token = encrypt(ID_NUMBER)
    with override_settings(FIELD_KEYS=[NEW]), pytest.raises(UnknownKeyError, match="'old'"):
        decrypt(token)
    assert issubclass(UnknownKeyError, DecryptionError)


def test_errors_never_echo_the_plaintext_or_key():
    token = encrypt(ID_NUMBER)
    with override_settings(FIELD_KEYS=[NEW]), pytest.raises(UnknownKeyError) as excinfo:
        decrypt(token)
    assert ID_NUMBER not in str(excinfo.value)
    with (
        override_settings(FIELD_KEYS=["bad:c2hvcnQ="]),
        pytest.raises(ImproperlyConfigured) as excinfo,
    ):
        encrypt(ID_NUMBER)
    assert "c2hvcnQ" not in str(excinfo.value)


# --- keys and rotation --------------------------------------------------------------------


def test_rotation():
    old_token = encrypt(ID_NUMBER)
    with override_settings(FIELD_KEYS=[NEW, OLD]):
        assert primary_key_id() == "new"
        assert decrypt(old_token) == ID_NUMBER
        assert needs_rotation(old_token)
        new_token = encrypt(ID_NUMBER)
        assert key_id_of(new_token) == "new"
        assert not needs_rotation(new_token)
    with override_settings(FIELD_KEYS=[NEW]):
        assert decrypt(new_token) == ID_NUMBER
        with pytest.raises(UnknownKeyError):
            decrypt(old_token)


def test_needs_rotation_of_non_tokens():
    assert not needs_rotation("")
    assert not needs_rotation(ID_NUMBER)
    assert key_id_of(ID_NUMBER) is None
    assert key_id_of("") is None


def test_comma_separated_string_is_accepted():
    with override_settings(FIELD_KEYS=f"{NEW},{OLD}"):
        assert primary_key_id() == "new"


def test_standard_base64_and_missing_padding_are_accepted():
    raw = bytes(range(250, 256)) * 6  # encodes with "+" / "/" in standard base64
    raw = raw[:32]
    standard = base64.b64encode(raw).decode().rstrip("=")
    with override_settings(FIELD_KEYS=[f"std:{standard}"]):
        assert decrypt(encrypt("x")) == "x"


@pytest.mark.parametrize(
    "keys",
    [
        [],
        ["no-colon"],
        [":" + base64.urlsafe_b64encode(b"k" * 32).decode()],
        ["short:" + base64.urlsafe_b64encode(b"k" * 16).decode()],
        ["bad:%%%%"],
        [OLD, OLD],
    ],
)
def test_bad_key_configuration(keys):
    with override_settings(FIELD_KEYS=keys), pytest.raises(ImproperlyConfigured):
        encrypt("x")


def test_reload_keys_clears_the_cache():
    encrypt("x")
    pii.reload_keys()
    assert pii._parse_keyring.cache_info().currsize == 0
    assert decrypt(encrypt("x")) == "x"


# --- blind index --------------------------------------------------------------------------


def test_blind_index_is_deterministic_hex():
    digest = blind_index(ID_NUMBER, kind="id")
    assert digest == blind_index(ID_NUMBER, kind="id")
    assert len(digest) == 32
    int(digest, 16)
    assert ID_NUMBER not in digest


def test_blind_index_differs_by_kind_value_and_key():
    digest = blind_index("13812345678", kind="phone")
    assert digest != blind_index("13812345678", kind="id")
    assert digest != blind_index("13812345679", kind="phone")
    with override_settings(BLIND_INDEX_KEY="another-key"):
        assert blind_index("13812345678", kind="phone") != digest


def test_blind_index_refuses_unknown_kinds_and_empty_values():
    with pytest.raises(ValueError):
        blind_index(ID_NUMBER, kind="name")
    with pytest.raises(ValueError):
        blind_index("", kind="id")
    with override_settings(BLIND_INDEX_KEY=""), pytest.raises(ImproperlyConfigured):
        blind_index(ID_NUMBER, kind="id")


# --- model field --------------------------------------------------------------------------


def test_field_encrypts_on_save_and_decrypts_on_load():
    field = EncryptedTextField()
    stored = field.get_prep_value(ID_NUMBER)
    assert stored.startswith("v1:old:")
    assert field.from_db_value(stored, None, None) == ID_NUMBER


def test_field_passes_empty_and_null_through():
    field = EncryptedTextField(blank=True, null=True)
    assert field.get_prep_value("") == ""
    assert field.get_prep_value(None) is None
    assert field.from_db_value("", None, None) == ""
    assert field.from_db_value(None, None, None) is None


def test_field_never_encrypts_twice_but_encrypts_lookalikes():
    field = EncryptedTextField()
    token = encrypt(ID_NUMBER)
    assert field.get_prep_value(token) == token
    fake = "v1:old:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    stored = field.get_prep_value(fake)
    assert stored != fake
    assert decrypt(stored) == fake


def test_field_returns_legacy_plaintext_unchanged():
    assert EncryptedTextField().from_db_value("13812345678", None, None) == "13812345678"


def test_field_refuses_tampered_database_values():
    token = encrypt(ID_NUMBER)
    with pytest.raises(DecryptionError):
        EncryptedTextField().from_db_value(flip(token, -1), None, None)


def test_field_to_python_and_serialisation():
    field = EncryptedTextField()
    field.set_attributes_from_name("phone")
    dumped = field.value_to_string(SimpleNamespace(phone="13812345678"))
    assert dumped.startswith("v1:") and "13812345678" not in dumped
    assert field.to_python(dumped) == "13812345678"
    assert field.to_python("13812345678") == "13812345678"


def test_field_deconstructs_for_migrations():
    field = EncryptedTextField("身份证号码", blank=True)
    field.set_attributes_from_name("id_number")
    name, path, args, kwargs = field.deconstruct()
    assert (name, path) == ("id_number", "minzheng.registry.pii.EncryptedTextField")
    assert kwargs == {"verbose_name": "身份证号码", "blank": True}
    rebuilt = EncryptedTextField(*args, **kwargs)
    assert rebuilt.blank and rebuilt.verbose_name == "身份证号码"


def test_field_lookups_are_limited():
    field = EncryptedTextField()
    lhs = Value("", output_field=field)
    assert field.get_lookup("isnull") is IsNull
    assert field.get_lookup("icontains") is None
    assert field.get_lookup("in") is None
    exact = field.get_lookup("exact")
    assert exact(lhs, "").rhs == ""
    with pytest.raises(FieldError, match="blind-index"):
        exact(lhs, ID_NUMBER)
