"""Data for bench/tracing.py: a million missing-person reports with realistic names, and
found-person queries made by perturbing known reports the ways the rescue station meets.

Names come from minzheng/registry/names.py (random_name). Homophone and look-alike
replacements draw from the 3,755 level-1 characters of GB 2312 (the everyday characters),
so a perturbed name is something a clerk could really have written down.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from functools import lru_cache

from minzheng.registry.names import random_name
from minzheng.rescue import matching, matching_tables
from minzheng.rescue.matching import FoundQuery, ReportRecord

TOWNS = {
    "440605011000": (
        "桂城街道",
        ("灯湖东路", "南海大道", "千灯湖公园", "桂澜路", "平洲地铁站", "叠滘", "夏北"),
    ),
    "440605121000": ("九江镇", ("沙头市场", "九江大道", "儒林文化广场", "下西", "龙涌")),
    "440605122000": ("西樵镇", ("西樵山", "官山市场", "樵园", "民乐", "太平")),
    "440605123000": ("丹灶镇", ("金沙大道", "仙湖", "丹灶市场", "西城", "联沙")),
    "440605124000": ("狮山镇", ("松岗", "罗村", "小塘", "官窑", "大学城")),
    "440605125000": ("大沥镇", ("黄岐", "盐步", "大沥汽车站", "钟边", "奇槎")),
    "440605126000": ("里水镇", ("里水河", "和顺", "梦里水乡", "草场", "沙涌")),
}
PLACES = [(code, town + spot) for code, (town, spots) in TOWNS.items() for spot in spots]
WORDS = (
    "穿蓝色外套",
    "穿灰色夹克",
    "穿红色衬衫",
    "穿黑色长裤",
    "穿拖鞋",
    "穿运动鞋",
    "戴眼镜",
    "白发",
    "光头",
    "左脸有痣",
    "右手有疤",
    "驼背",
    "拄拐杖",
    "说粤语",
    "说客家话",
    "偏瘦",
    "偏胖",
    "戴帽",
    "背包",
    "戴佛珠",
    "穿格子衬衫",
    "缺牙",
)
START = dt.date(2016, 1, 1)
END = dt.date(2025, 12, 31)
KINDS = (
    "exact",
    "mandarin_homophone",
    "fuzzy_sound",
    "cantonese_homophone",
    "similar_looking",
    "swapped_order",
    "surname_only",
    "no_name",
    "age_off_10",
    "misheard_place",
)


@lru_cache(maxsize=1)
def common_chars() -> str:
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


@lru_cache(maxsize=1)
def sound_tables():
    """pinyin → chars, fuzzy pinyin → chars, toneless jyutping → chars, over the common chars."""
    by_pinyin, by_fuzzy, by_jyut = defaultdict(list), defaultdict(list), defaultdict(list)
    for ch in common_chars():
        unit = matching.make_unit(ch)
        by_pinyin[unit.pinyin].append(ch)
        by_fuzzy[unit.fuzzy].append(ch)
        if unit.jyut0 and unit.jyut0 != ch:
            by_jyut[unit.jyut0].append(ch)
    return by_pinyin, by_fuzzy, by_jyut


def make_reports(n: int, seed: int) -> list[ReportRecord]:
    rng = random.Random(seed)
    span = (END - START).days
    descriptions = {}
    out = []
    for i in range(n):
        sex = "M" if rng.random() < 0.55 else "F"
        birth_year = rng.randint(1930, 2012)
        missing = START + dt.timedelta(days=rng.randrange(span))
        code, place = rng.choice(PLACES)
        pair = tuple(sorted(rng.sample(range(len(WORDS)), 2)))
        if pair not in descriptions:
            descriptions[pair] = "，".join(WORDS[j] for j in pair)
        out.append(
            ReportRecord(
                key=f"R{i:07d}",
                name=random_name(rng, sex),
                sex=sex,
                birth_year=birth_year if rng.random() < 0.95 else None,
                missing_date=missing,
                missing_place=place,
                division_code=code,
                description=descriptions[pair],
            )
        )
    return out


# ---------------------------------------------------------------- perturbations


def _replace_one(rng, name: str, table_key, tables, different) -> str | None:
    positions = list(range(len(name)))
    rng.shuffle(positions)
    for pos in positions:
        unit = matching.make_unit(name[pos], pos == 0)
        options = [
            c
            for c in tables.get(table_key(unit), ())
            if c != name[pos] and different(matching.make_unit(c), unit)
        ]
        if options:
            return name[:pos] + rng.choice(options) + name[pos + 1 :]
    return None


def perturb_name(rng: random.Random, name: str, kind: str) -> str | None:
    by_pinyin, by_fuzzy, by_jyut = sound_tables()
    if kind in ("exact", "misheard_place"):
        return name
    if kind in ("mandarin_homophone", "age_off_10"):
        return _replace_one(rng, name, lambda u: u.pinyin, by_pinyin, lambda a, b: True)
    if kind == "fuzzy_sound":
        return _replace_one(
            rng, name, lambda u: u.fuzzy, by_fuzzy, lambda a, b: a.pinyin != b.pinyin
        )
    if kind == "cantonese_homophone":
        return _replace_one(rng, name, lambda u: u.jyut0, by_jyut, lambda a, b: a.fuzzy != b.fuzzy)
    if kind == "similar_looking":
        positions = [
            i
            for i, ch in enumerate(name)
            if any(ch in g for g in matching_tables.CONFUSABLE_GROUPS)
        ]
        if not positions:
            return None
        pos = rng.choice(positions)
        group = next(g for g in matching_tables.CONFUSABLE_GROUPS if name[pos] in g)
        return name[:pos] + rng.choice([c for c in group if c != name[pos]]) + name[pos + 1 :]
    if kind == "swapped_order":
        units = matching.name_units(name)
        if len(units) != 3:
            return None
        return units[0].text + units[2].text + units[1].text
    if kind == "surname_only":
        return matching.name_units(name)[0].text
    if kind == "no_name":
        return ""
    raise ValueError(kind)


def misheard(rng: random.Random, place: str) -> str:
    """Two characters of the place replaced by Mandarin or Cantonese homophones."""
    by_pinyin, _f, by_jyut = sound_tables()
    chars = list(place)
    positions = [
        i for i, ch in enumerate(chars) if len(by_pinyin.get(matching.make_unit(ch).pinyin, ())) > 1
    ]
    for pos in rng.sample(positions, min(2, len(positions))):
        unit = matching.make_unit(chars[pos])
        options = [
            c for c in by_pinyin[unit.pinyin] + by_jyut.get(unit.jyut0, []) if c != chars[pos]
        ]
        chars[pos] = rng.choice(options)
    return "".join(chars)


def query_for(rng: random.Random, report: ReportRecord, kind: str) -> FoundQuery | None:
    name = perturb_name(rng, report.name, kind)
    if name is None or not report.birth_year:
        return None
    found = report.missing_date + dt.timedelta(days=rng.randint(0, 30))
    age = found.year - report.birth_year
    width = rng.randint(2, 5)
    if kind == "age_off_10":  # the true age lies outside the estimate by 6 to 10 years
        off = rng.randint(6, 10)
        if rng.random() < 0.5 or age - off < width:
            lo = age + off
            hi = lo + width
        else:
            hi = age - off
            lo = hi - width
    else:  # an estimate around the true age, off by up to 3 years
        centre = max(age + rng.randint(-3, 3), 0)
        lo, hi = max(centre - width, 0), centre + width
    place = (
        misheard(rng, report.missing_place) if kind == "misheard_place" else report.missing_place
    )
    words = report.description.split("，")
    description = "，".join(rng.sample(words, rng.randint(1, len(words))))
    return FoundQuery(
        id=f"{kind}:{report.key}",
        name=name,
        sex=report.sex,
        age_min=lo,
        age_max=hi,
        found_date=found,
        found_place=place,
        description=description,
    )


def no_match_query(rng: random.Random, n: int) -> FoundQuery:
    """A found person with no report: a fresh random person (its name may well be shared
    by reports, as real names are)."""
    sex = rng.choice("MF")
    age = rng.randint(8, 90)
    found = START + dt.timedelta(days=rng.randrange((END - START).days))
    return FoundQuery(
        id=f"none:{n}",
        name=random_name(rng, sex),
        sex=sex,
        age_min=max(age - 3, 0),
        age_max=age + 3,
        found_date=found,
        found_place=rng.choice(PLACES)[1],
        description=rng.choice(WORDS),
    )


def make_queries(
    reports: list[ReportRecord], per_kind: int, no_match: int, seed: int
) -> list[tuple[str, str | None, FoundQuery]]:
    """(kind, true report key or None, query)."""
    rng = random.Random(seed)
    out = []
    for kind in KINDS:
        made = 0
        while made < per_kind:
            report = reports[rng.randrange(len(reports))]
            q = query_for(rng, report, kind)
            if q is not None:
                out.append((kind, report.key, q))
                made += 1
    out += [("no_match", None, no_match_query(rng, n)) for n in range(no_match)]
    return out
