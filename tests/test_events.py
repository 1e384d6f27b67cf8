"""parley.events holds the spec's shapes as TypedDicts: each is checked against its schema in
openapi/interactions.yaml (keys, required keys, constants, enums, nested references), so a spec
change that the types miss fails here."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any, Literal, NotRequired, Required, get_args, get_origin

import pytest
import yaml

from parley import events

SPEC = yaml.safe_load((Path(__file__).parent.parent / "openapi" / "interactions.yaml").read_text())
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
TYPED_DICTS = {
    name: value
    for name, value in vars(events).items()
    if isinstance(value, type) and typing.is_typeddict(value) and value.__module__ == events.__name__
}


def _ref_name(schema: dict) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _unwrap(hint: Any) -> Any:
    while get_origin(hint) in (NotRequired, Required):
        (hint,) = get_args(hint)
    return hint


def test_every_typed_dict_is_a_spec_schema():
    assert len(TYPED_DICTS) >= 14
    assert sorted(set(TYPED_DICTS) - set(SCHEMAS)) == []


@pytest.mark.parametrize("name", sorted(TYPED_DICTS))
def test_typed_dict_matches_its_schema(name: str):
    cls, schema = TYPED_DICTS[name], SCHEMAS[name]
    properties: dict[str, Any] = schema["properties"]
    assert set(cls.__annotations__) == set(properties), "keys differ from the spec's properties"
    assert cls.__required_keys__ == frozenset(schema.get("required", [])), "required keys differ"
    hints = typing.get_type_hints(cls, include_extras=True)
    for key, prop in properties.items():
        hint = _unwrap(hints[key])
        if "const" in prop:
            assert hint == Literal[prop["const"]], key
        if "enum" in prop:
            assert set(get_args(hint)) == set(prop["enum"]) and get_origin(hint) is Literal, key
        target = _ref_name(prop) or _ref_name(prop.get("items") or {})
        if target in TYPED_DICTS:  # a nested spec shape is typed as that TypedDict
            expected = TYPED_DICTS[target] if "$ref" in prop else list[TYPED_DICTS[target]]
            assert hint == expected, key
        if target == "InteractionStatus":
            assert hint is events.InteractionStatus, key


def test_status_literal_is_the_spec_enum():
    assert list(get_args(events.InteractionStatus)) == SCHEMAS["InteractionStatus"]["enum"]


def test_event_union_names_and_constants_match_the_spec():
    union = SCHEMAS["InteractionSSEEvent"]
    members = [_ref_name(s) for s in union["oneOf"]]
    assert [cls.__name__ for cls in get_args(events.InteractionSSEEvent)] == members
    mapping = union["discriminator"]["mapping"]
    assert list(get_args(events.EventType)) == list(mapping)
    for event_type, ref in mapping.items():
        cls = TYPED_DICTS[ref.rsplit("/", 1)[-1]]
        assert _unwrap(cls.__annotations__["event_type"]) == Literal[event_type]
    constants = {
        events.INTERACTION_CREATED,
        events.INTERACTION_STATUS_UPDATE,
        events.STEP_START,
        events.STEP_DELTA,
        events.STEP_STOP,
        events.INTERACTION_COMPLETED,
        events.ERROR,
    }
    assert constants == set(mapping)
