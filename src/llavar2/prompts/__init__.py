"""Prompt and phrasing templates, shipped as package data (DESIGN §2).

Every user-visible wording a generator uses lives in one JSON file per stage, named
``<name>@<version>.json``. A changed wording gets a new version, so the ``template`` recorded in
each record's provenance always names the exact text that produced it.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict

_SUFFIX = ".json"
_REF = re.compile(r"[a-z0-9][a-z0-9-]*@[0-9]+")  # also keeps a reference from naming a path


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str  # e.g. "offline-qa"
    version: int
    description: str = ""
    data: dict[str, Any]  # the phrasings; their layout is up to the stage that reads them

    @property
    def ref(self) -> str:
        """``name@version``, what provenance records."""
        return f"{self.name}@{self.version}"


def available_templates() -> list[str]:
    files = resources.files(__package__).iterdir()
    return sorted(f.name[: -len(_SUFFIX)] for f in files if f.name.endswith(_SUFFIX))


def load_template(name: str) -> Template:
    """Load ``name@version`` (e.g. ``"offline-qa@1"``) from this package's data files."""
    path = resources.files(__package__) / f"{name}{_SUFFIX}"
    if not _REF.fullmatch(name) or not path.is_file():
        known = ", ".join(available_templates()) or "none"
        raise KeyError(f"unknown template {name!r} (known: {known})")
    template = Template.model_validate_json(path.read_text(encoding="utf-8"))
    if template.ref != name:  # a copied file whose header was not updated
        raise ValueError(f"template file {name}{_SUFFIX} declares {template.ref!r}")
    return template
