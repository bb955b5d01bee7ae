"""The certificate PDF and the xlsx exports (built from selectors; no writes)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from minzheng.core import pdf
from minzheng.registry.validators import mask_id_number

from .models import ServiceCertificate


def certificate_pdf(cert: ServiceCertificate, *, verify_url: str) -> bytes:
    """志愿服务记录证明: masked ID, hours in the period, content, issuer, number, date and a
    QR code linking to the public verification page."""
    person = cert.volunteer.person
    hours = f"{cert.total_minutes / 60:.1f}"
    rows = [
        [_("姓名"), person.name],
        [
            _("身份证号码"),
            mask_id_number(person.id_number) if person.id_number else person.id_number_masked,
        ],
        [_("服务期间"), f"{cert.period_from:%Y年%-m月%-d日} 至 {cert.period_to:%Y年%-m月%-d日}"],
        [_("累计服务时长"), _("%(h)s 小时") % {"h": hours}],
        [_("服务内容"), cert.content],
        [_("证明编号"), cert.number],
    ]
    flow = [
        pdf.para(_("志愿服务记录证明"), "title"),
        pdf.para(_("（依据《志愿服务记录与证明出具办法（试行）》出具）"), "subtitle"),
        pdf.Spacer(1, 12),
        pdf.para(
            _("兹证明 %(name)s 同志在上述期间参加志愿服务，服务记录真实、准确、完整。")
            % {"name": person.name}
        ),
        pdf.Spacer(1, 8),
        pdf.table(rows, col_widths=[110, 320], header=False),
        pdf.Spacer(1, 16),
        pdf.para(_("出具单位：%(i)s") % {"i": cert.issuer}, "right"),
        pdf.para(_("出具日期：%(d)s") % {"d": f"{cert.issued_on:%Y年%-m月%-d日}"}, "right"),
        pdf.Spacer(1, 12),
        pdf.qr_image(verify_url, size_mm=28),
        pdf.para(_("扫码核验：%(u)s") % {"u": verify_url}, "small"),
    ]
    return pdf.build(title=_("志愿服务记录证明"), flowables=flow)


def _xlsx(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title)
        ws.append(header)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def activity_xlsx(*, board, sheet, ranking) -> bytes:
    """Fill status, attendance sheet and the branch ranking of one activity's scope."""
    from django.utils import timezone

    def t(v):
        return timezone.localtime(v).strftime("%Y-%m-%d %H:%M") if v else ""

    fill = [
        [
            r.shift.post.site.name,
            r.shift.post.role,
            t(r.shift.starts_at),
            t(r.shift.ends_at),
            r.shift.needed,
            r.confirmed,
            r.pending,
            r.waitlisted,
        ]
        for r in board
    ]
    att = []
    for s in sheet:
        a = getattr(s, "attendance", None)
        att.append(
            [
                s.volunteer.person.name,
                s.shift.post.site.name,
                s.shift.post.role,
                t(s.shift.starts_at),
                t(a.checked_in_at) if a else "",
                t(a.checked_out_at) if a else "",
                round(a.service_minutes / 60, 2) if a else 0,
                _("是") if a and a.checkout_missing else "",
            ]
        )
    rank = [
        [r["branch"].name, r["branch"].division.name, r["members"], r["hours"]] for r in ranking
    ]
    return _xlsx(
        [
            (
                _("满岗情况"),
                [
                    _("服务点"),
                    _("岗位"),
                    _("开始"),
                    _("结束"),
                    _("需要"),
                    _("已确认"),
                    _("待审核"),
                    _("候补"),
                ],
                fill,
            ),
            (
                _("考勤表"),
                [
                    _("姓名"),
                    _("服务点"),
                    _("岗位"),
                    _("班次开始"),
                    _("签到"),
                    _("签退"),
                    _("服务时长（小时）"),
                    _("未签退"),
                ],
                att,
            ),
            (_("党支部时长排行"), [_("党支部"), _("区划"), _("人数"), _("服务时长（小时）")], rank),
        ]
    )
