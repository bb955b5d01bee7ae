"""manage.py rescue_match --input QUERIES.jsonl --top 10 --output RESULTS.jsonl

Each input line is a found person as JSON (id, name, sex, age_min, age_max, found_date,
found_place, description); each output line is {id, candidates: [{external_id, score,
reasons}]}. Every line is read and checked before anything is matched or written.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from minzheng.rescue import matching
from minzheng.rescue.selectors import match_query


def parse_line(number: int, line: str) -> matching.FoundQuery:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"第 {number} 行不是有效的 JSON：{exc.msg}（第 {exc.colno} 列）。"
        ) from None
    if not isinstance(data, dict):
        raise CommandError(f"第 {number} 行应为一个 JSON 对象。")
    try:
        found = dt.date.fromisoformat(data["found_date"]) if data.get("found_date") else None
        ages = [
            int(data[k]) if data.get(k) not in (None, "") else None for k in ("age_min", "age_max")
        ]
    except (ValueError, TypeError) as exc:
        raise CommandError(f"第 {number} 行的日期或年龄无效：{exc}。") from None
    if ages[0] is not None and ages[1] is not None and ages[0] > ages[1]:
        raise CommandError(f"第 {number} 行的 age_min 大于 age_max。")
    sex = str(data.get("sex") or "").upper()
    if sex not in ("", "M", "F"):
        raise CommandError(f"第 {number} 行的 sex 应为 M、F 或空。")
    return matching.FoundQuery(
        id=str(data.get("id", number)),
        name=str(data.get("name") or ""),
        sex=sex,
        age_min=ages[0],
        age_max=ages[1],
        found_date=found,
        found_place=str(data.get("found_place") or ""),
        description=str(data.get("description") or ""),
        division_code=str(data.get("found_division") or ""),
    )


class Command(BaseCommand):
    help = "批量寻亲比对：每行一个受助人员（JSON），输出每人的候选寻亲登记。"

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True)
        parser.add_argument("--output", required=True)
        parser.add_argument("--top", type=int, default=10)

    def handle(self, *args, input: str, output: str, top: int, **options):
        if not 1 <= top <= 100:
            raise CommandError("--top 应在 1 到 100 之间。")
        try:
            with open(input, encoding="utf-8") as fh:
                queries = [
                    parse_line(n, line) for n, line in enumerate(fh, start=1) if line.strip()
                ]
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取输入文件：{exc}") from exc
        results = [
            {"id": q.id, "candidates": [c.as_dict() for c in match_query(q, top=top)]}
            for q in queries
        ]
        with open(output, "w", encoding="utf-8") as fh:
            for row in results:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.stdout.write(f"已比对 {len(results)} 人，结果写入 {output}。")
