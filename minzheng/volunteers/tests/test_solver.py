"""The optimiser without the database: feasibility on random instances (hypothesis) and
optimality against brute force on tiny ones."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minzheng.volunteers import solver

H = 60
DAY = 1440 * 18800  # a day boundary in local time (tz offset 0 below)


@st.composite
def instances(draw, max_vols=4, max_posts=3):
    n_posts = draw(st.integers(1, max_posts))
    posts = []
    for i in range(n_posts):
        day = draw(st.integers(0, 1))
        start = draw(st.integers(0, 5))
        length = draw(st.integers(1, 3))
        posts.append(
            solver.Post(
                id=f"p{i}",
                start=DAY + day * 1440 + start * H,
                end=DAY + day * 1440 + (start + length) * H,
                needed=draw(st.integers(1, 2)),
                site=(23.0 + draw(st.integers(0, 9)) / 100, 113.1),
                skills=frozenset(draw(st.sets(st.sampled_from("ab"), max_size=1))),
                certificates=frozenset(draw(st.sets(st.just("c"), max_size=1))),
                party_only=draw(st.booleans()),
            )
        )
    vols = []
    for j in range(draw(st.integers(1, max_vols))):
        windows = []
        for day in (0, 1):
            if draw(st.booleans()):
                s = draw(st.integers(0, 4))
                windows.append(
                    (DAY + day * 1440 + s * H, DAY + day * 1440 + (s + draw(st.integers(1, 8))) * H)
                )
        vols.append(
            solver.Volunteer(
                id=f"v{j}",
                skills=frozenset(draw(st.sets(st.sampled_from("ab")))),
                available=tuple(windows),
                home=(23.0 + draw(st.integers(0, 9)) / 100, 113.1 + draw(st.integers(0, 9)) / 100),
                max_minutes_per_day=draw(st.sampled_from([None, 2 * H, 4 * H])),
                certificates={"c": DAY // 1440 + draw(st.integers(-1, 2))}
                if draw(st.booleans())
                else {},
                party_member=draw(st.booleans()),
                prior_minutes=draw(st.sampled_from([0, 180, 360])),
            )
        )
    instance = solver.Instance(volunteers=vols, posts=posts, tz_offset_minutes=0)
    eligible = [(v.id, p.id) for v in vols for p in posts if solver.ineligibility(v, p, 0) is None]
    if eligible and draw(st.booleans()):
        instance.preferences = set(draw(st.lists(st.sampled_from(eligible), max_size=2)))
    if eligible and draw(st.booleans()):
        instance.fixed = [draw(st.sampled_from(eligible))]
    return instance


def _brute_force(instance: solver.Instance) -> tuple[int, int]:
    """(max filled, min secondary among plans with that fill) over every subset of eligible pairs."""
    pairs = sorted(
        {
            (v.id, p.id)
            for v in instance.volunteers
            for p in instance.posts
            if solver.ineligibility(v, p, instance.tz_offset_minutes) is None
        }
        | set(instance.fixed)
    )
    best = None
    for mask in range(1 << len(pairs)):
        chosen = [pairs[i] for i in range(len(pairs)) if mask >> i & 1]
        if solver.check_plan(instance, chosen):
            continue
        terms = solver.evaluate(instance, chosen)
        key = (-terms["filled"], terms["secondary"])
        best = key if best is None or key < best else best
    return -best[0], best[1]


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(instances())
def test_every_assignment_respects_availability_skills_overlaps_and_headcount(instance):
    for plan in (solver.solve(instance, time_limit=5), solver.greedy(instance)):
        assert solver.check_plan(instance, plan.assignments) == []
        assert plan.objective["filled"] == len(plan.assignments)


@FAST
@given(instances(max_vols=3, max_posts=3))
def test_optimal_against_brute_force(instance):
    n_pairs = sum(
        solver.ineligibility(v, p, 0) is None for v in instance.volunteers for p in instance.posts
    )
    if n_pairs > 11:
        return
    plan = solver.solve(instance, time_limit=5)
    filled, secondary = _brute_force(instance)
    assert plan.status == "OPTIMAL"
    assert plan.objective["filled"] == filled
    assert plan.objective["secondary"] == secondary


def _post(pid, start_h, end_h, needed=1, **kw):
    return solver.Post(
        id=pid,
        start=DAY + start_h * H,
        end=DAY + end_h * H,
        needed=needed,
        site=(23.0, 113.1),
        **kw,
    )


def _vol(vid, windows=((0, 12),), **kw):
    return solver.Volunteer(
        id=vid,
        available=tuple((DAY + s * H, DAY + e * H) for s, e in windows),
        home=(23.0, 113.1),
        **kw,
    )


def test_unfilled_posts_say_why():
    instance = solver.Instance(
        volunteers=[_vol("v1", skills=frozenset({"测温"})), _vol("v2", windows=((0, 2),))],
        posts=[
            _post("skill", 1, 2, skills=frozenset({"扫码"})),
            _post("late", 14, 16),
            _post("busy", 1, 2, needed=3),
        ],
        tz_offset_minutes=0,
    )
    plan = solver.solve(instance, time_limit=5)
    assert plan.unfilled["skill"]["reason"] == "skill"
    assert plan.unfilled["late"]["reason"] == "availability"
    assert plan.unfilled["busy"] == {
        "missing": 1,
        "reason": "busy",
        "eligible": 2,
        "blocked_by": {},
    }


def test_fixed_assignments_stay_and_nearest_volunteer_is_chosen():
    far = solver.Volunteer(id="far", available=((DAY, DAY + 12 * H),), home=(23.5, 113.5))
    near = solver.Volunteer(id="near", available=((DAY, DAY + 12 * H),), home=(23.0, 113.1))
    posts = [_post("a", 1, 2), _post("b", 3, 4)]
    plan = solver.solve(
        solver.Instance(volunteers=[far, near], posts=posts, tz_offset_minutes=0), time_limit=5
    )
    assert plan.status == "OPTIMAL"
    assert plan.assignments == [("near", "a"), ("near", "b")]  # 2 km fairness cost < 60 km travel
    fixed = solver.Instance(
        volunteers=[far, near], posts=posts, fixed=[("far", "a")], tz_offset_minutes=0
    )
    assert solver.solve(fixed, time_limit=5).assignments == [("far", "a"), ("near", "b")]


def test_pruned_model_never_fills_less_than_greedy():
    vols = [_vol(f"v{i}", windows=((0, 12),)) for i in range(12)]
    posts = [_post(f"p{i}", i % 3 + 1, i % 3 + 2, needed=2) for i in range(6)]
    instance = solver.Instance(volunteers=vols, posts=posts, tz_offset_minutes=0)
    plan = solver.solve(instance, time_limit=5, candidates_per_post=1)
    assert plan.objective["filled"] == 12
    assert plan.stats["fill_optimal_unpruned"] is True


def test_parse_instance_lists_every_problem():
    data = {
        "volunteers": [
            {
                "id": "v1",
                "skills": ["测温"],
                "available": [["2021-06-05T08:00:00", "2021-06-05T12:00:00+08:00"]],
                "home": {"lat": 23.1, "lon": 113.1},
                "max_hours_per_day": 8,
            }
        ],
        "posts": [
            {
                "id": "p1",
                "role": "测温",
                "site": {"lat": 23.0, "lon": 113.0},
                "start": "2021-06-05T10:00:00+08:00",
                "end": "2021-06-05T09:00:00+08:00",
                "needed": 0,
            }
        ],
        "fixed": [{"volunteer": "ghost", "post": "p1"}],
    }
    try:
        solver.parse_instance(data)
    except solver.InstanceError as exc:
        assert exc.errors == {
            "volunteers[0].available[0][0]": "time zone missing (e.g. +08:00): '2021-06-05T08:00:00'",
            "posts[0].end": "end must be after start",
            "posts[0].needed": "expected a whole number ≥ 1",
            "fixed[0].volunteer": "unknown volunteer id 'ghost'",
        }
    else:
        raise AssertionError("InstanceError expected")
