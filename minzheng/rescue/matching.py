"""Family-tracing matcher: ranks missing-person reports for a found person, with reasons.

Pure Python: no Django import here. `selectors.match_candidates` loads candidate reports from
the database (blocked by the keys of this module) and scores them with `score`; the
benchmark builds a `BlockIndex` in memory over a million reports and uses the same keys and
the same `score`.

How a name is compared (every comparison is per name *unit*: the surname — one or two
characters, e.g. 欧阳 — and each given-name character):

* Mandarin: toneless pinyin from pypinyin (`lazy_pinyin`, style NORMAL; initial from style
  INITIALS, final = the rest), and a *fuzzy* form in which the initials z/zh, c/ch, s/sh,
  n/l, f/h, r/l and the finals an/ang, en/eng, in/ing, ian/iang, uan/uang are merged.
* Cantonese: jyutping from pycantonese after OpenCC s2t (simplified → traditional), since
  pycantonese's dictionary is in traditional characters. 黄 and 王 are both wong4.
* Shape: a small hand-made table of similar-looking characters (`matching_tables.CONFUSABLE_GROUPS`), for
  names copied from handwriting or an ID card photo.

Blocking keys (`report_keys` / `query_keys`) are sex + representation + an unordered pair
of units, so a homophone, a misread character or a swapped given name still shares at least
one key with the right report; the surname alone is a second, wider block; a query without a
name is blocked by sex + month last seen. Every block is then narrowed by the birth-year
window (age range ± `AGE_TOLERANCE`) and "found after last seen" before anything is scored.

Score: a weighted mean of feature similarities in [0, 1] (`WEIGHTS`); a feature the query
does not have (no name, no place …) is left out of both sums. `MATCH_THRESHOLD` is the score
from which a candidate is shown as a likely match (calibrated on bench/tracing.py). Staff
decisions are never fed back into the score.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from .matching_tables import (
    COMPOUND_SURNAMES,
    CONFUSABLE_GROUPS,
    DESCRIPTION_WORDS,
    FUZZY_FINALS,
    FUZZY_INITIALS,
    INITIALS,
    SURNAME_JYUTPING,
    SURNAME_PINYIN,
)

# ---------------------------------------------------------------- constants

AGE_TOLERANCE = 10  # years an estimated age may be off
NO_NAME_LOOKBACK_MONTHS = 12  # a query without a name looks at reports of the last 12 months
STAGE1_KEEP = 300  # candidates fully scored per query after the cheap vectorised ranking
MATCH_THRESHOLD = 0.78

WEIGHTS = {"name": 0.45, "age": 0.15, "sex": 0.05, "place": 0.15, "date": 0.12, "description": 0.08}
NEUTRAL = 0.3  # similarity given when the report lacks the field (unknown, not different)


_SHAPE_KEY: dict[str, str] = {}
for _group in CONFUSABLE_GROUPS:
    for _ch in _group:
        _SHAPE_KEY.setdefault(_ch, _group[0])


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ReportRecord:
    """A missing-person report as the matcher sees it. `key` is what results name
    (the report's external_id or id)."""

    key: str
    name: str = ""
    sex: str = ""  # "M" / "F" / ""
    birth_year: int | None = None
    missing_date: dt.date | None = None
    missing_place: str = ""
    division_code: str = ""
    description: str = ""


@dataclass(frozen=True)
class FoundQuery:
    """A found person as the matcher sees it."""

    name: str = ""
    sex: str = ""
    age_min: int | None = None
    age_max: int | None = None
    found_date: dt.date | None = None
    found_place: str = ""
    division_code: str = ""
    description: str = ""
    id: str = ""


@dataclass
class Candidate:
    key: str
    score: float
    reasons: list[str]
    parts: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"external_id": self.key, "score": round(self.score, 4), "reasons": self.reasons}


# ---------------------------------------------------------------- character features


@lru_cache(maxsize=200_000)
def _pinyin(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(text, style=Style.NORMAL, errors="ignore", v_to_u=False)[0] if text else ""


@lru_cache(maxsize=200_000)
def _initial(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    out = lazy_pinyin(text, style=Style.INITIALS, strict=False, errors="ignore")
    return out[0] if out else ""


def fuzzy_syllable(syllable: str) -> str:
    """Merge the fuzzy initials and finals (zh→z, n→l, ang→an …) of one toneless syllable."""
    initial = next((i for i in INITIALS if syllable.startswith(i)), "")
    final = syllable[len(initial) :]
    return FUZZY_INITIALS.get(initial, initial) + FUZZY_FINALS.get(final, final)


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=200_000)
def jyutping(char: str) -> str:
    """Jyutping with tone of one character ("" when pycantonese does not know it)."""
    import pycantonese

    traditional = _s2t().convert(char)
    try:
        pairs = pycantonese.characters_to_jyutping(traditional)
    except Exception:  # pragma: no cover - a dictionary gap must not stop matching
        return ""
    reading = pairs[0][1] if pairs and pairs[0][1] else ""
    return reading.split(" ")[0] if reading else ""


@dataclass(frozen=True)
class Unit:
    """One name unit (surname or a given-name character) in every representation."""

    text: str
    pinyin: str
    fuzzy: str
    jyut: str  # with tones, for reasons
    jyut0: str  # toneless, for comparing
    shape: str


@lru_cache(maxsize=200_000)
def make_unit(text: str, is_surname: bool = False) -> Unit:
    pys, jps = [], []
    if is_surname and text in SURNAME_PINYIN:
        pys = [SURNAME_PINYIN[text]]
    else:
        pys = [_pinyin(ch) or ch for ch in text]
    if is_surname and text in SURNAME_JYUTPING:
        jps = [SURNAME_JYUTPING[text]]
    else:
        jps = [jyutping(ch) or ch for ch in text]
    jyut = " ".join(jps)
    return Unit(
        text=text,
        pinyin="".join(pys),
        fuzzy="".join(fuzzy_syllable(p) for p in pys),
        jyut=jyut,
        jyut0=re.sub(r"\d", "", jyut).replace(" ", ""),
        shape="".join(_SHAPE_KEY.get(ch, ch) for ch in text),
    )


_CJK = re.compile(r"[\u3400-\u9fff]")


def clean_name(name: str) -> str:
    return "".join(_CJK.findall(name or ""))


@lru_cache(maxsize=500_000)
def name_units(name: str) -> tuple[Unit, ...]:
    """Surname unit first, then one unit per given-name character. Empty for no name."""
    name = clean_name(name)
    if not name:
        return ()
    surname = next(
        (s for s in COMPOUND_SURNAMES if name.startswith(s) and len(name) > len(s)), name[0]
    )
    return (make_unit(surname, True), *(make_unit(ch) for ch in name[len(surname) :]))


# ---------------------------------------------------------------- blocking keys

REPRESENTATIONS = ("fuzzy", "jyut0", "shape")
_REP_CODE = {"fuzzy": "m", "jyut0": "j", "shape": "c"}


def _sex_prefixes(sex: str) -> tuple[str, ...]:
    return (sex,) if sex in ("M", "F") else ("M", "F")


def pair_keys(units: Sequence[Unit]) -> set[str]:
    """Unordered pairs of units in each representation (order-free: a swapped given name
    shares them; one wrong character still leaves the pairs of the others)."""
    keys = set()
    for rep in REPRESENTATIONS:
        values = [getattr(u, rep) for u in units]
        for i in range(len(values)):
            for j in range(i + 1, len(values)):
                a, b = sorted((values[i], values[j]))
                keys.add(f"{_REP_CODE[rep]}:{a}|{b}")
    return keys


def surname_keys(units: Sequence[Unit]) -> set[str]:
    return (
        {f"{_REP_CODE[rep]}s:{getattr(units[0], rep)}" for rep in REPRESENTATIONS}
        if units
        else set()
    )


def month_key(day: dt.date) -> str:
    return f"d:{day.year:04d}{day.month:02d}"


def report_keys(report: ReportRecord) -> set[str]:
    """Every blocking key of a report, each prefixed by its sex ("M|…")."""
    units = name_units(report.name)
    raw = pair_keys(units) | surname_keys(units)
    if report.missing_date:
        raw.add(month_key(report.missing_date))
    return {f"{s}|{k}" for s in _sex_prefixes(report.sex) for k in raw}


def query_keys(query: FoundQuery) -> tuple[set[str], set[str]]:
    """(name keys, fallback keys): name keys are pair keys; fallback keys are the surname
    block, or for a query without a name the months last seen that the query looks back on."""
    units = name_units(query.name)
    sexes = _sex_prefixes(query.sex)
    if units:
        pairs = {f"{s}|{k}" for s in sexes for k in pair_keys(units)}
        return pairs, {f"{s}|{k}" for s in sexes for k in surname_keys(units)}
    months = set()
    if query.found_date:
        y, m = query.found_date.year, query.found_date.month
        for _ in range(NO_NAME_LOOKBACK_MONTHS + 1):
            months.add(f"d:{y:04d}{m:02d}")
            y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return set(), {f"{s}|{k}" for s in sexes for k in months}


def birth_year_window(query: FoundQuery) -> tuple[int, int] | None:
    """Birth years a report may have: the estimated age range widened by AGE_TOLERANCE."""
    if not query.found_date or query.age_min is None and query.age_max is None:
        return None
    age_min = query.age_min if query.age_min is not None else query.age_max
    age_max = query.age_max if query.age_max is not None else query.age_min
    return (
        query.found_date.year - age_max - AGE_TOLERANCE,
        query.found_date.year - age_min + AGE_TOLERANCE,
    )


# ---------------------------------------------------------------- similarities


def _unit_similarity(a: Unit, b: Unit) -> tuple[float, str]:
    if a.text == b.text:
        return 1.0, "same"
    if a.pinyin == b.pinyin:
        return 0.9, "mandarin"
    if a.jyut0 == b.jyut0:
        return 0.9, "cantonese"
    if a.fuzzy == b.fuzzy:
        return 0.8, "fuzzy"
    if a.shape == b.shape:
        return 0.8, "shape"
    return 0.0, "none"


def name_similarity(q_units: Sequence[Unit], r_units: Sequence[Unit]) -> tuple[float, list[str]]:
    """Similarity of two names in [0, 1] with the reasons, in Chinese."""
    if not q_units or not r_units:
        return 0.0, []
    if len(q_units) == 1:  # the person gave a surname only
        sim, kind = _unit_similarity(q_units[0], r_units[0])
        if sim == 0:
            return 0.0, []
        return 0.6 * sim, [_("仅姓氏相符（%(s)s）") % {"s": r_units[0].text}] + _kind_reasons(
            [(kind, q_units[0], r_units[0])]
        )
    orders = [list(q_units)]
    q_given = list(q_units[1:])
    if len(q_given) >= 2:
        orders.append([q_units[0], *reversed(q_given)])
    best: tuple[float, list, bool] = (-1.0, [], False)
    for n, order in enumerate(orders):
        pairs = []
        used: set[int] = set()
        total = 0.0
        for i, qu in enumerate(order):
            if len(order) == len(r_units):  # same length: compare position by position
                sim, kind = _unit_similarity(qu, r_units[i])
                pairs.append((kind, qu, r_units[i]))
            else:  # a character missing or extra: best unused unit, surname to surname
                choices = [0] if i == 0 else [j for j in range(1, len(r_units)) if j not in used]
                scored = [(_unit_similarity(qu, r_units[j]), j) for j in choices]
                (sim, kind), j = (
                    max(scored, key=lambda x: x[0][0]) if scored else ((0.0, "none"), -1)
                )
                if j >= 0 and sim > 0:
                    used.add(j)
                    pairs.append((kind, qu, r_units[j]))
            total += sim
        value = total / max(len(order), len(r_units)) * (0.95 if n else 1.0)
        if value > best[0]:
            best = (value, pairs, bool(n))
    value, pairs, swapped = best
    if value <= 0:
        return 0.0, []
    reasons = []
    if all(k == "same" for k, _a, _b in pairs) and len(q_units) == len(r_units) and not swapped:
        reasons.append(_("姓名相同"))
    else:
        reasons += _kind_reasons(pairs)
        if swapped:
            reasons.append(_("名字顺序颠倒"))
        if len(q_units) != len(r_units) or any(k == "none" for k, _a, _b in pairs):
            reasons.append(_("姓名部分相同"))
    return value, reasons


def _kind_reasons(pairs) -> list[str]:
    reasons = []
    kinds = {k for k, _a, _b in pairs}
    if "mandarin" in kinds:
        listed = "、".join(f"{a.text}/{b.text} {b.pinyin}" for k, a, b in pairs if k == "mandarin")
        reasons.append(_("普通话同音（%(x)s）") % {"x": listed})
    if "cantonese" in kinds:
        listed = "、".join(f"{a.text}/{b.text} {b.jyut}" for k, a, b in pairs if k == "cantonese")
        reasons.append(_("粤语读音相同（%(x)s）") % {"x": listed})
    if "fuzzy" in kinds:
        listed = "、".join(
            f"{a.text} {a.pinyin}/{b.text} {b.pinyin}" for k, a, b in pairs if k == "fuzzy"
        )
        reasons.append(_("普通话近音（%(x)s）") % {"x": listed})
    if "shape" in kinds:
        listed = "、".join(f"{a.text}/{b.text}" for k, a, b in pairs if k == "shape")
        reasons.append(_("字形相近（%(x)s）") % {"x": listed})
    return reasons


def age_similarity(query: FoundQuery, birth_year: int | None) -> tuple[float, list[str]]:
    window = birth_year_window(query)
    if window is None:
        return NEUTRAL, []
    if not birth_year:
        return NEUTRAL, []
    age = query.found_date.year - birth_year
    lo = query.age_min if query.age_min is not None else query.age_max
    hi = query.age_max if query.age_max is not None else query.age_min
    if lo <= age <= hi:
        return 1.0, [_("年龄相符（约%(a)d岁）") % {"a": age}]
    off = lo - age if age < lo else age - hi
    if off > AGE_TOLERANCE:
        return 0.0, []
    return max(0.0, 1 - off / (AGE_TOLERANCE + 1)), [
        _("年龄相近（与估计相差约%(d)d岁）") % {"d": off}
    ]


def date_similarity(found: dt.date | None, missing: dt.date | None) -> tuple[float, list[str]]:
    """Found after last seen; closer is better (half score at 60 days)."""
    if not found or not missing:
        return NEUTRAL, []
    days = (found - missing).days
    if days < 0:
        return 0.0, []
    return 1 / (1 + days / 60), [_("走失后%(d)d天被发现") % {"d": days}]


@lru_cache(maxsize=200_000)
def place_sound(text: str) -> str:
    """The place text as fuzzy Mandarin syllables, for place names written down by ear."""
    return " ".join(fuzzy_syllable(_pinyin(ch) or ch) for ch in clean_name(text))


@lru_cache(maxsize=200_000)
def place_jyut(text: str) -> str:
    return " ".join(re.sub(r"\d", "", jyutping(ch) or ch) for ch in clean_name(text))


def place_similarity(query: FoundQuery, place: str, division_code: str) -> tuple[float, list[str]]:
    sims = []
    if query.found_place and place:
        sims.append(fuzz.partial_ratio(query.found_place, place) / 100)
        sims.append(
            0.95 * fuzz.partial_ratio(place_sound(query.found_place), place_sound(place)) / 100
        )
        sims.append(
            0.95 * fuzz.partial_ratio(place_jyut(query.found_place), place_jyut(place)) / 100
        )
    if query.division_code and division_code:
        if query.division_code == division_code:
            sims.append(1.0)
        elif query.division_code[:9] == division_code[:9]:
            sims.append(0.8)
    if not sims:
        return NEUTRAL, []
    sim = max(sims)
    if sim >= 0.6:
        return sim, [_("走失地点相近（%(p)s）") % {"p": place or division_code}]
    return sim, []


def description_words(text: str) -> set[str]:
    return {w for w in DESCRIPTION_WORDS if w in (text or "")}


def description_similarity(query_text: str, report_text: str) -> tuple[float, list[str]]:
    q, r = description_words(query_text), description_words(report_text)
    if not q or not r:
        return NEUTRAL, []
    shared = q & r
    if not shared:
        return 0.0, []
    sim = len(shared) / min(len(q), len(r))
    return sim, [_("体貌特征相符（%(w)s）") % {"w": "、".join(sorted(shared))}]


def _(text: str) -> str:
    """Reasons are written in Chinese here; the app shows them as stored (a Django-free
    module cannot call gettext)."""
    return text


# ---------------------------------------------------------------- score


def score(query: FoundQuery, report: ReportRecord) -> Candidate:
    """Weighted mean of the feature similarities the query has (see WEIGHTS)."""
    parts: dict[str, float] = {}
    reasons: list[str] = []
    q_units = name_units(query.name)
    if q_units:
        parts["name"], why = name_similarity(q_units, name_units(report.name))
        reasons += why
    if query.sex:
        parts["sex"] = 1.0 if query.sex == report.sex else 0.5 if not report.sex else 0.0
        if parts["sex"] == 1.0:
            reasons.append(_("性别相同"))
    for key, (sim, why) in (
        ("age", age_similarity(query, report.birth_year)),
        ("place", place_similarity(query, report.missing_place, report.division_code)),
        ("date", date_similarity(query.found_date, report.missing_date)),
    ):
        parts[key] = sim
        reasons += why
    if query.description:
        parts["description"], why = description_similarity(query.description, report.description)
        reasons += why
    total = sum(WEIGHTS[k] * v for k, v in parts.items()) / sum(WEIGHTS[k] for k in parts)
    return Candidate(key=report.key, score=total, reasons=reasons, parts=parts)


def rank(query: FoundQuery, reports: Iterable[ReportRecord], top: int = 10) -> list[Candidate]:
    """Score every given report (already blocked) and keep the best `top`, best first;
    a report that cannot be the person (other sex, seen after being found, age far off) is
    left out."""
    out = []
    window = birth_year_window(query)
    found = query.found_date
    for report in reports:
        if query.sex and report.sex and query.sex != report.sex:
            continue
        if found and report.missing_date and report.missing_date > found:
            continue
        if window and report.birth_year and not window[0] <= report.birth_year <= window[1]:
            continue
        out.append(score(query, report))
    out.sort(key=lambda c: (-c.score, c.key))
    return out[:top]


def prerank(
    query: FoundQuery,
    records: Sequence[ReportRecord],
    hits: dict[str, float],
    keep: int = STAGE1_KEEP,
) -> list[ReportRecord]:
    """The cheap first ranking of the database path (same terms as BlockIndex.search):
    shared blocking keys, closeness of the date last seen and of the age, place text."""
    if len(records) <= keep:
        return list(records)
    window = birth_year_window(query)
    mid = None
    if window and query.found_date:
        mid = (
            query.found_date.year
            - ((query.age_min or 0) + (query.age_max or query.age_min or 0)) / 2
        )

    def cheap(r: ReportRecord) -> float:
        value = hits.get(r.key, 0.0)
        if query.found_date:
            days = (query.found_date - r.missing_date).days if r.missing_date else 120
            value += 2.0 / (1 + max(days, 0) / 60)
            if mid is not None:
                value += 0.3 if not r.birth_year else 1 - min(abs(r.birth_year - mid), 20) / 20
        if query.found_place and r.missing_place:
            value += fuzz.partial_ratio(query.found_place, r.missing_place) / 50
        return value

    return sorted(records, key=lambda r: (-cheap(r), r.key))[:keep]


# ---------------------------------------------------------------- in-memory index


class BlockIndex:
    """Blocking index over many reports, built once per process: key → array of row numbers,
    with sex, birth year and date last seen as numpy arrays for the vectorised prefilter and
    the cheap first ranking. Used by the benchmark (a million reports); the app's database
    path (`selectors.match_query`) uses the same keys from indexed ReportKey rows."""

    def __init__(self) -> None:
        self.reports: list[ReportRecord] = []
        self._lists: dict[str, list[int]] = defaultdict(list)
        self.blocks: dict = {}

    def add(self, report: ReportRecord) -> None:
        n = len(self.reports)
        self.reports.append(report)
        for key in report_keys(report):
            self._lists[key].append(n)

    def freeze(self) -> BlockIndex:
        import numpy as np

        self.blocks = {k: np.asarray(v, dtype=np.int32) for k, v in self._lists.items()}
        self._lists = defaultdict(list)
        self.birth_year = np.asarray([r.birth_year or 0 for r in self.reports], dtype=np.int32)
        self.missing_ord = np.asarray(
            [r.missing_date.toordinal() if r.missing_date else 0 for r in self.reports],
            dtype=np.int32,
        )
        return self

    def _rows(self, keys: Iterable[str]):
        import numpy as np

        arrays = [self.blocks[k] for k in keys if k in self.blocks]
        return np.concatenate(arrays) if arrays else np.empty(0, dtype=np.int32)

    def search(self, query: FoundQuery, top: int = 10) -> list[Candidate]:
        import numpy as np

        name_keys, fallback_keys = query_keys(query)
        pair_rows = self._rows(name_keys)
        fallback_rows = self._rows(fallback_keys)
        rows = np.concatenate([pair_rows, fallback_rows])
        if rows.size == 0:
            return []
        # Hits: 1 per shared pair key, 0.5 per shared surname key (documented cheap ranking).
        weights = np.concatenate(
            [
                np.ones(pair_rows.size),
                np.full(fallback_rows.size, 0.5 if name_keys or query.name else 0.0),
            ]
        )
        rows, inverse = np.unique(rows, return_inverse=True)
        hits = np.bincount(inverse, weights=weights)
        keep = np.ones(rows.size, dtype=bool)
        by = self.birth_year[rows]
        window = birth_year_window(query)
        if window:
            keep &= (by == 0) | ((by >= window[0]) & (by <= window[1]))
        md = self.missing_ord[rows]
        if query.found_date:
            found = query.found_date.toordinal()
            keep &= (md == 0) | (md <= found)
        rows, hits, by, md = rows[keep], hits[keep], by[keep], md[keep]
        if rows.size == 0:
            return []
        cheap = hits.astype(float)
        if query.found_date:
            days = np.where(md == 0, 120, query.found_date.toordinal() - md)
            cheap += 2.0 / (1 + days / 60)
            if window:
                mid = (
                    query.found_date.year
                    - ((query.age_min or 0) + (query.age_max or query.age_min or 0)) / 2
                )
                cheap += np.where(by == 0, 0.3, 1 - np.minimum(np.abs(by - mid), 20) / 20)
        if rows.size > 4 * STAGE1_KEEP and query.found_place:
            # Keep a wider slice, then add the place text before the final cut.
            order = np.argsort(-cheap, kind="stable")[: 4 * STAGE1_KEEP]
            rows, cheap = rows[order], cheap[order]
            cheap = cheap + np.asarray(
                [
                    fuzz.partial_ratio(query.found_place, self.reports[i].missing_place) / 50
                    for i in rows
                ]
            )
        order = np.argsort(-cheap, kind="stable")[:STAGE1_KEEP]
        return rank(query, (self.reports[i] for i in rows[order]), top=top)
