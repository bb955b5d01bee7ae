"""The monthly settlement statement of one funeral home: xlsx and PDF, built from the same
rows (the month's exempted services with items and amounts, and the totals)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from .models import FuneralHome, ServiceRecord, Settlement
from .rules import ITEMS
from .selectors import month_services, posted_settlement

HEADERS = [
    "序号",
    "服务日期",
    "申请编号",
    "逝者姓名",
    "身份证号码",
    *[i.name for i in ITEMS],
    "免除金额（元）",
    "结算状态",
]


@dataclass
class Statement:
    home: FuneralHome
    month: dt.date
    services: list[ServiceRecord]
    count: int
    total: Decimal
    item_totals: dict[str, Decimal]
    settlement: Settlement | None

    @property
    def title(self) -> str:
        return f"{self.home.name} {self.month:%Y年%-m月} 基本殡葬服务费用免除结算单"


def statement_for(*, home: FuneralHome, month: dt.date) -> Statement:
    services = list(month_services(home=home, month=month))
    item_totals = {i.code: Decimal("0.00") for i in ITEMS}
    for s in services:
        for line in s.items:
            item_totals[line["code"]] += Decimal(line["amount"])
    total = sum((s.amount for s in services), Decimal("0.00"))
    return Statement(
        home,
        month,
        services,
        len(services),
        total,
        item_totals,
        posted_settlement(home=home, month=month),
    )


def _item_cells(service: ServiceRecord) -> list[str]:
    by_code = {line["code"]: line for line in service.items}
    return [
        f"{by_code[i.code].get('covered', by_code[i.code]['qty'])}{i.unit} {by_code[i.code]['amount']}"
        if i.code in by_code
        else ""
        for i in ITEMS
    ]


def _status(service: ServiceRecord) -> str:
    return "已结算" if service.settlement_id else "待结算"


def statement_xlsx(statement: Statement) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = f"{statement.month:%Y-%m}"
    ws.append([statement.title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(
        [
            "殡仪馆",
            statement.home.name,
            "结算月份",
            f"{statement.month:%Y-%m}",
            "人数",
            statement.count,
            "免除金额合计（元）",
            float(statement.total),
        ]
    )
    ws.append(HEADERS)
    for n, s in enumerate(statement.services, 1):
        ws.append(
            [
                n,
                s.service_date.isoformat(),
                s.application.number,
                s.deceased_name,
                s.deceased_id_masked,
                *_item_cells(s),
                float(s.amount),
                _status(s),
            ]
        )
    ws.append(
        [
            "合计",
            "",
            "",
            f"{statement.count} 人",
            "",
            *[float(statement.item_totals[i.code]) for i in ITEMS],
            float(statement.total),
            "",
        ]
    )
    for row in ws.iter_rows(min_row=4, min_col=len(HEADERS) - 1, max_col=len(HEADERS) - 1):
        for cell in row:
            cell.number_format = "#,##0.00"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def statement_pdf(statement: Statement) -> bytes:
    from reportlab.lib.units import mm

    from minzheng.core import pdf

    s = statement.settlement
    settled = (
        f"已于 {s.posted_on:%Y年%-m月%-d日} 结算入账（第 {s.revision} 版，凭证 {s.entry_id}）"
        if s
        else "尚未结算入账"
    )
    flowables = [
        pdf.para(statement.title, "title"),
        pdf.para(
            f"殡仪馆：{statement.home.name}　结算月份：{statement.month:%Y年%-m月}", "subtitle"
        ),
        pdf.Spacer(1, 8),
        pdf.para(
            f"本月免除 {statement.count} 人，免除金额合计 {statement.total:,.2f} 元。{settled}。"
        ),
        pdf.para(
            "依据：粤民发〔2015〕37号，本区户籍逝者火化的，七项基本殡葬服务费用予以免除；收费标准为政策参数（示例值）。",
            "small",
        ),
        pdf.Spacer(1, 6),
        pdf.para("分项合计", "heading"),
        pdf.table(
            [
                ["项目", "金额（元）"],
                *[[i.name, f"{statement.item_totals[i.code]:,.2f}"] for i in ITEMS],
                ["合计", f"{statement.total:,.2f}"],
            ]
        ),
        pdf.para("免除明细", "heading"),
        pdf.table(
            [
                ["序号", "服务日期", "申请编号", "逝者", "免除项目", "金额（元）"],
                *[
                    [
                        str(n),
                        f"{x.service_date:%Y-%m-%d}",
                        x.application.number,
                        x.deceased_name,
                        "、".join(f"{line['name']}{line['qty']}{line['unit']}" for line in x.items),
                        f"{x.amount:,.2f}",
                    ]
                    for n, x in enumerate(statement.services, 1)
                ],
                ["合计", "", "", f"{statement.count} 人", "", f"{statement.total:,.2f}"],
            ],
            col_widths=[w * mm for w in (11, 22, 28, 20, 60, 25)],
        ),
        pdf.Spacer(1, 14),
        pdf.para("殡仪馆（盖章）：　　　　　　　　区民政局审核：　　　　　　　　日期：", "body"),
    ]
    return pdf.build(title=statement.title, flowables=flowables)
