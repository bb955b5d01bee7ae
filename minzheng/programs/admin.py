"""Programme master data. Applications, staff relations and disbursement batches are kept
on the workbench through programs.services (declared transitions, the ledger)."""

import re

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from minzheng.core.admin import ScopedHistoryAdmin

from .models import Programme

_LINE = re.compile(r"^\s*([a-z][a-z0-9_]{1,29})\s*[|｜]\s*(\S.{0,59}?)\s*$")


class ProgrammeForm(forms.ModelForm):
    """The documents a programme requires, one per line as “代码｜名称” (id_card｜身份证),
    instead of JSON typed by hand; stored as the list of {kind, label} the pages read."""

    documents_text = forms.CharField(
        label=_("所需材料"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "每行一项：材料代码｜材料名称，如 id_card｜身份证。代码用小写字母、数字和下划线。"
        ),
    )

    class Meta:
        model = Programme
        fields = (
            "code",
            "name",
            "kind",
            "applicant_kind",
            "rules_key",
            "description",
            "fast_path",
            "portal_open",
            "is_active",
            "order",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        docs = self.instance.documents_required if self.instance.pk else []
        self.fields["documents_text"].initial = "\n".join(
            f"{d['kind']}｜{d['label']}" for d in docs
        )

    def clean_documents_text(self):
        docs, errors, seen = [], [], set()
        for n, line in enumerate(self.cleaned_data["documents_text"].splitlines(), start=1):
            if not line.strip():
                continue
            m = _LINE.match(line)
            if m is None:
                errors.append(_("第 %(n)d 行应为“材料代码｜材料名称”。") % {"n": n})
            elif m.group(1) in seen:
                errors.append(_("第 %(n)d 行的材料代码重复。") % {"n": n})
            else:
                seen.add(m.group(1))
                docs.append({"kind": m.group(1), "label": m.group(2)})
        if errors:
            raise ValidationError(errors)
        return docs

    def save(self, commit=True):
        self.instance.documents_required = self.cleaned_data["documents_text"]
        return super().save(commit)


@admin.register(Programme)
class ProgrammeAdmin(ScopedHistoryAdmin):
    form = ProgrammeForm
    list_display = (
        "code",
        "name",
        "kind",
        "applicant_kind",
        "rules_key",
        "fast_path",
        "portal_open",
        "is_active",
    )
    list_filter = ("kind", "applicant_kind", "is_active")
    search_fields = ("code", "name")
