"""Policy of the study app as plain functions: points and caps, answer normalisation and
scoring (多选、少选、错选均不得分), the streak."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.utils.translation import gettext as _

# (key, name, value, unit): illustrative defaults in the manner of 学习强国's daily caps;
# no public source sets the bureau's numbers, so officers edit them as policy parameters.
PARAMETER_SOURCE = "南海区民政局党史学习教育安排（示例值，参照“学习强国”积分规则的做法）"
# (key, name, value, type, unit, valid_from, source, illustrative): the rows migration 0002
# creates through core.services.parameters_ensure_defaults.
PARAMETER_DEFAULTS = [
    (key, name, value, "integer", unit, dt.date(2021, 1, 1), PARAMETER_SOURCE, True)
    for key, name, value, unit in (
        ("learning_minutes_per_point", "每日一学：每多少分钟计 1 分", "6", "分钟"),
        ("learning_daily_points_cap", "每日一学：每日积分上限", "6", "分"),
        ("learning_daily_minutes_cap", "每日一学：每日可记学习时长上限", "180", "分钟"),
        ("learning_checkin_max_minutes", "每日一学：单次打卡时长上限", "120", "分钟"),
    )
]
SET_BOOKS = ("中国共产党简史", "论中国共产党历史")
JUDGE_OPTIONS = [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]


def points_for(*, minutes: int, minutes_per_point: int, points_today: int, cap: int) -> int:
    """Points a check-in earns: one per `minutes_per_point`, no more than the day has left."""
    return max(0, min(minutes // max(1, minutes_per_point), cap - points_today))


def option_keys(options: list[dict]) -> list[str]:
    return [str(o.get("key", "")) for o in options]


def normalise_text(value: str) -> str:
    """Fill-in answers compare without width, case or surrounding punctuation differences."""
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return "".join(text.split()).strip("。.，,；;")


def normalise_answer(kind: str, options: list[dict], value) -> str:
    """The answer as stored, or ValueError with the Chinese message. Refuses an option
    that is not on the question (a forged option)."""
    keys = option_keys(options)
    if kind in ("single", "judge"):
        if isinstance(value, bool) and kind == "judge":
            value = "T" if value else "F"
        if not isinstance(value, str) or not value.strip():
            raise ValueError(_("请选择一个选项。"))
        value = value.strip().upper()
        if value not in keys:
            raise ValueError(_("选项“%(v)s”不在本题的选项中。") % {"v": value[:10]})
        return value
    if kind == "multiple":
        if isinstance(value, str):
            value = list(value.replace(",", "").replace(" ", ""))
        if not isinstance(value, list) or not value:
            raise ValueError(_("请至少选择一个选项。"))
        chosen = []
        for v in value:
            if not isinstance(v, str) or v.strip().upper() not in keys:
                raise ValueError(_("选项“%(v)s”不在本题的选项中。") % {"v": str(v)[:10]})
            chosen.append(v.strip().upper())
        if len(set(chosen)) != len(chosen):
            raise ValueError(_("同一选项不能重复选择。"))
        return "".join(sorted(chosen))
    if kind == "fill":
        if not isinstance(value, str) or not value.strip():
            raise ValueError(_("请填写答案。"))
        if len(value) > 200:
            raise ValueError(_("答案不能超过 200 个字符。"))
        return value.strip()
    raise ValueError(_("题型不正确。"))


def is_correct(kind: str, correct: str, given: str) -> bool:
    """Exactly right or nothing: a multiple-choice answer with one option missing or one
    too many scores 0, as a wrong one does."""
    if not given:
        return False
    if kind == "fill":
        accepted = {normalise_text(a) for a in correct.split("|") if a.strip()}
        return normalise_text(given) in accepted
    if kind == "multiple":
        return "".join(sorted(given)) == "".join(sorted(correct))
    return given == correct


def streak(days: list[dt.date], today: dt.date) -> int:
    """Consecutive days of study ending today (or yesterday, when today is not done yet)."""
    have = set(days)
    day = today if today in have else today - dt.timedelta(days=1)
    count = 0
    while day in have:
        count += 1
        day -= dt.timedelta(days=1)
    return count
