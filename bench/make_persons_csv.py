"""Generate a person-import CSV of realistic (but made-up) Nanhai residents.

    python bench/make_persons_csv.py 1000000 bench/.cache/persons-1000000.csv [--seed 20240601]

Rows come in households of 1–5 members (head first) that share a 户编号 and live in one
real Nanhai community (codes from minzheng/core/fixtures/divisions_nanhai.csv). ID numbers
carry the right check character, a sex digit matching the 性别 column and the Nanhai
address code that was current in the birth year (440622 up to 1991, 440682 for
1992–2001, 440605 from 2002). Output is deterministic for a given seed and row count.

Standalone: no Django needed, so it can run before the project is set up.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIVISIONS_CSV = ROOT / "minzheng" / "core" / "fixtures" / "divisions_nanhai.csv"

# Must match minzheng.registry.imports.COLUMNS (the import template's header row).
HEADER = [
    "姓名*",
    "身份证号码",
    "性别",
    "出生日期",
    "手机号码",
    "户籍地区划代码",
    "居住地区划代码*",
    "居住地址",
    "户编号",
    "与户主关系",
]

# Surnames weighted roughly as in the Pearl River Delta (Cantonese 区/麦/冼 included).
SURNAMES = (
    "陈" * 12
    + "李" * 8
    + "黄" * 8
    + "梁" * 7
    + "张" * 5
    + "林" * 5
    + "何" * 5
    + "吴" * 4
    + "刘" * 4
    + "关" * 3
    + "罗" * 3
    + "郑" * 3
    + "冯" * 3
    + "麦" * 3
    + "潘" * 3
    + "邓" * 3
    + "谢" * 2
    + "杨" * 2
    + "区" * 2
    + "叶" * 2
    + "伍" * 2
    + "周" * 2
    + "钟" * 2
    + "冼" * 2
    + "卢"
    + "苏"
    + "曾"
    + "彭"
    + "严"
    + "朱"
    + "胡"
    + "余"
    + "蔡"
    + "邵"
    + "简"
    + "霍"
    + "庞"
)
MALE_CHARS = "伟强军华明建国志斌杰俊浩文辉锦荣家耀汉嘉铭振宇子轩豪健永森德福民兴旭峰炳根"
FEMALE_CHARS = "丽芳敏静婷燕玲霞红娟秀慧琳洁雪梅萍莹嘉欣晓颖诗雅淑桂凤彩珍慧敏思怡佩仪翠"
COMMON_CHARS = "子嘉家文志永海天少国卓锦晓小"

STREETS = (
    "南海大道北",
    "桂澜路",
    "海八路",
    "南桂东路",
    "灯湖东路",
    "桂平路",
    "文华北路",
    "石龙南路",
    "建设大道",
    "佛山大道",
    "和顺大道",
    "狮山大道",
    "沿江路",
    "樵园路",
    "里水大道",
    "广佛路",
)
MOBILE_PREFIXES = (
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "182",
    "183",
    "187",
    "188",
    "198",
    "130",
    "131",
    "132",
    "155",
    "156",
    "185",
    "186",
    "166",
    "133",
    "153",
    "180",
    "181",
    "189",
    "177",
    "199",
    "191",
)
# Household sizes 1–5 and their shares.
SIZES = (1, 2, 3, 4, 5)
SIZE_WEIGHTS = (15, 25, 30, 20, 10)

REFERENCE_DAY = dt.date(2025, 6, 30)  # ages are counted back from here
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def prefix_for(year: int) -> str:
    if year >= 2002:
        return "440605"
    if year >= 1992:
        return "440682"
    return "440622"


def load_communities() -> list[tuple[str, str, str]]:
    """(code, community short name, town name) for every community in the fixture."""
    with open(DIVISIONS_CSV, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    towns = {r["code"]: r["name"] for r in rows if r["level"] == "town"}
    out = []
    for r in rows:
        if r["level"] == "community":
            short = r["name"].removesuffix("居委会").removesuffix("村委会")
            out.append((r["code"], short, towns.get(r["parent_code"], "")))
    return out


class Generator:
    def __init__(self, seed: int):
        self.rnd = random.Random(seed)
        self.communities = load_communities()
        self.household_seq: dict[str, int] = {}
        self.id_seq: dict[str, int] = {}  # prefix+date+sex → how many numbers handed out

    def name(self, male: bool, surname: str | None = None) -> str:
        r = self.rnd
        chars = MALE_CHARS if male else FEMALE_CHARS
        given = (
            r.choice(chars)
            if r.random() < 0.25
            else r.choice(COMMON_CHARS + chars) + r.choice(chars)
        )
        return (surname or r.choice(SURNAMES)) + given

    def birth_date(self, age: int) -> dt.date:
        age = max(0, min(age, 100))
        start = REFERENCE_DAY.replace(year=REFERENCE_DAY.year - age - 1) + dt.timedelta(days=1)
        return start + dt.timedelta(days=self.rnd.randrange(365))

    def id_number(self, birth: dt.date, male: bool) -> str:
        prefix = prefix_for(birth.year)
        key = f"{prefix}{birth:%Y%m%d}{int(male)}"
        k = self.id_seq.get(key, 0)
        self.id_seq[key] = k + 1
        # Sequence 001–999: odd for men, even for women; unique per day and sex.
        seq = 2 * k + (1 if male else 2)
        if seq > 999:
            raise RuntimeError("too many people born on one day; lower the row count")
        first17 = f"{prefix}{birth:%Y%m%d}{seq:03d}"
        return first17 + check_character(first17)

    def phone(self, age: int) -> str:
        r = self.rnd
        if age < 16 or r.random() > 0.85:
            return ""
        return r.choice(MOBILE_PREFIXES) + f"{r.randrange(10**8):08d}"

    def household(self) -> list[list[str]]:
        r = self.rnd
        code, community, town = r.choice(self.communities)
        n = self.household_seq.get(code, 0) + 1
        self.household_seq[code] = n
        number = f"{code}{n:05d}"
        address = f"{town}{community}{r.choice(STREETS)}{r.randrange(1, 300)}号"
        if r.random() < 0.6:
            address += f"{r.randrange(1, 30)}{r.randrange(1, 9):02d}房"
        size = r.choices(SIZES, SIZE_WEIGHTS)[0]

        head_age = r.randrange(22, 86)
        head_male = r.random() < 0.7
        surname = r.choice(SURNAMES)
        members = [("户主", head_age, head_male, surname)]
        if size >= 2 and r.random() < 0.85:
            members.append(("配偶", max(20, head_age + r.randrange(-5, 6)), not head_male, None))
        while len(members) < size:
            roll = r.random()
            if roll < 0.15 and head_age + 25 <= 100 and not any(m[0] == "父母" for m in members):
                members.append(("父母", head_age + r.randrange(22, 36), r.random() < 0.4, surname))
            elif roll < 0.25 and head_age >= 50:
                members.append(
                    ("孙子女", max(0, head_age - r.randrange(45, 60)), r.random() < 0.5, surname)
                )
            elif head_age >= 20:
                members.append(
                    ("子女", max(0, head_age - r.randrange(22, 38)), r.random() < 0.5, surname)
                )
            else:
                members.append(
                    ("兄弟姐妹", max(0, head_age + r.randrange(-6, 7)), r.random() < 0.5, surname)
                )

        rows = []
        for relation, age, male, family_name in members:
            birth = self.birth_date(age)
            hukou = (
                code
                if r.random() < 0.85
                else (r.choice(self.communities)[0] if r.random() < 0.4 else "")
            )
            rows.append(
                [
                    self.name(male, family_name),
                    self.id_number(birth, male),
                    "男" if male else "女",
                    birth.isoformat(),
                    self.phone(age),
                    hukou,
                    code,
                    address,
                    number,
                    relation,
                ]
            )
        return rows


def write_csv(rows: int, out: Path, seed: int = 20240601) -> Path:
    """Write `rows` data rows (plus the header) to `out` as UTF-8 with BOM; returns out."""
    out.parent.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed)
    tmp = out.with_suffix(out.suffix + ".part")
    written = 0
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        while written < rows:
            household = gen.household()
            # The last household may be cut short; keep its head so the file stays valid.
            household = household[: rows - written]
            writer.writerows(household)
            written += len(household)
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    write_csv(args.rows, args.out, args.seed)
    print(f"wrote {args.rows:,} rows to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
