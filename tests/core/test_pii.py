"""Personal data: AES-GCM at rest, keyed lookup hashes, masking, storage without clear values, audited reveal."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.factories import UserFactory, resident_id, resident_id_ending_x
from zhengwu.core import pii
from zhengwu.core.choices import AuditResult, Role
from zhengwu.core.exceptions import NotAllowed, NotFound
from zhengwu.core.models import AuditEntry, Person, User
from zhengwu.core.pii import decrypt, encrypt, mask_id_number, mask_name, mask_phone, pii_hash
from zhengwu.core.services import person_reveal, person_upsert, user_create

ID = resident_id(1)  # 440281199001010019
PHONE = "13812341234"


# --- Encryption ------------------------------------------------------------------------------------------


def test_encrypt_round_trips_chinese_and_ascii():
    for value in (ID, PHONE, "乐昌市乐城街道人民路1号", "Lechang Road 1"):
        token = encrypt(value)
        assert token.startswith("v1:")
        assert value not in token
        assert decrypt(token) == value


def test_empty_values_stay_empty():
    assert encrypt("") == ""
    assert decrypt("") == ""
    assert pii_hash("") == ""


def test_ciphertext_differs_per_call():
    """A random nonce per value: equal numbers must not produce equal ciphertexts (no frequency analysis)."""
    tokens = {encrypt(ID) for _ in range(5)}
    assert len(tokens) == 5
    assert {decrypt(t) for t in tokens} == {ID}


def test_tampered_ciphertext_is_refused():
    raw = bytearray(base64.b64decode(encrypt(ID)[3:]))
    raw[-1] ^= 0x01  # flip one bit of the GCM tag
    with pytest.raises(ValueError, match="篡改"):
        decrypt("v1:" + base64.b64encode(bytes(raw)).decode())
    raw = bytearray(base64.b64decode(encrypt(ID)[3:]))
    raw[14] ^= 0x80  # and one bit of the sealed text
    with pytest.raises(ValueError, match="篡改"):
        decrypt("v1:" + base64.b64encode(bytes(raw)).decode())


def test_unknown_ciphertext_format_is_refused():
    with pytest.raises(ValueError, match="未知的密文格式"):
        decrypt(ID)  # a clear value that slipped into an encrypted column


def test_another_key_cannot_decrypt(settings):
    token = encrypt(ID)
    settings.PII_KEY = "a-different-installation-key"
    with pytest.raises(ValueError, match="密钥不符"):
        decrypt(token)


# --- Keyed hash ------------------------------------------------------------------------------------------


def test_pii_hash_is_stable_and_normalised():
    h = pii_hash(resident_id_ending_x())
    assert len(h) == 64
    assert int(h, 16) >= 0  # hex
    assert pii_hash(resident_id_ending_x()) == h
    # However it was typed: lower-case x, spaces, hyphens.
    typed = resident_id_ending_x().lower()
    assert pii_hash(f" {typed[:6]} {typed[6:14]}-{typed[14:]} ") == h
    assert pii_hash(resident_id(2)) != h


def test_pii_hash_is_keyed_not_a_plain_digest(settings):
    import hashlib

    h = pii_hash(ID)
    assert h != hashlib.sha256(ID.encode()).hexdigest()  # useless to anyone without the key
    settings.PII_KEY = "a-different-installation-key"
    assert pii_hash(ID) != h


def test_encryption_and_hash_keys_are_distinct():
    enc_key, hash_key = pii._keys("some master key")
    assert len(enc_key) == len(hash_key) == 32
    assert enc_key != hash_key


# --- Masking ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("440281199001010019", "440281********0019"),  # 前6后4
        ("44028119900101006x", "440281********006X"),  # normalised before masking
        ("440281 19900101 0019", "440281********0019"),
        ("440281900101001", "440281*****1001"),  # old 15-digit numbers keep the same shape
        ("AB12345", "A*****5"),  # other documents keep only the ends
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


def test_masked_id_hides_the_birth_date():
    masked = mask_id_number(ID)
    assert "19900101" not in masked
    assert masked.count("*") == 8
    assert len(masked) == 18


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812341234", "138****1234"),
        ("+8613812341234", "138****1234"),
        ("138 1234 1234", "138****1234"),
        ("0751-5572990", "0751-***2990"),
        ("12345", "*2345"),
        ("110", "***"),
        ("", ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张*"),  # one star whatever the length: the length is not revealed either
        ("欧阳娜娜", "欧阳*"),  # 复姓 keeps both characters
        ("司马光", "司马*"),
        ("欧阳", "欧*"),  # a two-character name is surname + given name, not a 复姓 alone
        ("李", "李"),
        ("  王五 ", "王*"),
        ("", ""),
    ],
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


# --- Storage: no clear value in any column ----------------------------------------------------------------


def _raw_row(table: str, pk: int) -> list[object]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608 - table name is ours
        return list(cursor.fetchone())


@pytest.mark.django_db
def test_person_upsert_stores_no_clear_id_or_phone(regions):
    person = person_upsert(name="张三", id_number=ID, actor=None, phone=PHONE, region=regions["qingling"])
    row = [str(v) for v in _raw_row("core_person", person.pk)]
    for secret in (ID, ID[6:14] + ID[14:], PHONE, PHONE[3:]):
        assert not any(secret in value for value in row), secret
    person.refresh_from_db()
    assert person.id_masked == "440281********0019"
    assert person.phone_masked == "138****1234"
    assert person.id_hash == pii_hash(ID)
    assert person.phone_hash == pii_hash(PHONE)
    assert decrypt(person.id_number_enc) == ID
    assert decrypt(person.phone_enc) == PHONE
    # Derived from the number itself.
    assert (person.gender, person.birth_date.isoformat()) == ("M", "1990-01-01")
    assert person.region == regions["qingling"]
    assert ID not in str(person)


@pytest.mark.django_db
def test_person_upsert_is_keyed_by_the_number_however_typed(regions):
    number = resident_id_ending_x()
    first = person_upsert(name="李四", id_number=number, actor=None)
    again = person_upsert(
        name="李四(改名)", id_number=" " + number.lower(), actor=None, phone="+86 138 0013 8000"
    )
    assert again.pk == first.pk
    assert Person.objects.count() == 1
    again.refresh_from_db()
    assert again.name == "李四(改名)"
    assert again.phone_masked == "138****8000"
    assert decrypt(again.id_number_enc) == number  # stored normalised (upper-case X)
    assert list(
        AuditEntry.objects.filter(object_type="core.person").order_by("id").values_list("action", flat=True)
    ) == ["person.create", "person.update"]


@pytest.mark.django_db
def test_person_upsert_keeps_phone_and_region_when_not_given(regions):
    person_upsert(name="王五", id_number=ID, actor=None, phone=PHONE, region=regions["ws"])
    person = person_upsert(name="王五", id_number=ID, actor=None)
    assert decrypt(person.phone_enc) == PHONE
    assert person.region == regions["ws"]


@pytest.mark.django_db
def test_person_upsert_validates_numbers():
    with pytest.raises(ValidationError, match="校验码"):
        person_upsert(name="赵六", id_number=ID[:-1] + ("0" if ID[-1] != "0" else "1"), actor=None)
    with pytest.raises(ValidationError, match="手机号码"):
        person_upsert(name="赵六", id_number=ID, actor=None, phone="1381234")
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_audit_entries_never_hold_clear_personal_data(regions, clerk):
    person = person_upsert(name="张三", id_number=ID, actor=clerk, phone=PHONE, region=regions["ws"])
    person_reveal(person=person, field="id_number", actor=clerk, purpose="窗口核验身份")
    person_reveal(person=person, field="phone", actor=clerk)
    for entry in AuditEntry.objects.all():
        text = " ".join(str(v) for v in (entry.object_repr, entry.before, entry.after))
        assert ID not in text
        assert PHONE not in text


@pytest.mark.django_db
def test_user_phone_is_stored_encrypted(sysadmin):
    user = user_create(username="newbie", password="Str0ng#Pass2026", actor=sysadmin, phone="13800138000")
    row = [str(v) for v in _raw_row("core_user", user.pk)]
    assert not any("13800138000" in v for v in row)
    assert decrypt(user.phone_enc) == "13800138000"
    assert User.objects.get(phone_hash=pii_hash("138 0013 8000")) == user


# --- Reveal ----------------------------------------------------------------------------------------------


@pytest.fixture
def person(regions):
    return person_upsert(name="张三", id_number=ID, actor=None, phone=PHONE, region=regions["ws"])


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["clerk", "handler", "operator"])
def test_roles_with_view_pii_unmasked_may_reveal_and_it_is_audited(request, person, persona):
    user = request.getfixturevalue(persona)
    assert user.has_perm("core.view_pii_unmasked")
    assert person_reveal(person=person, field="id_number", actor=user, purpose="受理核验") == ID
    assert person_reveal(person=person, field="phone", actor=user) == PHONE
    entries = AuditEntry.objects.filter(action="pii.reveal", username=user.username).order_by("id")
    assert [(e.result, e.after["field"]) for e in entries] == [
        (AuditResult.SUCCESS, "id_number"),
        (AuditResult.SUCCESS, "phone"),
    ]
    first = entries[0]
    assert first.after["purpose"] == "受理核验"
    assert (first.object_type, first.object_id) == ("core.person", str(person.pk))
    assert first.organisation_id == user.organisation_id


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona", ["town_staff", "supervisor", "sysadmin", "secadmin", "auditadmin", "citizen"]
)
def test_other_roles_are_refused_and_the_refusal_is_audited(request, person, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed, match="没有查看完整个人信息的权限"):
        person_reveal(person=person, field="id_number", actor=user)
    entry = AuditEntry.objects.get(action="pii.reveal", username=user.username)
    assert entry.result == AuditResult.DENIED
    assert entry.object_id == str(person.pk)


@pytest.mark.django_db
def test_reveal_of_unknown_field_is_not_found_and_reveals_nothing(person, clerk):
    with pytest.raises(NotFound):
        person_reveal(person=person, field="id_hash", actor=clerk)
    assert not AuditEntry.objects.filter(action="pii.reveal").exists()


@pytest.mark.django_db
def test_reveal_of_missing_phone_is_empty(clerk):
    person = person_upsert(name="无手机", id_number=resident_id(7), actor=None)
    assert person_reveal(person=person, field="phone", actor=clerk) == ""


@pytest.mark.django_db
def test_purpose_is_truncated_in_the_audit(person, clerk):
    person_reveal(person=person, field="id_number", actor=clerk, purpose="核" * 300)
    assert len(AuditEntry.objects.get(action="pii.reveal").after["purpose"]) == 100


@pytest.mark.django_db
def test_a_role_granted_later_may_reveal(person, orgs):
    user = UserFactory(username="newclerk", organisation=orgs["hall"], roles=[Role.TOWN_STAFF, Role.CLERK])
    assert person_reveal(person=person, field="id_number", actor=user) == ID
