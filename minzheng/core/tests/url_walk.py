"""Every URL pattern of the project, and the requests that fill its parameters.

Used by test_scope_every_url.py. Nothing here lists URLs: the patterns come from walking
config.urls (includes and the admin site included), so a URL added tomorrow is walked too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
# A group of a regex pattern without nested groups: (?P<name>inner) or (inner).
_REGEX_GROUP = re.compile(r"\((?:\?P<(?P<name>\w+)>)?(?P<inner>[^()]*)\)")
_REGEX_META = set("()[]{}*+?|^$\\.")


@dataclass(frozen=True)
class Param:
    name: str  # the keyword, or "" for a positional group of a regex pattern
    regex: str  # what the value must match (the converter's or the group's)
    to_url: Callable[[object], str]

    def accepts(self, value) -> bool:
        return re.fullmatch(self.regex, str(value)) is not None


@dataclass(frozen=True)
class Route:
    route: str  # the full route, as ResolverMatch.route spells it
    name: str  # "namespace:name", or the route of an unnamed pattern
    parts: tuple  # literal strings and Params, in order
    callback: Callable
    model: type | None  # the model of an admin page, else None

    @property
    def params(self) -> list[Param]:
        return [p for p in self.parts if isinstance(p, Param)]

    def path(self, values: tuple) -> str | None:
        """The path for these parameter values, or None when it does not resolve back to
        this pattern (an earlier pattern would answer it instead)."""
        it = iter(values)
        try:
            path = "/" + "".join(
                p if isinstance(p, str) else str(p.to_url(next(it))) for p in self.parts
            )
        except ValueError:
            return None
        try:
            match = resolve(path)
        except Resolver404:
            return None
        return path if match.route == self.route else None


def _join(route1: str, route2: str) -> str:
    # The same joining as django.urls.resolvers.URLResolver._join_route.
    return route2 if not route1 else route1 + route2.removeprefix("^")


def _unescape(literal: str) -> str | None:
    """A regex fragment as the literal text it matches, or None if it is not one."""
    out, i = [], 0
    while i < len(literal):
        c = literal[i]
        if c == "\\" and i + 1 < len(literal):
            out.append(literal[i + 1])
            i += 2
            continue
        if c in _REGEX_META:
            return None
        out.append(c)
        i += 1
    return "".join(out)


def _parts(pattern) -> tuple | None:
    """The literal text and parameters of one level's pattern (None: cannot be built)."""
    text = str(pattern.pattern)
    parts: list = []
    if isinstance(pattern.pattern, RoutePattern):
        pos = 0
        for m in _ROUTE_PARAM.finditer(text):
            parts.append(text[pos : m.start()])
            converter = pattern.pattern.converters[m["name"]]
            parts.append(Param(m["name"], converter.regex, converter.to_url))
            pos = m.end()
        parts.append(text[pos:])
    elif isinstance(pattern.pattern, RegexPattern):
        text = text.removeprefix("^").removesuffix("$")
        pos = 0
        for m in _REGEX_GROUP.finditer(text):
            literal = _unescape(text[pos : m.start()])
            if literal is None:
                return None
            parts += [literal, Param(m["name"] or "", m["inner"], str)]
            pos = m.end()
        literal = _unescape(text[pos:])
        if literal is None:
            return None
        parts.append(literal)
    else:  # pragma: no cover - a pattern class this walk does not know
        return None
    return tuple(p for p in parts if p != "")


def walk(
    resolver: URLResolver | None = None, route: str = "", parts: tuple = (), ns: tuple = ()
) -> Iterator[Route | tuple[str, str]]:
    """Every endpoint under `resolver` as a Route, or (route, reason) when its path cannot
    be built from its pattern."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        here = _join(route, str(pattern.pattern))
        mine = _parts(pattern)
        if mine is None:
            yield here, "the pattern is a regex this walk cannot fill in"
            continue
        if isinstance(pattern, URLResolver):
            namespace = ns + ((pattern.namespace,) if pattern.namespace else ())
            yield from walk(pattern, here, parts + mine, namespace)
        elif isinstance(pattern, URLPattern):
            name = ":".join((*ns, pattern.name)) if pattern.name else here
            model = _admin_model(pattern) or _admin_model(*resolver.url_patterns)
            yield Route(here, name, parts + mine, pattern.callback, model)


def _admin_model(*patterns) -> type | None:
    """The model of a model admin's page. Pages that an admin adds to its own (a history
    version page) sit beside the admin's other pages: they belong to its model too."""
    for pattern in patterns:
        admin = getattr(getattr(pattern, "callback", None), "model_admin", None)
        if admin is not None:
            return admin.model
    return None


# ---------------------------------------------------------------- parameter values


@dataclass
class Pools:
    """Identifiers of the records that must stay hidden, to put into paths."""

    keys: set  # primary keys (numbers; text for models keyed by text)
    texts: set[str]  # text identifiers: codes, tokens, numbers
    years: set[int]  # for a parameter named like a year
    months: set[str]  # YYYY-MM, for a parameter named like a month
    days: set[str]  # YYYY-MM-DD, for a parameter named like a date
    by_model: dict[type, set[str]]  # an admin page's own model: its records' keys
    pairs: set[tuple]  # identifiers that belong together (a case and its notice …)
    objects: set[tuple]  # (content type, key), for a parameter named like a content type
    versions: dict[type, set[tuple]]  # (record, past version) of models with a history

    def singles(self, param: Param) -> set:
        words = set(param.name.lower().split("_"))
        if "year" in words:
            return self.years
        if "month" in words:
            return self.months
        if words & {"date", "day"}:
            return self.days
        return self.keys | self.texts

    def values(self, route: Route, limit: int = 3) -> list[tuple]:
        """The parameter values to request `route` with."""
        params = route.params
        if not params:
            return [()]
        words = [_alternatives(p) for p in params]
        if len(params) == 1 and words[0]:  # (auth|core|…): the pattern names its values
            candidates = [(w,) for w in words[0]]
        elif len(params) == 1 and route.model is not None:  # an admin page of one model
            candidates = [(v,) for v in self.by_model.get(route.model) or _some_keys(route.model)]
        elif len(params) == 1:
            candidates = [(v,) for v in self.singles(params[0])]
        elif len(params) == 2 and route.model is not None:
            candidates = list(self.versions.get(route.model) or _some_versions(route.model))
        elif len(params) == 2 and "content_type" in params[0].name:
            candidates = list(self.objects)
        elif len(params) == 2:
            candidates = list(self.pairs)
        else:  # three or more (none today): a few combinations of single values
            singles = [sorted(self.singles(p), key=str)[:limit] for p in params]
            candidates = list(itertools.product(*singles))
        return sorted(
            {tuple(c) for c in candidates if len(c) == len(params) and all(map(_fits, params, c))},
            key=str,
        )


def _fits(param: Param, value) -> bool:
    """Numbers go into numeric and path parameters; text into text parameters."""
    if not param.accepts(value):
        return False
    if isinstance(value, int) and not isinstance(value, bool):
        return _int_like(param) or param.accepts("a/b")
    return not _int_like(param)


def _int_like(param: Param) -> bool:
    return param.accepts("1") and not param.accepts("a")


def _alternatives(param: Param) -> list[str]:
    return param.regex.split("|") if re.fullmatch(r"\w+(\|\w+)+", param.regex) else []


def _some_keys(model, n: int = 3) -> set[str]:
    """Keys of a few rows of a model that has no town-B records (district-wide data, which
    a town user may not see either); a key that exists nowhere when it has no rows."""
    keys = model._default_manager.order_by("pk").values_list("pk", flat=True)[:n]
    return {str(pk) for pk in keys} or {"1"}


def _some_versions(model, n: int = 3) -> set[tuple]:
    history = getattr(model, "history", None)
    if history is None or not hasattr(history, "model"):
        return {("1", "1")}
    rows = history.order_by("history_id").values_list("id", "history_id")[:n]
    return {(str(pk), str(h)) for pk, h in rows} or {("1", "1")}


_IDENTIFIER_NAMES = ("code", "token", "number", "external_id", "ref")


def _texts(obj) -> set[str]:
    """The text keys of a record that a URL could carry: unique or key-like text columns
    (codes, tokens, numbers)."""
    found: set[str] = set()
    for f in obj._meta.concrete_fields:
        value = getattr(obj, f.attname)
        if f.get_internal_type() != "CharField" or f.is_relation or value in (None, ""):
            continue
        if getattr(f, "is_secret", False) or f.name.endswith(("_hash", "_masked")):
            continue
        text = str(value)
        keyish = f.unique or any(part in f.name for part in _IDENTIFIER_NAMES)
        # Compound keys ("programs.approve:3") and idempotency keys are internal: no URL
        # carries them.
        internal = ":" in text or "idempotency" in f.name
        if keyish and not internal and len(text) <= 64 and not any(c.isspace() for c in text):
            found.add(text)
    return found


def _dates(obj) -> list:
    return [
        getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.get_internal_type() == "DateField" and getattr(obj, f.attname)
    ]


def _years(obj) -> set[int]:
    """Years a record is addressed by: a `year` column (a season, a budget)."""
    return {
        getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.name == "year" and isinstance(getattr(obj, f.attname), int)
    }


def pools_for(
    records: Iterable, dependents: Iterable = (), *, extra_texts: Iterable[str] = ()
) -> Pools:
    """The identifiers of `records` (model instances that must stay hidden) for paths.
    `dependents` are rows that hang on them (an application's notices …): they are
    addressed under their parent, so they only give (parent, child) pairs."""
    from django.contrib.contenttypes.models import ContentType

    records = list(records)
    keys = {(type(r), r.pk) for r in records}
    pools = Pools(set(), set(extra_texts), set(), set(), set(), {}, set(), set(), {})

    def parents_of(obj) -> list:
        found = []
        for f in obj._meta.concrete_fields:
            value = getattr(obj, f.attname) if f.is_relation else None
            if value is None:
                continue
            if (f.related_model, value) in keys:
                found.append(value)
            elif not getattr(f.related_model, "scope_field", None):
                # A district-wide row the record belongs to (its season, its budget year).
                pools.years.update(_years(getattr(obj, f.name)))
        object_id = getattr(obj, "object_id", None)  # a generic relation: an attachment's owner
        if isinstance(object_id, str) and object_id.isdigit():
            found.append(int(object_id))
        return found

    for obj in records:
        model, pk = type(obj), obj.pk
        pools.by_model.setdefault(model, set()).add(str(pk))
        pools.keys.add(pk)
        texts = _texts(obj)
        pools.texts |= texts
        pools.years |= _years(obj) | {d.year for d in _dates(obj)}
        months = {f"{d:%Y-%m}" for d in _dates(obj)}
        pools.months |= months
        pools.days |= {f"{d:%Y-%m-%d}" for d in _dates(obj)}
        pools.objects.add((ContentType.objects.get_for_model(model).pk, pk))
        history = getattr(obj, "history", None)
        if hasattr(history, "values_list"):  # simple_history's page of one past version
            pools.versions.setdefault(model, set()).update(
                (str(pk), str(h)) for h in history.values_list("history_id", flat=True)
            )
        for parent in parents_of(obj):
            pools.pairs.add((parent, pk))
            pools.pairs |= {(parent, t) for t in texts | months}
    for obj in dependents:
        for parent in parents_of(obj):
            pools.pairs.add((parent, obj.pk))
    return pools
