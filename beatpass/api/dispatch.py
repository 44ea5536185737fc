"""URL resolution with the answer of Django's ``URLResolver.resolve``, for less CPU.

Django walks the URLconf tree depth first: each included resolver tries its patterns in order
(one regex each), a failed include raises ``Resolver404`` (caught by its parent), and every
level of a match builds its own ``ResolverMatch``. ``/api/v1/`` mounts six apps with an empty
prefix, so a route late in the list (downloads, catalog lists) went through a hundred regexes
and several exceptions: 75-85 µs of CPU, about as much as some views (bench/analytics.py);
here 30-40 % of that (``/api/v1/tracks`` 200 → 94 µs, a download 67 → 39 µs under load).

``resolve`` walks the same tree in the same order and returns an equal ``ResolverMatch``
(``func``, ``args``, ``kwargs``, ``url_name``, ``app_names``, ``namespaces``, ``route``,
``tried``, ``captured_kwargs``, ``extra_kwargs``) or raises an equal ``Resolver404``, with
three differences in how, none in what:

* each resolver's patterns carry a literal prefix computed once (the text of a route before
  its first ``<``, the plain characters at the start of a regex): a pattern whose prefix the
  remaining path does not start with cannot match, so it is not run (Django would record it
  in ``tried`` as ``[pattern]``, and so does this walk);
* a failed include returns instead of raising, and ``tried`` lists are built only when read
  (a ``Resolver404``'s at once; a match's ``tried``, which nothing but Django's debugging aids
  reads, on first access): building them was most of the cost of a late route;
* one ``ResolverMatch`` (a subclass with that lazy ``tried``) is built, from the levels'
  arguments merged as ``URLResolver.resolve`` merges them.

Patterns and resolvers of any other class than Django's own (a subclass may resolve its own
way) are resolved by their own ``resolve``. ``beatpass.api.tests.test_dispatch`` compares the
two over a URL of every route and misses of every prefix.
"""

from __future__ import annotations

import re

from django.urls.resolvers import (
    RegexPattern,
    Resolver404,
    ResolverMatch,
    RoutePattern,
    URLPattern,
    URLResolver,
)

__all__ = ["literal_prefix", "resolve"]

_PLAIN = re.compile(r"[A-Za-z0-9/_\-]*")
_QUANTIFIERS = frozenset("?*+{")


def literal_prefix(pattern) -> str:
    """Text every path a ``RoutePattern``/``RegexPattern`` matches starts with ("" when not
    known: the pattern is always tried)."""
    if type(pattern) is RoutePattern:
        route = pattern._route
        if type(route) is not str:  # a lazy translation: its text depends on the language
            return ""
        return route.split("<", 1)[0]
    if type(pattern) is RegexPattern:
        regex = pattern._regex
        if type(regex) is not str or not regex.startswith("^") or pattern.regex.flags & re.I:
            return ""
        if _top_level_alternation(regex):
            return ""  # "^a|b": the second branch is not anchored
        plain = _PLAIN.match(regex, 1).group()
        following = regex[1 + len(plain) : 2 + len(plain)]
        if following and following in _QUANTIFIERS:
            plain = plain[:-1]  # the last character is optional or repeated
        return plain
    return ""


def _top_level_alternation(regex: str) -> bool:
    """Whether ``regex`` has a ``|`` outside every group and character class."""
    depth, in_class, escaped = 0, False, False
    for char in regex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


def _table(resolver: URLResolver) -> tuple:
    """(pattern, literal prefix, kind) of each of ``resolver``'s patterns, kept on it."""
    patterns = resolver.url_patterns
    kept = resolver.__dict__.get("_beatpass_table")
    # Rebuilt if the list was replaced or grew since (a test appending a route).
    if kept is not None and kept[0] is patterns and kept[1] == len(patterns):
        return kept[2]
    rows = []
    for pattern in patterns:
        if type(pattern) is URLPattern:
            kind = 1
        elif type(pattern) is URLResolver:
            kind = 2
        else:
            kind = 0
        prefix = literal_prefix(pattern.pattern) if kind else ""
        rows.append((pattern, prefix, kind))
    table = tuple(rows)
    resolver.__dict__["_beatpass_table"] = (patterns, len(patterns), table)
    return table


class _Tried:
    """A level's ``tried`` list, not built yet: the first ``upto`` patterns of ``table``, each
    recorded as ``[pattern]`` unless ``subs`` holds what it tried (``[pattern, *t]`` for each
    ``t`` of it, as ``URLResolver._extend_tried``)."""

    __slots__ = ("subs", "table", "upto")

    def __init__(self, table, upto, subs) -> None:
        self.table, self.upto, self.subs = table, upto, subs


def _built(tried) -> list | None:
    if type(tried) is not _Tried:
        return tried  # None, or a list some pattern's own ``resolve`` built
    out = []
    subs = tried.subs
    for i, (pattern, _prefix, _kind) in enumerate(tried.table[: tried.upto]):
        if i in subs:
            out.extend([pattern, *t] for t in _built(subs[i]))
        else:
            out.append([pattern])
    return out


def _walk(resolver: URLResolver, path: str):
    """``resolver.resolve(path)`` without raising or building a ``ResolverMatch``: (True, the
    arguments of the ``ResolverMatch`` it returns) or (False, the ``Resolver404``'s
    argument), with ``tried`` lists left as ``_Tried``."""
    match = resolver.pattern.match(path)
    if not match:
        return False, {"path": path}
    new_path, args, kwargs = match
    table = _table(resolver)
    subs = {}
    for i, (pattern, prefix, kind) in enumerate(table):
        if prefix and not new_path.startswith(prefix):
            continue  # cannot match: recorded as ``[pattern]``, as Django does
        if kind == 1:  # ``URLPattern.resolve``
            leaf = pattern.pattern.match(new_path)
            if not leaf:
                continue
            _rest, sub_args, captured = leaf
            sub = (
                pattern.callback,
                sub_args,
                {**captured, **pattern.default_args},
                pattern.pattern.name,
                [],
                [],
                str(pattern.pattern),
                None,
                captured,
                pattern.default_args,
            )
        elif kind == 2:
            found, sub = _walk(pattern, new_path)
            if not found:
                if "tried" in sub:
                    subs[i] = sub["tried"]
                continue
        else:
            try:
                sub_match = pattern.resolve(new_path)
            except Resolver404 as e:
                sub_tried = e.args[0].get("tried")
                if sub_tried is not None:
                    subs[i] = sub_tried
                continue
            if not sub_match:
                continue
            sub = (
                sub_match.func,
                sub_match.args,
                sub_match.kwargs,
                sub_match.url_name,
                sub_match.app_names,
                sub_match.namespaces,
                sub_match.route,
                sub_match.tried,
                sub_match.captured_kwargs,
                sub_match.extra_kwargs,
            )
        func, sub_args, sub_kwargs, url_name, app_names, namespaces, route, sub_tried = sub[:8]
        captured_kwargs, extra_kwargs = sub[8], sub[9]
        # ``URLResolver.resolve``'s merge of this level into the match below it.
        merged = {**kwargs, **resolver.default_kwargs}
        merged.update(sub_kwargs)
        if not merged:
            sub_args = args + sub_args
        current_route = "" if kind == 1 or isinstance(pattern, URLPattern) else str(pattern.pattern)
        if sub_tried is not None:
            subs[i] = sub_tried
        return True, (
            func,
            sub_args,
            merged,
            url_name,
            [x for x in [resolver.app_name, *app_names] if x],
            [x for x in [resolver.namespace, *namespaces] if x],
            URLResolver._join_route(current_route, route),
            _Tried(table, i + 1, subs),
            captured_kwargs,
            {**resolver.default_kwargs, **extra_kwargs},
        )
    return False, {"tried": _Tried(table, len(table), subs), "path": new_path}


class _Match(ResolverMatch):
    """A ``ResolverMatch`` whose ``tried`` list (every pattern tried before the match, which
    nothing reads on a match but Django's own debugging aids) is built when first read."""

    @property
    def tried(self):
        built = self.__dict__.get("_tried_list", _Match)
        if built is _Match:
            built = self.__dict__["_tried_list"] = _built(self.__dict__["_tried_later"])
        return built

    @tried.setter
    def tried(self, value):
        self.__dict__["_tried_list"] = value


def resolve(resolver, path) -> ResolverMatch:
    """``resolver.resolve(path)``'s answer (module docstring)."""
    if type(resolver) is not URLResolver:
        return resolver.resolve(path)
    found, result = _walk(resolver, str(path))
    if not found:
        if "tried" in result:
            result["tried"] = _built(result["tried"])
        raise Resolver404(result)
    func, args, kwargs, url_name, app_names, namespaces, route, tried, captured, extra = result
    match = _Match(
        func,
        args,
        kwargs,
        url_name,
        app_names,
        namespaces,
        route,
        None,
        captured_kwargs=captured,
        extra_kwargs=extra,
    )
    del match.__dict__["_tried_list"]
    match.__dict__["_tried_later"] = tried
    return match
