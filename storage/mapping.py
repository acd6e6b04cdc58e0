"""Rows to domain dataclasses and back.

The domain classes and the tables share field names, so one generic mapper does it: enums
travel as their string values, thresholds as JSON, datetimes as aware UTC (the column type
:class:`storage.tables.UtcDateTime` does the time-zone part).
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from functools import cache
from typing import Any, TypeVar, cast

T = TypeVar("T")


@cache
def _field_types(cls: type) -> dict[str, type | None]:
    """Per field, the class to convert a stored value into (an Enum or float), else None."""
    hints = typing.get_type_hints(cls)
    converters: dict[str, type | None] = {}
    for field in dataclasses.fields(cls):
        hint = hints[field.name]
        # ``X | None``: look at X.
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
            options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
            hint = options[0] if len(options) == 1 else None
        if isinstance(hint, type) and issubclass(hint, enum.Enum | float):
            converters[field.name] = hint
        else:
            converters[field.name] = None
    return converters


def to_domain(cls: type[T], row: Any) -> T:
    """The dataclass ``cls`` built from a row's mapping (``row._mapping``: any mapping of
    column name to value)."""
    values: dict[str, Any] = {}
    for name, convert in _field_types(cast(type, cls)).items():
        value = row[name]
        if value is not None and convert is not None:
            value = convert(value)
        elif isinstance(value, dict):
            value = dict(value)
        values[name] = value
    return cls(**values)


def from_prefixed(cls: type[T], values: Any, prefix: str) -> T | None:
    """The dataclass ``cls`` from the columns of a joined row labelled ``prefix`` + name;
    None when an outer join found no row (its ``id`` is NULL)."""
    if values[prefix + "id"] is None:
        return None
    return to_domain(cls, {key[len(prefix):]: value for key, value in values.items()
                           if key.startswith(prefix)})


def to_values(obj: Any, *, exclude: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    """The column values of a dataclass, ready for an INSERT or UPDATE."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(obj):
        if field.name in exclude:
            continue
        value = getattr(obj, field.name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, dict):
            value = dict(value)
        values[field.name] = value
    return values


__all__ = ["to_domain", "to_values"]
