"""The plugin registry a site holds: named engine lists, stages and hooks that do I/O for the pure core, and the
scheduled jobs of plugins. Nothing is registered by importing a module: a plugin module has a `register(plugins)`
function, called when a site is built (`Plugins.load`).

    list:  (site, conn, item) -> [{"holder": {...}, "data": {...}}]   the entries of a step's `each`
    stage: (site, conn, item, ctx) -> [effects]                        an `auto` step's `compute` with `stage`
    hook:  (site, conn, item, call, ctx) -> [effects]                  a step's `hooks` for an action; may refuse
    jobs:  (site) -> [APScheduler add_job keyword dicts]               jobs the site's scheduler runs
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

from engine.core.states import DubanError

# The plugins a site loads by default (a site without one of them simply lacks its names).
DEFAULT = ("engine.appraisal.hooks", "engine.runtime.bulletins")


class Plugins:
    """Engine lists, stages, hooks and scheduled jobs by name, for one site."""

    def __init__(self) -> None:
        self.lists: dict[str, Callable[..., list[dict]]] = {}
        self.stages: dict[str, Callable[..., Any]] = {}
        self.hooks: dict[str, Callable[..., Any]] = {}
        self.per_unit_stages: set[str] = set()
        self.jobs: list[Callable[[Any], list[dict]]] = []

    def load(self, modules: tuple[str, ...] = DEFAULT) -> "Plugins":
        """Call `register(self)` of each plugin module that is installed."""
        for name in modules:
            try:
                mod = importlib.import_module(name)
            except ImportError as e:  # a site without that plugin
                if e.name != name and not name.startswith(str(e.name)):
                    raise
                continue
            mod.register(self)
        return self

    def add_list(self, name: str, fn: Callable[..., list[dict]]) -> None:
        self.lists[name] = fn

    def add_stage(self, name: str, fn: Callable[..., Any], *, per_unit: bool = False) -> None:
        """`per_unit` stages may run outside the process (DUBAN_STAGES=external): the item then waits until
        `leave_stage` is called for it."""
        self.stages[name] = fn
        if per_unit:
            self.per_unit_stages.add(name)

    def add_hook(self, name: str, fn: Callable[..., Any]) -> None:
        self.hooks[name] = fn

    def add_jobs(self, make: Callable[[Any], list[dict]]) -> None:
        self.jobs.append(make)

    def list(self, name: str) -> Callable[..., list[dict]]:
        return _named(self.lists, name, ("名单", "list"))

    def stage(self, name: str) -> Callable[..., Any]:
        return _named(self.stages, name, ("自动环节", "stage"))

    def hook(self, name: str) -> Callable[..., Any]:
        return _named(self.hooks, name, ("处理函数", "hook"))

    def per_unit(self, name: str) -> bool:
        """Whether a stage is done per unit (and may run outside the process); unknown names raise."""
        self.stage(name)
        return name in self.per_unit_stages


def _named(table: dict[str, Callable[..., Any]], name: str, what: tuple[str, str]) -> Callable[..., Any]:
    if name not in table:
        raise DubanError(f"引擎中没有名为“{name}”的{what[0]}", f"the engine has no {what[1]} named {name!r}",
                         {"name": name})
    return table[name]
