"""Dispatch optimiser: assign volunteers to posts (one post = one shift at one site).

Pure Python + OR-Tools CP-SAT (and numpy for candidate generation); no Django import, so
`manage.py dispatch_solve`, the workbench and the benchmark all call the same code, and it
can be tested and benchmarked without a database.

Times are integers: minutes since the Unix epoch (UTC). A "day" (for the daily hour limit
and certificate validity) is the local calendar day at `tz_offset_minutes` (Asia/Shanghai:
+480).

Model (CP-SAT):
- x[v, p] is a Boolean for each *eligible* pair only: the volunteer has every required
  skill, a valid (unexpired on the post's day) certificate for every required one, is a
  party member when the post asks for one, and one availability window covers the whole
  post. Fixed (confirmed) pairs always get a variable, fixed to 1.
- headcount: sum_v x[v, p] <= needed[p].
- no overlap: for each volunteer, at every start time of its candidate posts, at most one
  of the candidate posts running at that moment (the maximal cliques of an interval graph).
- daily limit: sum of minutes per volunteer and local day <= max_minutes_per_day.
- objective, lexicographic in two CP-SAT stages:
  1. maximise the number of filled places;
  2. with filled places fixed at that optimum, minimise the secondary cost
     travel (10 m units, haversine) + fairness penalty - preference bonus.
  Fairness: a convex piecewise-linear penalty on the posts a volunteer gets (this plan's
  posts + prior service counted as one post per 3 hours): a post beyond the first costs
  200 units (2 km), beyond the second a further 600, so work is spread instead of piled on
  the nearest volunteers. Counting posts (integer breakpoints, unit coefficients) rather
  than minutes keeps the LP relaxation integral on shift grids, which is what lets CP-SAT
  prove optimality on the 5,000 × 1,000 benchmark.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

TRAVEL_UNITS_PER_KM = 100  # objective unit: 10 m
UNKNOWN_HOME_KM = 5.0  # assumed distance for a volunteer without coordinates
PREFERENCE_BONUS = 300  # = 3 km of travel
FAIR_TIERS = ((1, 200), (2, 600))  # (posts threshold, units per post above it)
PRIOR_UNIT_MINUTES = 180  # prior service counts as one post per 3 hours
DEFAULT_TZ_OFFSET = 480


# ------------------------------------------------------------------ data


@dataclass(frozen=True)
class Volunteer:
    id: str
    skills: frozenset[str] = frozenset()
    available: tuple[tuple[int, int], ...] = ()
    home: tuple[float, float] | None = None
    max_minutes_per_day: int | None = None
    certificates: Mapping[str, int] = field(
        default_factory=dict
    )  # name -> last valid day (days since epoch)
    party_member: bool = False
    prior_minutes: int = 0

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class Post:
    id: str
    start: int
    end: int
    needed: int
    role: str = ""
    site: tuple[float, float] | None = None
    skills: frozenset[str] = frozenset()
    certificates: frozenset[str] = frozenset()
    party_only: bool = False

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass
class Instance:
    volunteers: list[Volunteer]
    posts: list[Post]
    fixed: list[tuple[str, str]] = field(default_factory=list)
    preferences: set[tuple[str, str]] = field(default_factory=set)
    tz_offset_minutes: int = DEFAULT_TZ_OFFSET
    fair_tiers: tuple[tuple[int, int], ...] = FAIR_TIERS  # () = travel and preferences only


@dataclass
class Plan:
    status: str
    assignments: list[tuple[str, str]]
    unfilled: dict[str, dict]  # post id -> {"missing": n, "reason": code, "detail": text}
    objective: dict
    bound: float | None = None
    gap: float | None = None
    wall_seconds: float = 0.0
    stats: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "assignments": [{"volunteer": v, "post": p} for v, p in self.assignments],
            "unfilled": [{"post": p, **info} for p, info in self.unfilled.items()],
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "wall_seconds": round(self.wall_seconds, 3),
            "stats": self.stats,
        }


class InstanceError(ValueError):
    """Bad solver input; `errors` holds one message per problem (path → message)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# ------------------------------------------------------------------ rules


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def travel_km(v: Volunteer, p: Post) -> float:
    if v.home is None or p.site is None:
        return UNKNOWN_HOME_KM
    return haversine_km(v.home, p.site)


def travel_units(v: Volunteer, p: Post) -> int:
    return round(travel_km(v, p) * TRAVEL_UNITS_PER_KM)


def local_day(minute: int, tz_offset: int) -> int:
    return (minute + tz_offset) // 1440


def ineligibility(v: Volunteer, p: Post, tz_offset: int = DEFAULT_TZ_OFFSET) -> str | None:
    """Why v cannot take p (a reason code), or None when eligible."""
    if p.party_only and not v.party_member:
        return "party"
    if not p.skills <= v.skills:
        return "skill"
    day = local_day(p.start, tz_offset)
    for cert in p.certificates:
        if v.certificates.get(cert, -1) < day:
            return "certificate"
    if not any(s <= p.start and p.end <= e for s, e in v.available):
        return "availability"
    if v.max_minutes_per_day is not None and p.minutes > v.max_minutes_per_day:
        return "hours"
    return None


def overlaps(a: Post, b: Post) -> bool:
    return a.start < b.end and b.start < a.end


def prior_posts(v: Volunteer) -> int:
    return v.prior_minutes // PRIOR_UNIT_MINUTES


def fairness_penalty(posts: int, tiers: tuple[tuple[int, int], ...] = FAIR_TIERS) -> int:
    return sum(rate * max(0, posts - threshold) for threshold, rate in tiers)


def evaluate(instance: Instance, assignments: Iterable[tuple[str, str]]) -> dict:
    """The objective terms of a set of assignments (used by both solvers and the tests)."""
    vols = {v.id: v for v in instance.volunteers}
    posts = {p.id: p for p in instance.posts}
    pairs = list(assignments)
    minutes: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    travel = pref = 0
    km = 0.0
    for vid, pid in pairs:
        v, p = vols[vid], posts[pid]
        travel += travel_units(v, p)
        km += travel_km(v, p)
        minutes[vid] += p.minutes
        count[vid] += 1
        pref += (vid, pid) in instance.preferences
    tiers = instance.fair_tiers
    fair = sum(
        fairness_penalty(n + prior_posts(vols[vid]), tiers)
        - fairness_penalty(prior_posts(vols[vid]), tiers)
        for vid, n in count.items()
    )
    return {
        "filled": len(pairs),
        "needed": sum(p.needed for p in instance.posts),
        "travel_km": round(km, 2),
        "travel_units": travel,
        "preferences_honoured": pref,
        "fairness_penalty": fair,
        "max_minutes": max(minutes.values(), default=0),
        "secondary": travel + fair - PREFERENCE_BONUS * pref,
    }


def check_plan(
    instance: Instance, assignments: Iterable[tuple[str, str]], *, require_fixed: bool = True
) -> list[str]:
    """Every rule a plan must respect; returns the violations (empty list = valid)."""
    vols = {v.id: v for v in instance.volunteers}
    posts = {p.id: p for p in instance.posts}
    fixed = set(instance.fixed)
    errors: list[str] = []
    pairs = list(assignments)
    if len(set(pairs)) != len(pairs):
        errors.append("duplicate assignment")
    count: dict[str, int] = defaultdict(int)
    by_vol: dict[str, list[Post]] = defaultdict(list)
    for vid, pid in pairs:
        if vid not in vols or pid not in posts:
            errors.append(f"unknown pair {vid}/{pid}")
            continue
        v, p = vols[vid], posts[pid]
        reason = ineligibility(v, p, instance.tz_offset_minutes)
        if reason and (vid, pid) not in fixed:
            errors.append(f"{vid} not eligible for {pid}: {reason}")
        count[pid] += 1
        by_vol[vid].append(p)
    for pid, n in count.items():
        if n > posts[pid].needed:
            errors.append(f"{pid} over headcount {n} > {posts[pid].needed}")
    for vid, ps in by_vol.items():
        ps.sort(key=lambda p: p.start)
        for a, b in zip(ps, ps[1:], strict=False):
            if overlaps(a, b):
                errors.append(f"{vid} overlapping {a.id} and {b.id}")
        limit = vols[vid].max_minutes_per_day
        if limit is not None:
            per_day: dict[int, int] = defaultdict(int)
            for p in ps:
                per_day[local_day(p.start, instance.tz_offset_minutes)] += p.minutes
            if any(m > limit for m in per_day.values()):
                errors.append(f"{vid} over daily limit")
    if require_fixed:
        missing = fixed - set(pairs)
        errors.extend(f"fixed pair dropped {v}/{p}" for v, p in sorted(missing))
    return errors


# ------------------------------------------------------------------ candidates


def candidates(instance: Instance, *, per_post: int | None = None) -> dict[str, list[str]]:
    """Eligible volunteer ids per post, nearest first; at most `per_post` when given (fixed
    pairs are always kept). Vectorised with numpy: 5,000 × 1,000 pairs in well under a second."""
    import numpy as np

    vols = instance.volunteers
    tz = instance.tz_offset_minutes
    n = len(vols)
    skill_names = sorted({s for p in instance.posts for s in p.skills})
    cert_names = sorted({c for p in instance.posts for c in p.certificates})
    skill_bits = {s: 1 << i for i, s in enumerate(skill_names)}
    vskill = np.array([sum(skill_bits.get(s, 0) for s in v.skills) for v in vols], dtype=np.int64)
    vcert = {
        c: np.array([v.certificates.get(c, -1) for v in vols], dtype=np.int64) for c in cert_names
    }
    vparty = np.array([v.party_member for v in vols], dtype=bool)
    vmax = np.array(
        [v.max_minutes_per_day if v.max_minutes_per_day is not None else 10**9 for v in vols],
        dtype=np.int64,
    )
    width = max((len(v.available) for v in vols), default=0) or 1
    avail_s = np.full((n, width), 2**62, dtype=np.int64)
    avail_e = np.full((n, width), -(2**62), dtype=np.int64)
    for i, v in enumerate(vols):
        for j, (s, e) in enumerate(v.available):
            avail_s[i, j], avail_e[i, j] = s, e
    has_home = np.array([v.home is not None for v in vols], dtype=bool)
    lat = np.radians(np.array([v.home[0] if v.home else 0.0 for v in vols]))
    lon = np.radians(np.array([v.home[1] if v.home else 0.0 for v in vols]))
    fixed_by_post: dict[str, list[str]] = defaultdict(list)
    for vid, pid in instance.fixed:
        fixed_by_post[pid].append(vid)
    out: dict[str, list[str]] = {}
    for p in instance.posts:
        need = sum(skill_bits[s] for s in p.skills)
        ok = (vskill & need) == need
        if p.party_only:
            ok &= vparty
        day = local_day(p.start, tz)
        for c in p.certificates:
            ok &= vcert[c] >= day
        ok &= ((avail_s <= p.start) & (avail_e >= p.end)).any(axis=1)
        ok &= vmax >= p.minutes
        idx = np.nonzero(ok)[0]
        if p.site is not None:
            plat, plon = math.radians(p.site[0]), math.radians(p.site[1])
            h = (
                np.sin((lat[idx] - plat) / 2) ** 2
                + math.cos(plat) * np.cos(lat[idx]) * np.sin((lon[idx] - plon) / 2) ** 2
            )
            dist = np.where(
                has_home[idx],
                2 * 6371.0088 * np.arcsin(np.minimum(1.0, np.sqrt(h))),
                UNKNOWN_HOME_KM,
            )
        else:
            dist = np.full(len(idx), UNKNOWN_HOME_KM)
        order = np.argsort(dist, kind="stable")
        if per_post is not None:
            order = order[:per_post]
        chosen = [vols[i].id for i in idx[order]]
        for vid in fixed_by_post.get(p.id, []):
            if vid not in chosen:
                chosen.append(vid)
        out[p.id] = chosen
    return out


def _prune(
    instance: Instance, full: dict[str, list[str]], k: int, keep: Iterable[tuple[str, str]] = ()
) -> dict[str, list[str]]:
    """The k nearest eligible volunteers per post, plus every fixed pair and every pair of
    `keep` (the greedy plan: so the pruned model can never fill fewer places than greedy)."""
    out = {pid: vids[:k] for pid, vids in full.items()}
    for vid, pid in [*instance.fixed, *keep]:
        if pid in out and vid not in out[pid]:
            out[pid].append(vid)
    return out


def _unfilled(
    instance: Instance, assignments: list[tuple[str, str]], eligible_count: dict[str, int]
) -> dict[str, dict]:
    """Posts with missing places, and why (reason codes: skill, certificate, party,
    availability, hours when nobody is eligible — the most common blocker —, or busy)."""
    count: dict[str, int] = defaultdict(int)
    for _v, pid in assignments:
        count[pid] += 1
    out: dict[str, dict] = {}
    for p in instance.posts:
        missing = p.needed - count[p.id]
        if missing <= 0:
            continue
        if eligible_count.get(p.id, 0) == 0:
            reasons: dict[str, int] = defaultdict(int)
            for v in instance.volunteers:
                reasons[ineligibility(v, p, instance.tz_offset_minutes) or "busy"] += 1
            reason = max(reasons, key=lambda r: reasons[r]) if reasons else "no_volunteers"
            out[p.id] = {
                "missing": missing,
                "reason": reason,
                "eligible": 0,
                "blocked_by": dict(reasons),
            }
        else:
            out[p.id] = {
                "missing": missing,
                "reason": "busy",
                "eligible": eligible_count[p.id],
                "blocked_by": {},
            }
    return out


# ------------------------------------------------------------------ CP-SAT


def _status_name(code) -> str:
    from ortools.sat.python import cp_model

    return {
        cp_model.OPTIMAL: "OPTIMAL",
        cp_model.FEASIBLE: "FEASIBLE",
        cp_model.INFEASIBLE: "INFEASIBLE",
        cp_model.MODEL_INVALID: "MODEL_INVALID",
    }.get(code, "UNKNOWN")


def solve(
    instance: Instance,
    *,
    time_limit: float = 20.0,
    workers: int = 2,
    candidates_per_post: int | None = None,
    seed: int = 0,
) -> Plan:
    """Solve the two-stage model. `candidates_per_post` prunes to the k nearest eligible
    volunteers per post (see README: when the pruned fill reaches the unpruned upper bound
    sum_p min(needed_p, eligible_p), pruning provably did not cut the fill optimum;
    otherwise the short posts get all their eligible volunteers and the model is solved again)."""
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    deadline = started + time_limit
    vols = {v.id: v for v in instance.volunteers}
    posts = {p.id: p for p in instance.posts}
    tz = instance.tz_offset_minutes
    full = candidates(instance)
    eligible_count = {pid: len(c) for pid, c in full.items()}
    fill_upper = sum(min(p.needed, eligible_count[p.id]) for p in instance.posts)
    start_plan = greedy(
        instance, cands=full
    )  # a first plan for CP-SAT (and often proof of the fill optimum)
    cands = (
        full
        if candidates_per_post is None
        else _prune(instance, full, candidates_per_post, start_plan.assignments)
    )
    expanded: set[str] = set()
    rounds = 0
    while True:
        rounds += 1
        allowed = {(v, p) for p, vs in cands.items() for v in vs}
        hint = {pair for pair in start_plan.assignments if pair in allowed}
        plan = _solve_once(
            instance, vols, posts, cands, tz, deadline, workers, seed, cp_model, hint=hint
        )
        if (
            candidates_per_post is None
            or plan.objective["filled"] >= fill_upper
            or time.perf_counter() >= deadline
        ):
            break
        short = {
            pid
            for pid in plan.unfilled
            if eligible_count[pid] > len(cands[pid]) and pid not in expanded
        }
        if not short:
            break
        for pid in short:
            cands[pid] = full[pid]
        expanded |= short
    plan.unfilled = _unfilled(instance, plan.assignments, eligible_count)
    plan.wall_seconds = time.perf_counter() - started
    plan.stats.update(
        {
            "eligible_pairs": sum(eligible_count.values()),
            "fill_upper_bound": fill_upper,
            "fill_optimal_unpruned": plan.objective["filled"] >= fill_upper
            or (candidates_per_post is None and plan.stats.get("stage1_status") == "OPTIMAL"),
            "candidates_per_post": candidates_per_post,
            "expanded_posts": len(expanded),
            "rounds": rounds,
        }
    )
    return plan


@dataclass
class _Linear:
    """The model as plain rows, so CP-SAT and the LP relaxation (GLOP) read the same thing."""

    pairs: list[tuple[str, str]] = field(default_factory=list)  # x variables, index = position
    int_ub: list[int] = field(default_factory=list)  # extra integer variables (fairness excess)
    rows: list[tuple[list[tuple[int, int]], int, int]] = field(
        default_factory=list
    )  # (terms, lo, hi)
    at_most_one: list[list[int]] = field(default_factory=list)
    fixed: list[int] = field(default_factory=list)
    cost: dict[int, int] = field(default_factory=dict)  # secondary objective
    excess: list[tuple[int, list[int], int]] = field(
        default_factory=list
    )  # (e, xs, rhs): e >= sum(xs) - rhs
    constant: int = 0
    by_post: dict[str, list[int]] = field(default_factory=dict)

    def var(self, ub: int) -> int:
        self.int_ub.append(ub)
        return len(self.pairs) + len(self.int_ub) - 1


def _build(instance: Instance, vols, posts, cands, tz) -> _Linear:
    m = _Linear()
    index: dict[tuple[str, str], int] = {}
    for pid, vids in cands.items():
        for vid in vids:
            index[vid, pid] = len(m.pairs)
            m.pairs.append((vid, pid))
    for pair in instance.fixed:
        if pair[0] in vols and pair[1] in posts:
            if pair not in index:
                index[pair] = len(m.pairs)
                m.pairs.append(pair)
            m.fixed.append(index[pair])
    by_vol: dict[str, list[str]] = defaultdict(list)
    for i, (vid, pid) in enumerate(m.pairs):
        m.by_post.setdefault(pid, []).append(i)
        by_vol[vid].append(pid)
        m.cost[i] = travel_units(vols[vid], posts[pid]) - (
            PREFERENCE_BONUS if (vid, pid) in instance.preferences else 0
        )
    for pid, idx in m.by_post.items():
        if len(idx) > posts[pid].needed:
            m.rows.append(([(i, 1) for i in idx], 0, posts[pid].needed))
    for vid, pids in by_vol.items():
        v = vols[vid]
        ps = sorted((posts[p] for p in pids), key=lambda p: (p.start, p.end))
        # Maximal cliques of the interval graph: the posts running at each start time.
        seen: set[frozenset] = set()
        for p in ps:
            clique = frozenset(q.id for q in ps if q.start <= p.start < q.end)
            if len(clique) > 1 and clique not in seen:
                seen.add(clique)
                m.at_most_one.append([index[vid, q] for q in sorted(clique)])
        if v.max_minutes_per_day is not None:
            per_day: dict[int, list[Post]] = defaultdict(list)
            for p in ps:
                per_day[local_day(p.start, tz)].append(p)
            for day_posts in per_day.values():
                if len(day_posts) > 1 and sum(p.minutes for p in day_posts) > v.max_minutes_per_day:
                    # Divide by the gcd of the durations and round the limit down (a valid
                    # Chvátal-Gomory cut): 3-hour shifts under an 8-hour limit become "at most
                    # 2 shifts", which keeps the LP relaxation nearly integral.
                    g = math.gcd(*(p.minutes for p in day_posts))
                    m.rows.append(
                        (
                            [(index[vid, p.id], p.minutes // g) for p in day_posts],
                            0,
                            v.max_minutes_per_day // g,
                        )
                    )
        prior = prior_posts(v)
        total = len(ps) + prior
        for threshold, rate in instance.fair_tiers:
            if total > threshold:
                # excess >= posts + prior - threshold, excess >= 0, cost rate per post.
                e = m.var(total - threshold)
                terms = [(index[vid, p.id], 1) for p in ps] + [(e, -1)]
                m.rows.append((terms, -(10**9), threshold - prior))
                m.excess.append((e, [index[vid, p.id] for p in ps], threshold - prior))
                m.cost[e] = rate
        m.constant -= fairness_penalty(
            prior, instance.fair_tiers
        )  # only this plan's extra penalty counts
    return m


def _complete(m: _Linear, x_values: list[int]) -> list[int]:
    """A full hint from x values: each fairness excess at its smallest feasible value."""
    values = list(x_values[: len(m.pairs)]) + [0] * len(m.int_ub)
    for e, idx, rhs in m.excess:
        values[e] = max(0, sum(values[i] for i in idx) - rhs)
    return values


def _lp_hint(
    m: _Linear, fill_rows: list[tuple[list[tuple[int, int]], int, int]], *, fill: bool = False
) -> tuple[list[int], float] | None:
    """Round the LP relaxation (GLOP) of the secondary stage: the model is close to a
    transportation problem, so the LP optimum is nearly integral and a very good start."""
    from ortools.linear_solver import pywraplp

    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    if not fill:
        # Dual simplex is faster for the cost-minimising stage (measured: 8.5 s → 5.5 s on
        # the benchmark), primal for the fill stage.
        lp.SetSolverSpecificParametersAsString("use_dual_simplex: true")
    n = len(m.pairs)
    xs = [lp.NumVar(0, 1, "") for _ in range(n)] + [lp.NumVar(0, ub, "") for ub in m.int_ub]
    for i in m.fixed:
        xs[i].SetLb(1)
    for terms, lo, hi in [*m.rows, *fill_rows]:
        c = lp.RowConstraint(lo, hi, "")
        for i, a in terms:
            c.SetCoefficient(xs[i], a)
    for group in m.at_most_one:
        c = lp.RowConstraint(0, 1, "")
        for i in group:
            c.SetCoefficient(xs[i], 1)
    objective = lp.Objective()
    if fill:  # stage 1: maximise the places filled
        for var in xs[:n]:
            objective.SetCoefficient(var, -1)
    else:
        for i, a in m.cost.items():
            objective.SetCoefficient(xs[i], a)
    objective.SetMinimization()
    if lp.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    return [round(var.solution_value()) for var in xs], lp.Objective().Value()


def _StopAtBound(target, cp_model, *, maximize: bool = False):
    """A solution callback that stops CP-SAT once a plan reaches the LP bound (optimal)."""

    class Stop(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self):
            value = self.ObjectiveValue()
            if target is not None and (value >= target if maximize else value <= target):
                self.StopSearch()

    return Stop()


def _solve_once(
    instance, vols, posts, cands, tz, deadline, workers, seed, cp_model, hint=None, params=None
) -> Plan:
    clock = [time.perf_counter()]
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 2)
        clock[0] = now

    m = _build(instance, vols, posts, cands, tz)
    n = len(m.pairs)
    model = cp_model.CpModel()
    xs = [model.NewBoolVar("") for _ in range(n)] + [model.NewIntVar(0, ub, "") for ub in m.int_ub]
    for i in m.fixed:
        model.Add(xs[i] == 1)
    for terms, lo, hi in m.rows:
        model.AddLinearConstraint(sum(a * xs[i] for i, a in terms), lo, hi)
    for group in m.at_most_one:
        model.AddAtMostOne(xs[i] for i in group)
    filled = sum(xs[:n])
    secondary = sum(a * xs[i] for i, a in m.cost.items()) + m.constant

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    for key, value in (params or {}).items():
        setattr(solver.parameters, key, value)
    caps = {pid: min(posts[pid].needed, len(idx)) for pid, idx in m.by_post.items()}
    hinted = [1 if pair in hint else 0 for pair in m.pairs] if hint is not None else None
    lap("build")
    # Stage 1: places filled. The LP relaxation bounds the fill from above.
    fill_cap = sum(caps.values())
    at_caps = hinted is not None and sum(hinted) >= fill_cap
    lp1 = None if at_caps else _lp_hint(m, [], fill=True)
    lap("lp_fill")
    if lp1 is not None:
        fill_cap = min(fill_cap, math.floor(-lp1[1] + 1e-6))
    starts = [h for h in (hinted, lp1[0][:n] if lp1 else None) if h is not None]
    starts = [h for h in starts if not check_plan(instance, [m.pairs[i] for i in range(n) if h[i]])]
    start = max(starts, key=sum) if starts else None
    if start is not None and sum(start) >= fill_cap:
        # The start plan (greedy or rounded LP) reaches the bound: the fill optimum is known.
        status1, best_fill, fill_bound, hinted = "OPTIMAL", sum(start), float(fill_cap), start
    else:
        if start is not None:
            for var, value in zip(xs, _complete(m, start), strict=True):
                model.AddHint(var, value)
        solver.parameters.cp_model_presolve = start is None
        model.Add(filled <= fill_cap)
        model.Maximize(filled)
        solver.parameters.max_time_in_seconds = max(0.5, (deadline - time.perf_counter()) * 0.4)
        status1 = _status_name(solver.Solve(model, _StopAtBound(fill_cap, cp_model, maximize=True)))
        if status1 in ("OPTIMAL", "FEASIBLE"):
            best_fill, hinted = (
                round(solver.ObjectiveValue()),
                [solver.Value(var) for var in xs[:n]],
            )
            fill_bound = min(float(fill_cap), solver.BestObjectiveBound())
        elif start is not None:  # stopped before reporting: the start plan stands
            best_fill, hinted, fill_bound = sum(start), start, float(fill_cap)
        else:
            return Plan(
                status=status1,
                assignments=[],
                unfilled={},
                objective=evaluate(instance, []),
                stats={"stage1_status": status1, "variables": len(xs)},
            )
        status1 = "OPTIMAL" if best_fill >= fill_bound else "FEASIBLE"
        solver.parameters.cp_model_presolve = True
    lap("stage1")
    # Stage 2: keep that many places, minimise travel + unfairness - preferences. When every
    # post is at its own cap the global count becomes one equality per post, which CP-SAT's
    # presolve handles far better than a single constraint over every variable.
    if best_fill == sum(caps.values()):
        fill_rows = [
            ([(i, 1) for i in idx], caps[pid], caps[pid]) for pid, idx in m.by_post.items()
        ]
    else:
        fill_rows = [([(i, 1) for i in range(n)], best_fill, n)]
    for terms, lo, hi in fill_rows:
        model.AddLinearConstraint(sum(a * xs[i] for i, a in terms), lo, hi)
    lp = _lp_hint(m, fill_rows)
    lap("lp_secondary")
    model.ClearHints()
    for var, value in zip(xs, lp[0] if lp else _complete(m, hinted), strict=True):
        model.AddHint(var, value)
    solver.parameters.repair_hint = lp is None
    # With the LP plan as a complete hint, presolve would only delay the first solution.
    solver.parameters.cp_model_presolve = lp is None
    if lp is not None:
        # The LP optimum is a valid lower bound of the (integer-coefficient) objective; given
        # to CP-SAT as a constraint, it lets the search stop as soon as a plan reaches it.
        model.Add(secondary >= math.ceil(lp[1] + m.constant - 1e-6))
    solver.parameters.linearization_level = 2
    model.Minimize(secondary)
    solver.parameters.max_time_in_seconds = max(0.5, deadline - time.perf_counter())
    target = math.ceil(lp[1] + m.constant - 1e-6) if lp is not None else None
    status2 = _status_name(solver.Solve(model, _StopAtBound(target, cp_model)))
    lap("stage2")
    if status2 in ("OPTIMAL", "FEASIBLE"):
        chosen = [m.pairs[i] for i in range(n) if solver.Value(xs[i])]
        obj, bound = solver.ObjectiveValue(), solver.BestObjectiveBound()
        if target is not None and target > bound:
            bound = float(target)  # the LP bound is the stronger proof
    elif lp is not None and not check_plan(
        instance, lp_pairs := [m.pairs[i] for i in range(n) if lp[0][i]]
    ):
        # CP-SAT was stopped before reporting the hinted plan: the rounded LP plan is valid
        # (checked), and its objective against the LP bound says how good it is.
        chosen, obj, bound = (
            lp_pairs,
            float(evaluate(instance, lp_pairs)["secondary"]),
            float(target),
        )
    else:  # stage 2 found nothing in time: the stage-1 plan stands
        chosen = [m.pairs[i] for i in range(n) if hinted[i]]
        obj = bound = None
    terms = evaluate(instance, chosen)
    gap = None if obj is None else abs(obj - bound) / max(1.0, abs(obj))
    proven = obj is not None and (status2 == "OPTIMAL" or obj <= bound + 1e-9)
    status = "OPTIMAL" if status1 == "OPTIMAL" and proven else "FEASIBLE"
    return Plan(
        status=status,
        assignments=sorted(chosen),
        unfilled={},
        objective=terms,
        bound=bound,
        gap=gap,
        stats={
            "stage1_status": status1,
            "stage2_status": status2,
            "fill_bound": fill_bound,
            "variables": len(xs),
            "secondary_objective": obj,
            "lp_bound": None if lp is None else lp[1] + m.constant,
            "seconds": timings,
        },
    )


# ------------------------------------------------------------------ greedy baseline


def greedy(instance: Instance, *, cands: dict[str, list[str]] | None = None) -> Plan:
    """What a careful person does by hand: posts in time order, each filled with the
    nearest eligible volunteers who are free then and under their daily limit."""
    started = time.perf_counter()
    vols = {v.id: v for v in instance.volunteers}
    posts = {p.id: p for p in instance.posts}
    tz = instance.tz_offset_minutes
    cands = cands if cands is not None else candidates(instance)
    taken: dict[str, list[Post]] = defaultdict(list)
    day_minutes: dict[tuple[str, int], int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    chosen: list[tuple[str, str]] = []

    def take(vid: str, p: Post) -> None:
        chosen.append((vid, p.id))
        taken[vid].append(p)
        day_minutes[vid, local_day(p.start, tz)] += p.minutes
        count[p.id] += 1

    for vid, pid in instance.fixed:
        if vid in vols and pid in posts:
            take(vid, posts[pid])
    for p in sorted(instance.posts, key=lambda p: (p.start, p.id)):
        for vid in cands[p.id]:
            if count[p.id] >= p.needed:
                break
            v = vols[vid]
            if any(overlaps(p, q) for q in taken[vid]):
                continue
            limit = v.max_minutes_per_day
            if limit is not None and day_minutes[vid, local_day(p.start, tz)] + p.minutes > limit:
                continue
            take(vid, p)
    plan = Plan(
        status="FEASIBLE",
        assignments=sorted(chosen),
        unfilled={},
        objective=evaluate(instance, chosen),
    )
    plan.unfilled = _unfilled(instance, plan.assignments, {pid: len(c) for pid, c in cands.items()})
    plan.wall_seconds = time.perf_counter() - started
    return plan


# ------------------------------------------------------------------ JSON format


def _minutes(value, path: str, errors: dict[str, str]) -> int | None:
    if not isinstance(value, str):
        errors[path] = "expected an ISO 8601 date-time string with a time zone"
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        errors[path] = f"not an ISO 8601 date-time: {value!r}"
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        errors[path] = f"time zone missing (e.g. +08:00): {value!r}"
        return None
    return int(moment.timestamp() // 60)


def _point(value, path: str, errors: dict[str, str]) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        lat, lon = float(value["lat"]), float(value["lon"])
    except (TypeError, KeyError, ValueError):
        errors[path] = 'expected {"lat": number, "lon": number}'
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors[path] = "latitude/longitude out of range"
        return None
    return lat, lon


def _day(value, path: str, errors: dict[str, str]) -> int | None:
    try:
        return (dt.date.fromisoformat(value) - dt.date(1970, 1, 1)).days
    except (TypeError, ValueError):
        errors[path] = f"expected a date YYYY-MM-DD: {value!r}"
        return None


def _has_id(raw) -> bool:
    return isinstance(raw, dict) and isinstance(raw.get("id"), (str, int)) and str(raw["id"]) != ""


def parse_instance(data) -> Instance:
    """Validate and convert the JSON input (format in the app README). Raises InstanceError
    listing every problem; nothing partial is returned."""
    errors: dict[str, str] = {}
    if not isinstance(data, dict):
        raise InstanceError({"$": "expected a JSON object with volunteers and posts"})
    tz = data.get("tz_offset_minutes", DEFAULT_TZ_OFFSET)
    if not isinstance(tz, int) or not -720 <= tz <= 840:
        errors["tz_offset_minutes"] = "expected whole minutes between -720 and 840"
        tz = DEFAULT_TZ_OFFSET
    volunteers: list[Volunteer] = []
    posts: list[Post] = []
    for key in ("volunteers", "posts"):
        if not isinstance(data.get(key), list):
            errors[key] = "expected a list"
    for i, raw in enumerate(data.get("volunteers") or []):
        path = f"volunteers[{i}]"
        if not _has_id(raw):
            errors[f"{path}.id"] = "missing id"
            continue
        windows = []
        for j, pair in enumerate(raw.get("available") or []):
            if not isinstance(pair, list) or len(pair) != 2:
                errors[f"{path}.available[{j}]"] = "expected [start, end]"
                continue
            s = _minutes(pair[0], f"{path}.available[{j}][0]", errors)
            e = _minutes(pair[1], f"{path}.available[{j}][1]", errors)
            if s is not None and e is not None:
                if e <= s:
                    errors[f"{path}.available[{j}]"] = "end must be after start"
                windows.append((s, e))
        hours = raw.get("max_hours_per_day")
        if hours is not None and (not isinstance(hours, (int, float)) or hours <= 0 or hours > 24):
            errors[f"{path}.max_hours_per_day"] = "expected a number of hours in (0, 24]"
            hours = None
        certs = {}
        for name, expiry in (raw.get("certificates") or {}).items():
            day = _day(expiry, f"{path}.certificates.{name}", errors)
            if day is not None:
                certs[str(name)] = day
        volunteers.append(
            Volunteer(
                id=str(raw["id"]),
                skills=frozenset(map(str, raw.get("skills") or [])),
                available=tuple(windows),
                home=_point(raw.get("home"), f"{path}.home", errors),
                max_minutes_per_day=round(hours * 60) if hours is not None else None,
                certificates=certs,
                party_member=bool(raw.get("party_member", False)),
                prior_minutes=int(raw.get("prior_minutes", 0) or 0),
            )
        )
    for i, raw in enumerate(data.get("posts") or []):
        path = f"posts[{i}]"
        if not _has_id(raw):
            errors[f"{path}.id"] = "missing id"
            continue
        s = _minutes(raw.get("start"), f"{path}.start", errors)
        e = _minutes(raw.get("end"), f"{path}.end", errors)
        if s is not None and e is not None and e <= s:
            errors[f"{path}.end"] = "end must be after start"
        needed = raw.get("needed")
        if not isinstance(needed, int) or isinstance(needed, bool) or needed < 1:
            errors[f"{path}.needed"] = "expected a whole number ≥ 1"
            needed = 1
        posts.append(
            Post(
                id=str(raw["id"]),
                role=str(raw.get("role", "")),
                site=_point(raw.get("site"), f"{path}.site", errors),
                start=s or 0,
                end=e or 0,
                needed=needed,
                skills=frozenset(map(str, raw.get("skills") or [])),
                certificates=frozenset(map(str, raw.get("certificates") or [])),
                party_only=bool(raw.get("party_only", False)),
            )
        )
    vids = [v.id for v in volunteers]
    pids = [p.id for p in posts]
    if len(set(vids)) != len(vids):
        errors["volunteers"] = "duplicate volunteer id"
    if len(set(pids)) != len(pids):
        errors["posts"] = "duplicate post id"
    known_v, known_p = set(vids), set(pids)

    def pairs(key: str) -> list[tuple[str, str]]:
        out = []
        for j, raw in enumerate(data.get(key) or []):
            try:
                v, p = str(raw["volunteer"]), str(raw["post"])
            except (TypeError, KeyError):
                errors[f"{key}[{j}]"] = 'expected {"volunteer": id, "post": id}'
                continue
            if v not in known_v:
                errors[f"{key}[{j}].volunteer"] = f"unknown volunteer id {v!r}"
            if p not in known_p:
                errors[f"{key}[{j}].post"] = f"unknown post id {p!r}"
            out.append((v, p))
        return out

    fixed = pairs("fixed")
    preferences = set(pairs("preferences"))
    if errors:
        raise InstanceError(errors)
    instance = Instance(
        volunteers=volunteers,
        posts=posts,
        fixed=fixed,
        preferences=preferences,
        tz_offset_minutes=tz,
    )
    problems = check_plan(instance, fixed, require_fixed=False)
    bad = [
        p for p in problems if "not eligible" not in p
    ]  # a confirmed pair may predate a rule change
    if bad:
        raise InstanceError({"fixed": "; ".join(bad)})
    return instance
