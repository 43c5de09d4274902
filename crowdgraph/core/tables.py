"""The base of every crowdgraph table: a Tortoise model that starts without reading its source.

Tortoise reads each model class's source file at import (``inspect.getsource``) to find ``#:``
field comments; with some forty models that is a large part of starting a server. crowdgraph
describes fields with ``description=`` instead, so its models skip the reading.
"""

from __future__ import annotations

from typing import Any

from tortoise.models import Model as TortoiseModel
from tortoise.models import ModelMeta


class _WithoutSourceComments(ModelMeta):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        attrs.setdefault("_no_comments", True)
        return super().__new__(mcs, name, bases, attrs)


class Model(TortoiseModel, metaclass=_WithoutSourceComments):
    """Subclass this for a table (plugins too: ``from crowdgraph.core.tables import Model``)."""

    class Meta:
        abstract = True
