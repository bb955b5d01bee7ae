"""A programme's required documents are edited as lines, not as JSON typed by hand."""

import pytest

from minzheng.programs.admin import ProgrammeForm
from minzheng.programs.models import Programme

pytestmark = pytest.mark.django_db


def _data(programme, text):
    form = ProgrammeForm(instance=programme)
    data = {k: form.initial.get(k, getattr(programme, k, "")) for k in form.fields}
    data = {k: v for k, v in data.items() if v is not None and not isinstance(v, bool) or v}
    data["documents_text"] = text
    return data


def test_documents_are_shown_and_saved_as_lines(programmes):
    programme = Programme.objects.get(code="temporary_assistance")
    form = ProgrammeForm(instance=programme)
    shown = form.fields["documents_text"].initial
    assert "id_card｜" in shown and "{" not in shown and "\\u" not in shown
    form = ProgrammeForm(
        _data(programme, "id_card｜身份证\nfire_proof | 火灾证明"), instance=programme
    )
    assert form.is_valid(), form.errors
    form.save()
    programme.refresh_from_db()
    assert programme.documents_required == [
        {"kind": "id_card", "label": "身份证"},
        {"kind": "fire_proof", "label": "火灾证明"},
    ]


def test_a_bad_line_is_refused_in_chinese_and_nothing_is_saved(programmes):
    programme = Programme.objects.get(code="temporary_assistance")
    before = programme.documents_required
    form = ProgrammeForm(
        _data(programme, "身份证\nid_card｜身份证\nid_card｜身份证复印件"), instance=programme
    )
    assert not form.is_valid()
    assert form.errors["documents_text"] == [
        "第 1 行应为“材料代码｜材料名称”。",
        "第 3 行的材料代码重复。",
    ]
    programme.refresh_from_db()
    assert programme.documents_required == before
