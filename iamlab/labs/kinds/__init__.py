"""The kinds of quiz question, found through one registry.

Each kind is one :class:`~iamlab.labs.kinds.base.Kind` in its own module of this package
(``choice.py``, ``path.py``, ...), which registers it when imported: what its fields must be
at load, how it makes a variant, grades an answer and says why a wrong one is wrong, what the
page shows of its answer, and its template (``templates/labs/kinds/``). The quiz, its pages
and the loader ask the registry for a question's kind; none of them names a kind.

The registry imports every module of this package the first time it is asked, so a new kind
is one new module (and its template) and nothing else.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Kind

__all__ = ["get", "kinds", "names", "register", "unregister"]

_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add ``kind`` to the registry under its name (a kind module does this when imported)."""
    known = _KINDS.get(kind.name)
    if known is not None and type(known) is not type(kind):
        raise ValueError(f"two kinds of question are named {kind.name}")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Take a kind out of the registry (a test's own kind, once the test is done)."""
    _KINDS.pop(name, None)


@functools.cache
def _discover() -> None:
    """Import every module of this package: each kind module registers its kind."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def kinds() -> list[Kind]:
    """Every kind, in the order the bank format lists them (``Kind.rank``)."""
    _discover()
    return sorted(_KINDS.values(), key=lambda k: (k.rank, k.name))


def names() -> list[str]:
    return [k.name for k in kinds()]


def get(name: str) -> Kind:
    """The kind named ``name``; KeyError for a name no kind has."""
    _discover()
    return _KINDS[name]
