"""The Qingming policy parameters, read through core.params with a short per-process cache.

The booking path reads seven parameters per request; at the opening burst that would be
seven queries per booking. booking_params() resolves them from a per-process snapshot of
every Qingming parameter row (one query, reloaded after PARAMS_TTL seconds), so a changed
parameter is in force for new requests within that time, and the number of cemeteries and
days does not multiply the queries.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from minzheng.core.params import ParameterMissing, ParameterSet, parameter_value, parse_value

PARAMS_TTL = 10.0

# key -> (name, value, value_type, unit). Created by migration 0002 as illustrative values:
# no public source gives Nanhai's numbers (shared/data/README.md, "Qingming").
DEFAULTS: dict[str, tuple[str, str, str, str]] = {
    "qingming_party_max": ("清明预约每单最多人数", "5", "integer", "人"),
    "qingming_id_per_day": ("同一证件每日最多预约次数", "1", "integer", "次"),
    "qingming_id_per_season": ("同一证件每季最多预约次数", "3", "integer", "次"),
    "qingming_booking_close_minutes": ("时段开始前停止预约", "30", "integer", "分钟"),
    "qingming_cancel_deadline_hours": ("时段开始前可取消预约的最晚时间", "2", "integer", "小时"),
    "qingming_no_show_block": ("本季爽约达到此次数后停止预约（0 为不限制）", "2", "integer", "次"),
    "qingming_allow_reentry": ("离园后允许凭同一预约再次入园", "false", "boolean", ""),
    "qingming_live_warning_ratio": ("园内人数预警比例", "0.8", "decimal", ""),
    "qingming_season_days_before": ("祭扫季从清明前几天开始", "10", "integer", "天"),
    "qingming_season_days_after": ("祭扫季到清明后几天结束", "5", "integer", "天"),
    "qingming_booking_open_days_ahead": ("首日前几天开放预约", "7", "integer", "天"),
    "qingming_proxy_fee": ("代客祭扫服务费", "80.00", "decimal", "元"),
    "qingming_proxy_free_age": ("代客祭扫免费的年龄", "80", "integer", "周岁"),
}
DEFAULTS_SOURCE = "示例取值：未找到南海区公开依据，上线前按区民政局通知核定"
# The same, as rows for core.services.parameters_ensure_defaults (migration 0002).
DEFAULT_ROWS = tuple(
    (key, name, value, value_type, unit, dt.date(2020, 1, 1), DEFAULTS_SOURCE, True)
    for key, (name, value, value_type, unit) in DEFAULTS.items()
)


@dataclass(frozen=True)
class BookingParams:
    party_max: int
    id_per_day: int
    id_per_season: int
    close_minutes: int
    cancel_hours: int
    no_show_block: int
    allow_reentry: bool

    @property
    def no_show_cap(self) -> int:
        """The no-show count from which booking is refused (a huge number when off)."""
        return self.no_show_block if self.no_show_block > 0 else 1_000_000


class _Snapshot:
    """All Qingming parameter rows (one query) and the BookingParams resolved from them."""

    def __init__(self):
        self.loaded_at = time.monotonic()
        self.rows = ParameterSet(DEFAULTS)
        self.booking: dict[tuple[str, dt.date], BookingParams] = {}


_snapshot: _Snapshot | None = None
_lock = threading.Lock()


def _current() -> _Snapshot:
    global _snapshot
    with _lock:
        snap = _snapshot
    if snap is None or time.monotonic() - snap.loaded_at >= PARAMS_TTL:
        snap = _Snapshot()
        with _lock:
            _snapshot = snap
    return snap


def value(key: str, *, on: dt.date, division_code: str | None = None):
    """One parameter's value (read fresh); the shipped default when no row is in force
    (a fresh database before migration 0002 has run never reaches here in practice)."""
    try:
        return parameter_value(key, on=on, division_code=division_code).value
    except ParameterMissing:
        return _default(key)


def _default(key: str):
    _, raw, value_type, _ = DEFAULTS[key]
    return parse_value(raw, value_type)


def booking_params(*, division_code: str, on: dt.date) -> BookingParams:
    """The booking rules for a cemetery's division on a day, from the cached snapshot."""
    snap = _current()
    params = snap.booking.get((division_code, on))
    if params is not None:
        return params

    def get(name: str):
        try:
            return snap.rows.value(name, on=on, division_code=division_code).value
        except ParameterMissing:
            return _default(name)

    params = BookingParams(
        party_max=int(get("qingming_party_max")),
        id_per_day=int(get("qingming_id_per_day")),
        id_per_season=int(get("qingming_id_per_season")),
        close_minutes=int(get("qingming_booking_close_minutes")),
        cancel_hours=int(get("qingming_cancel_deadline_hours")),
        no_show_block=int(get("qingming_no_show_block")),
        allow_reentry=bool(get("qingming_allow_reentry")),
    )
    snap.booking[(division_code, on)] = params
    return params


def clear_cache() -> None:
    global _snapshot
    with _lock:
        _snapshot = None


def decimal_value(key: str, *, on: dt.date, division_code: str | None = None) -> Decimal:
    return Decimal(str(value(key, on=on, division_code=division_code)))
