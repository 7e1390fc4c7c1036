"""Name → implementation registries (OCR engines, backends, export formats, metrics, ...).

A new implementation is one file that decorates itself with
``@REGISTRY.register("name", help="...", **metadata)``; the package that owns the registry
imports its modules so that the names exist. The help text and metadata (an export format's
default file name, a benchmark format's task and detector, ...) are what the CLI's help and
defaults are made from, so a new implementation is listed without editing anything else.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .errors import UsageError

T = TypeVar("T")


class UnknownName(UsageError, KeyError):
    """A name no implementation is registered under: a usage error (exit 2 on the CLI) that is
    also a ``KeyError``, as a failed lookup."""

    def __str__(self) -> str:  # KeyError's own str() would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    obj: T
    help: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    def register(self, name: str, *, help: str = "", **meta: Any) -> Callable[[T], T]:
        def add(obj: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._entries[name] = Entry(name, obj, help, meta)
            return obj

        return add

    def entry(self, name: str) -> Entry[T]:
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise UnknownName(f"unknown {self.kind} {name!r} (known: {known})") from None

    def get(self, name: str) -> T:
        return self.entry(name).obj

    def meta(self, name: str, key: str, default: Any = None) -> Any:
        return self.entry(name).meta.get(key, default)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def entries(self) -> list[Entry[T]]:
        return [self._entries[name] for name in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def describe(self, sep: str = ", ") -> str:
        """The names with their help, for CLI help: ``a (what a is), b (what b is)``."""
        return sep.join(f"{e.name} ({e.help})" if e.help else e.name for e in self.entries())


def import_implementations(package: str, path: Iterable[str]) -> None:
    """Import every module of ``package`` (its ``__name__`` and ``__path__``) whose name does not
    start with "_", so that each implementation registers itself: adding one is adding a file.
    Modules starting with "_" hold what the implementations share."""
    for module in pkgutil.iter_modules(path):
        if not module.name.startswith("_"):
            importlib.import_module(f"{package}.{module.name}")
