"""Help texts and option defaults read from their owners (registries, settings models) only when
they are needed. A registry's package or a settings module may import numpy, wordfreq or the
openai client, which ``llavar2 --help`` and the other commands must not pay for."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from importlib import import_module
from typing import Any, get_type_hints

from rich.markup import escape
from typer.core import TyperArgument, TyperCommand, TyperOption


def attribute(path: str) -> Any:
    """``"package.module:Name.attr"`` → that object (the module is imported now)."""
    module, _, names = path.partition(":")
    obj: Any = import_module(module)
    for name in names.split("."):
        obj = getattr(obj, name)
    return obj


class Late:
    """A value made on first use. As an option's default, click calls it only when the option
    is left out, and help shows its ``str()``."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make

    def __call__(self) -> Any:
        return self._make()

    def __str__(self) -> str:
        return str(self())


def described(registry: str) -> Late:
    """The names (with their help) registered in ``registry``, e.g. ``"llavar2.ocr:ENGINES"``;
    escaped, since help is rich markup (``llavar2[tesseract]`` is no style)."""
    return Late(lambda: escape(attribute(registry).describe()))


def field_default(owner: Any, name: str) -> Any:
    """The default of ``name`` in a pydantic model, a dataclass or a function's signature."""
    if isinstance(owner, type) and hasattr(owner, "model_fields"):
        return owner.model_fields[name].get_default(call_default_factory=True)
    if dataclasses.is_dataclass(owner):
        field = next(f for f in dataclasses.fields(owner) if f.name == name)
        if field.default_factory is not dataclasses.MISSING:
            return field.default_factory()
        return field.default
    return inspect.signature(owner).parameters[name].default


def late(make: Callable[[], Any]) -> Any:  # Any: it stands in for the option's own type
    """A Late option default."""
    return Late(make)


class Defaults:
    """``Defaults("llavar2.config:BuildConfig").n_duos``: that field's default, made late."""

    def __init__(self, owner: str) -> None:
        self._owner = owner

    def __getattr__(self, name: str) -> Any:  # Any: it stands in for the option's own type
        return Late(lambda: field_default(attribute(self._owner), name))


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class LateHelp(str):
    """A help text whose ``{}`` fields are filled in from Late values when the help is shown
    (by ``Command``)."""

    values: tuple[Late, ...]

    def __new__(cls, template: str, *values: Late) -> LateHelp:
        text = super().__new__(cls, template)
        text.values = values
        return text

    def text(self) -> str:
        return str.format(self, *(_shown(value()) for value in self.values))


class Command(TyperCommand):
    """A command whose options' LateHelp texts are filled in when its help is shown."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # Typer copies help texts into plain strings: the LateHelp is read back from the
        # option's declaration, in the command function's annotations.
        assert self.callback is not None  # every command has its function
        declared = get_type_hints(inspect.unwrap(self.callback), include_extras=True)
        for param in self.params:
            if not isinstance(param, TyperOption | TyperArgument):
                continue  # only typer's options and arguments carry help
            for info in getattr(declared.get(param.name or ""), "__metadata__", ()):
                if isinstance(getattr(info, "help", None), LateHelp):
                    param.help = info.help.text()
        super().format_help(ctx, formatter)
