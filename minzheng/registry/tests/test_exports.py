"""Export of persons to Excel: masked personal data only, scope respected, logged."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from openpyxl import load_workbook

from minzheng.core.models import OperationLog
from minzheng.registry import exports, selectors
from minzheng.registry.rules import age_on
from minzheng.registry.services import PersonInput, person_register
from minzheng.registry.validators import check_character

GUIYI = "440605011001"  # 桂一社区, 桂城街道
SHATOU = "440605121019"  # 沙头社区, 九江镇


def ident(birth: dt.date, seq: int) -> str:
    first17 = f"440605{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


@pytest.fixture
def persons(guicheng_worker, jiujiang_worker):
    """Two persons in 桂城街道 and one in 九江镇."""
    chen = person_register(
        actor=guicheng_worker,
        data=PersonInput(
            name="陈大文", residence_division_code=GUIYI, id_number=ident(dt.date(1950, 3, 1), 13),
            phone="13812345678", hukou_division_code=SHATOU, address="南海大道北 1 号",
        ),
    )  # fmt: skip
    li = person_register(
        actor=guicheng_worker, data=PersonInput(name="李小红", residence_division_code=GUIYI)
    )
    he = person_register(
        actor=jiujiang_worker,
        data=PersonInput(
            name="何九江", residence_division_code=SHATOU, id_number=ident(dt.date(1960, 1, 1), 15)
        ),
    )
    return chen, li, he


def _sheet(content: bytes) -> list[tuple]:
    wb = load_workbook(io.BytesIO(content))
    return list(wb.worksheets[0].iter_rows(values_only=True))


@pytest.mark.django_db
def test_export_contains_masked_values_only_and_the_users_scope(guicheng_worker, persons):
    chen, li, _he = persons
    queryset = selectors.person_list(user=guicheng_worker)

    content = exports.persons_export_xlsx(
        actor=guicheng_worker, queryset=queryset, filters={"q": "", "sex": ""}
    )

    rows = _sheet(content)
    assert rows[0] == (
        "人员编号",
        "姓名",
        "性别",
        "年龄",
        "身份证号码",
        "手机号码",
        "户籍地",
        "居住地",
        "居住地址",
    )
    assert rows[1:] == [
        (li.pk, "李小红", None, None, None, None, None, "桂一社区居委会", None),
        (
            chen.pk, "陈大文", "男", age_on(dt.date(1950, 3, 1), timezone.localdate()),
            chen.id_number_masked,
            "138****5678", "沙头社区居委会", "桂一社区居委会", "南海大道北 1 号",
        ),
    ]  # fmt: skip
    assert chen.id_number_masked == chen.id_number[:4] + "**********" + chen.id_number[-4:]
    # No plaintext anywhere in the file, not even in shared strings.
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = b"".join(archive.read(name) for name in archive.namelist())
    assert chen.id_number.encode() not in xml
    assert b"13812345678" not in xml
    assert "何九江".encode() not in xml


@pytest.mark.django_db
def test_export_is_logged_with_the_row_count_and_the_filters(guicheng_worker, persons):
    queryset = selectors.person_list(user=guicheng_worker, filters=selectors.PersonFilters(q="陈"))

    exports.persons_export_xlsx(
        actor=guicheng_worker, queryset=queryset, filters={"q": "陈", "sex": "", "age_min": None}
    )

    log = OperationLog.objects.get(action=OperationLog.Action.EXPORT)
    assert (log.user, log.target_type, log.summary) == (
        guicheng_worker,
        "registry.person",
        "导出人员 1 条",
    )
    assert log.detail == {"rows": 1, "filters": {"q": "陈"}}


@pytest.mark.django_db
def test_export_reads_divisions_once_not_per_row(
    guicheng_worker, persons, django_assert_num_queries
):
    queryset = selectors.person_list(user=guicheng_worker)
    guicheng_worker.has_perm("registry.export_persons")  # permissions cached, as in a request

    # division names, the persons, the log entry
    with django_assert_num_queries(3):
        exports.persons_export_xlsx(actor=guicheng_worker, queryset=queryset)


@pytest.mark.django_db
def test_export_without_the_export_permission_is_refused(make_staff, persons):
    from minzheng.core import roles

    community_worker = make_staff("guiyuan_worker", roles.COMMUNITY_WORKER, "440605011008")

    with pytest.raises(PermissionDenied):
        exports.persons_export_xlsx(
            actor=community_worker, queryset=selectors.person_list(user=community_worker)
        )
    assert not OperationLog.objects.filter(action=OperationLog.Action.EXPORT).exists()
