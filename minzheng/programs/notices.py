"""Written notices (受理通知书, 补正材料通知书, 救助决定书, 不予救助决定书).

A Notice row freezes what the notice says when it is issued; the PDF is rendered from
that row whenever it is downloaded, with the embedded Chinese font of core.pdf.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from minzheng.core import pdf
from minzheng.core.district import bureau_name, review_body
from minzheng.core.models import PolicyParameter

from .models import Application, Notice

PREFIX = {
    Notice.Kind.ACCEPTANCE: "受",
    Notice.Kind.MISSING: "补",
    Notice.Kind.APPROVAL: "准",
    Notice.Kind.REFUSAL: "不",
}


def _body(application: Application, kind: str) -> dict:
    p = application.programme
    body = {
        "applicant": application.applicant_name,
        "programme": p.name,
        "number": application.number,
        "submitted_on": application.submitted_on.isoformat(),
    }
    if kind == Notice.Kind.MISSING:
        body["missing"] = list(application.missing_documents)
    elif kind == Notice.Kind.APPROVAL:
        decision = application.decisions.order_by("-id").first()
        body.update(
            amount=str(application.amount),
            explanation=decision.explanation if decision else "",
            advance=str(application.advance_amount or ""),
            parameters=_basis(decision.parameters if decision else []),
        )
    elif kind == Notice.Kind.REFUSAL:
        body["reasons"] = application.refusal_reasons
    return body


def _basis(records: list[dict]) -> list[str]:
    """The policy numbers a decision used, as the citizen reads them: the parameter's name,
    value and unit, and its source document when it has a public one. Rule switches (text
    and yes/no parameters) are left to the explanation, and an illustrative value's note
    about a missing source is for staff, not for the citizen."""
    rows = PolicyParameter.objects.in_bulk(
        [r["parameter_id"] for r in records if r.get("parameter_id")]
    )
    lines = []
    for r in records:
        row = rows.get(r.get("parameter_id"))
        if row is None or row.value_type not in (
            PolicyParameter.ValueType.DECIMAL,
            PolicyParameter.ValueType.INTEGER,
        ):
            continue
        line = f"{row.name}：{r['value']}{r['unit']}"
        if not row.is_illustrative and r.get("source"):
            line += _("（依据：%(s)s）") % {"s": r["source"]}
        lines.append(line)
    return lines


def _remedies() -> str:
    return _(
        "如对本决定不服，可以自收到本决定书之日起六十日内向%(body)s申请行政复议，"
        "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
    ) % {"body": review_body()}


def notice_issue(*, application: Application, kind: str, on: dt.date) -> Notice:
    n = application.notices.filter(kind=kind).count() + 1
    return Notice.objects.create(
        application=application,
        kind=kind,
        issued_on=on,
        body=_body(application, kind),
        number=f"南民救{PREFIX[kind]}〔{on.year}〕{application.pk}-{n}",
    )


def notice_pdf(notice: Notice) -> bytes:
    b = notice.body
    title = notice.get_kind_display()
    flow = [
        pdf.para(bureau_name(), "subtitle"),
        pdf.para(str(title), "title"),
        pdf.para(notice.number, "subtitle"),
        pdf.Spacer(1, 12),
        pdf.para(_("%(name)s：") % {"name": b["applicant"]}),
    ]
    intro = _("您于 %(d)s 提出的%(p)s申请（编号 %(no)s）") % {
        "d": b["submitted_on"],
        "p": b["programme"],
        "no": b["number"],
    }
    if notice.kind == Notice.Kind.ACCEPTANCE:
        flow.append(
            pdf.para(
                intro
                + _(
                    "材料齐全，本机关决定予以受理。我们将进行家庭经济状况核对和入户调查，结果将依法公示，请保持电话畅通。"
                )
            )
        )
    elif notice.kind == Notice.Kind.MISSING:
        flow.append(pdf.para(intro + _("材料不齐全。请一次性补正以下材料后重新提交：")))
        flow.extend(pdf.para(f"{i}. {item}") for i, item in enumerate(b["missing"], start=1))
        flow.append(pdf.para(_("补正后，受理时限自收到齐全材料之日起计算。")))
    elif notice.kind == Notice.Kind.APPROVAL:
        flow.append(
            pdf.para(
                intro + _("经调查核实并公示无异议，决定给予救助 %(a)s 元。") % {"a": b["amount"]}
            )
        )
        flow.append(pdf.para(_("为什么是这个金额"), "heading"))
        flow.append(pdf.para(b["explanation"]))
        if b.get("advance"):
            flow.append(
                pdf.para(
                    _("其中先行救助已支付 %(a)s 元，余额将通过银行发放。") % {"a": b["advance"]}
                )
            )
        if b.get("parameters"):
            flow.append(pdf.para(_("计算所依据的标准"), "heading"))
            flow.extend(pdf.para(line, "small") for line in b["parameters"])
        flow.append(pdf.para(_remedies()))
    elif notice.kind == Notice.Kind.REFUSAL:
        flow.append(pdf.para(intro + _("经审查，决定不予救助。理由如下：")))
        flow.append(pdf.para(b["reasons"]))
        flow.append(pdf.para(_remedies()))
    flow += [
        pdf.Spacer(1, 24),
        pdf.para(bureau_name(), "right"),
        pdf.para(
            notice.issued_on.strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月"),
            "right",
        ),
    ]
    return pdf.build(title=f"{title} {b['number']}", flowables=flow)
