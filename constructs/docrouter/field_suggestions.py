"""'did you mean' for a misspelt field of an environment file: a typo is reported first (pydantic lists
the missing real field before it) and names the field it probably meant (difflib, as git and kubectl do)."""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from docrouter.environment_files import did_you_mean


def unknown_fields_first(errors: Sequence[ErrorDetails]) -> list[ErrorDetails]:
    """A misspelt field makes two errors, 'field required' for the real one and 'extra' for the typo:
    the typo is what the user wrote, so it comes first."""
    return sorted(errors, key=lambda error: error["type"] != "extra_forbidden")


def suggestion(model: type[BaseModel], loc: Sequence[str]) -> str:
    """' (did you mean 'replicas'?)' for loc's last part among the field names its parent allows."""
    return did_you_mean(loc[-1], sorted(_field_names(model, loc[:-1]))) if loc else ""


def _field_names(model: type[BaseModel], parent: Sequence[str]) -> set[str]:
    models = [model]
    for part in parent:
        models = [
            nested
            for candidate in models
            if part in candidate.model_fields
            for nested in _models_in(candidate.model_fields[part].annotation)
        ]
    return {name for candidate in models for name in candidate.model_fields}


def _models_in(annotation: object) -> list[type[BaseModel]]:
    """The models a field's type can hold: X, X | None, Annotated[X, ...], unions of models, list[X]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated, list, tuple, dict):
        return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]
    return []
