"""Realistic Chinese names for demo and benchmark data (Pearl River Delta surnames first).

The lists are written for this project: common surnames of Guangdong with rough weights,
and characters common in given names.
"""

from __future__ import annotations

import random

SURNAMES = (
    ("陈", 12),
    ("李", 7),
    ("黄", 7),
    ("梁", 6),
    ("何", 4),
    ("张", 4),
    ("林", 4),
    ("罗", 3),
    ("周", 3),
    ("吴", 3),
    ("刘", 3),
    ("郑", 3),
    ("谭", 3),
    ("冯", 3),
    ("邓", 3),
    ("麦", 2),
    ("区", 2),
    ("关", 2),
    ("潘", 2),
    ("叶", 2),
    ("蔡", 2),
    ("杨", 2),
    ("卢", 2),
    ("苏", 2),
    ("钟", 2),
    ("谢", 2),
    ("曾", 2),
    ("霍", 1),
    ("招", 1),
    ("岑", 1),
    ("伍", 1),
    ("简", 1),
    ("江", 1),
    ("余", 1),
    ("冼", 1),
    ("庞", 1),
    ("欧阳", 1),
    ("司徒", 1),
    ("王", 2),
    ("朱", 1),
    ("胡", 1),
    ("许", 1),
    ("高", 1),
    ("徐", 1),
)
MALE_CHARS = "伟强国明建华志文军斌俊杰浩宇家豪永健荣辉锦泽铭嘉伦振华耀祖德昌伟雄晓东海波锐鹏"
FEMALE_CHARS = "丽芳敏静婷雪燕玲慧娟颖琳欣怡嘉佩诗雅淑洁美凤霞翠月兰婉晴秀梅碧琼小"
_SURNAME_LIST = [s for s, _w in SURNAMES]
_SURNAME_WEIGHTS = [w for _s, w in SURNAMES]


def random_name(rng: random.Random, sex: str) -> str:
    surname = rng.choices(_SURNAME_LIST, _SURNAME_WEIGHTS)[0]
    pool = MALE_CHARS if sex == "M" else FEMALE_CHARS
    length = 1 if rng.random() < 0.25 else 2
    return surname + "".join(rng.choice(pool) for _ in range(length))
