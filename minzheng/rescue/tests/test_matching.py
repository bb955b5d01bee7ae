"""The pure matcher: each name variation finds the right report in the top 3 among many
similar reports, through the same blocking index the benchmark uses."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from rapidfuzz import fuzz

from minzheng.registry.names import random_name
from minzheng.rescue import matching
from minzheng.rescue.matching import BlockIndex, FoundQuery, ReportRecord

TARGET = ReportRecord(
    key="T",
    name="黄志强",
    sex="M",
    birth_year=1950,
    missing_date=dt.date(2021, 3, 1),
    missing_place="桂城街道灯湖东路",
    division_code="440605011000",
    description="穿蓝色外套，左脸有痣",
)
PLACES = (
    "桂城街道灯湖东路",
    "九江镇沙头市场",
    "西樵镇官山市场",
    "丹灶镇金沙大道",
    "狮山镇松岗",
    "大沥镇黄岐",
    "里水镇和顺",
)


@pytest.fixture(scope="module")
def index() -> BlockIndex:
    rng = random.Random(7)
    idx = BlockIndex()
    for n in range(3000):
        sex = rng.choice("MF")
        idx.add(
            ReportRecord(
                key=f"R{n}",
                name=random_name(rng, sex),
                sex=sex,
                birth_year=rng.randint(1935, 2010),
                missing_date=dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(900)),
                missing_place=rng.choice(PLACES),
                description="穿灰色夹克",
            )
        )
    # Distractors sharing the name or its sound, but far in time.
    for n, name in enumerate(("黄志强", "王志强", "黄强", "黄志", "黄智强")):
        idx.add(
            ReportRecord(
                key=f"D{n}",
                name=name,
                sex="M",
                birth_year=1950,
                missing_date=dt.date(2019, 5, 1),
                missing_place="狮山镇松岗",
            )
        )
    idx.add(TARGET)
    for key, name in (("Y", "陈己明"), ("O", "欧阳丽芳")):
        idx.add(
            ReportRecord(
                key=key,
                name=name,
                sex="M" if key == "Y" else "F",
                birth_year=1950,
                missing_date=dt.date(2021, 3, 1),
                missing_place="九江镇沙头市场",
            )
        )
    return idx.freeze()


def query(name: str, **kw) -> FoundQuery:
    data = dict(
        name=name,
        sex="M",
        age_min=65,
        age_max=75,
        found_date=dt.date(2021, 3, 5),
        found_place="桂城街道灯湖东路",
    )
    data.update(kw)
    return FoundQuery(**data)


def top3(index, q) -> list[str]:
    return [c.key for c in index.search(q, top=3)]


@pytest.mark.parametrize(
    "name, reason",
    [
        ("黄志墙", "普通话同音"),  # Mandarin homophone 强/墙
        ("黄志枪", "普通话同音"),
        ("黄子强", "粤语读音相同"),  # 子/志: zi in Cantonese, z/zh fuzzy in Mandarin
        ("王志强", "粤语读音相同（王/黄 wong4）"),  # Cantonese homophone
        ("黄强志", "名字顺序颠倒"),  # swapped order
    ],
)
def test_name_variation_finds_report_in_top_3_with_reason(index, name, reason):
    found = index.search(query(name), top=3)
    assert "T" in [c.key for c in found]
    target = next(c for c in found if c.key == "T")
    assert any(reason in r for r in target.reasons)


def test_fuzzy_initial_and_final_find_report(index):
    # zh→z (志→自 zi), qiang→qian (强→钱): fuzzy initial and final together.
    found = index.search(query("黄自钱"), top=3)
    assert "T" in [c.key for c in found]
    assert any("普通话近音" in r for r in next(c for c in found if c.key == "T").reasons)


def test_similar_looking_character_finds_report(index):
    found = index.search(query("陈已明", found_place="九江镇沙头市场"), top=3)
    assert found[0].key == "Y"
    assert "字形相近（已/己）" in found[0].reasons


def test_surname_only_finds_report_by_the_rest(index):
    assert "T" in top3(index, query("黄", description="蓝色外套 痣"))


def test_no_name_finds_report_by_sex_age_place_and_date(index):
    found = index.search(query("", description="蓝色外套 痣"), top=3)
    assert "T" in [c.key for c in found]


@pytest.mark.parametrize("age_min, age_max", [(80, 81), (60, 61), (61, 61)])
def test_age_estimated_wrong_by_up_to_ten_years(index, age_min, age_max):
    assert "T" in top3(index, query("王志强", age_min=age_min, age_max=age_max))


def test_age_off_by_more_than_ten_years_is_not_a_candidate(index):
    assert "T" not in [c.key for c in index.search(query("黄志强", age_min=20, age_max=25), top=10)]


def test_misheard_place_still_scores_as_near(index):
    # 灯湖 heard as 登湖, 桂城 as 贵城
    found = index.search(query("王志强", found_place="贵城登湖东路"), top=3)
    target = next(c for c in found if c.key == "T")
    text_only = fuzz.partial_ratio("贵城登湖东路", TARGET.missing_place) / 100
    assert (
        target.parts["place"] > text_only + 0.1
    )  # the sound of the place counts, not only its characters
    assert any(r.startswith("走失地点相近") for r in target.reasons)


def test_found_before_last_seen_is_never_a_candidate(index):
    assert "T" not in [
        c.key for c in index.search(query("黄志强", found_date=dt.date(2021, 2, 1)), top=10)
    ]


def test_cantonese_keys_make_huang_and_wang_share_a_block():
    huang = matching.report_keys(ReportRecord(key="a", name="黄志强", sex="M"))
    wang = matching.report_keys(ReportRecord(key="b", name="王志强", sex="M"))
    assert "M|j:wong|zi" in huang & wang
    assert matching.jyutping("黄") == matching.jyutping("王") == "wong4"


def test_fuzzy_syllables():
    assert [
        matching.fuzzy_syllable(s)
        for s in ("zhang", "chen", "shi", "nan", "hu", "ri", "jing", "liang", "guang")
    ] == ["zan", "cen", "si", "lan", "fu", "li", "jin", "lian", "guan"]


def test_surname_reading_of_ou_is_au1_in_cantonese():
    assert matching.name_units("区国明")[0].jyut == "au1"
    assert matching.name_units("欧国明")[0].jyut0 == "au"


def test_score_is_deterministic_and_exact_name_scores_highest():
    same = matching.score(query("黄志强"), TARGET)
    homophone = matching.score(query("王志强"), TARGET)
    assert same.reasons[0] == "姓名相同"
    assert 0 < homophone.score < same.score <= 1
    assert matching.score(query("王志强"), TARGET).score == homophone.score
