"""Rescue rules as plain data and functions: the case state table, upload limits, what a
public notice may show."""

from __future__ import annotations

from minzheng.core.workflow import START, Move

from .models import CaseState

S = CaseState
# The declared workflow of a case (core.workflow moves: name, sources, target, label). Every
# change writes a CaseTransition row; RETURNED closes the case and is reached only through a
# return home, TO_RETURN only through a confirmed match.
MOVES: tuple[Move, ...] = (
    Move("intake", (START,), S.CHECKED_IN, "入站登记", "rescue.add_case"),
    Move(
        "check_in",
        (S.CHECKED_OUT, S.TRANSFERRED, S.TO_RETURN),
        S.CHECKED_IN,
        "重新入站",
        "rescue.change_case",
    ),
    Move("check_out", (S.CHECKED_IN,), S.CHECKED_OUT, "离站", "rescue.change_case"),
    Move("transfer", (S.CHECKED_IN,), S.TRANSFERRED, "转介", "rescue.change_case"),
    Move(
        "to_return",
        (S.CHECKED_IN, S.CHECKED_OUT, S.TRANSFERRED),
        S.TO_RETURN,
        "确认寻亲，待送返",
        "rescue.decide_match",
    ),
    Move(
        "return_home",
        (S.CHECKED_IN, S.CHECKED_OUT, S.TRANSFERRED, S.TO_RETURN),
        S.RETURNED,
        "送返结案",
        "rescue.change_case",
    ),
)
# from → allowed targets, derived from the moves.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    state: tuple(dict.fromkeys(m.target for m in MOVES if state in m.sources)) for state in S.values
}
OPEN_STATES = (S.CHECKED_IN, S.CHECKED_OUT, S.TRANSFERRED, S.TO_RETURN)
# States a staff member may choose by hand (to_return comes from a confirmed match,
# returned from a return home).
MANUAL_TARGETS = (S.CHECKED_IN, S.CHECKED_OUT, S.TRANSFERRED)


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, ())


# Upload limits: technical limits of the station's files, not policy numbers.
PHOTO_TYPES = (".jpg", ".jpeg", ".png")
PHOTO_MAX_BYTES = 5 * 1024 * 1024
AUDIO_TYPES = (".mp3", ".wav", ".m4a")
AUDIO_MAX_BYTES = 20 * 1024 * 1024

AGE_LIMIT = 120
TOP_CANDIDATES = 10  # candidates stored per case
LONG_STAY_PARAMETER = "rescue_long_stay_days"
LONG_STAY_DEFAULT_DAYS = 30  # used only until the parameter row exists (the demo step creates it)

# What a notice may show on the portal: everything that helps a family recognise the
# person, nothing else. Health and mental state, belongings, fingerprint/DNA references,
# the station's internal number and anything about the family are never copied to a notice.
NOTICE_FROM_CASE = (
    "told_name",
    "sex",
    "age_min",
    "age_max",
    "found_date",
    "found_place",
    "dialect",
)


def notice_appearance(case) -> str:
    parts = []
    if case.height_cm:
        parts.append(f"身高约{case.height_cm}厘米")
    parts += [x for x in (case.build, case.marks, case.clothing) if x]
    return "；".join(parts)
