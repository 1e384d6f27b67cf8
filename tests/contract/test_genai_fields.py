"""Every field the google-genai SDK can send in a create request is one the spec defines.

A create request is closed at every level (an unknown field is a 400, as Google's API answers), so a
field the SDK sends and the spec lacks would break that SDK. This walks the SDK's own request models
(`google.genai.interactions`, pydantic, the same fields as its TypedDict params) side by side with
the spec's schemas: each model against the union branch its `type` tag selects (or, untagged, the
branch that shares most of its fields), each field against the property of the same wire name.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import google.genai.interactions as interactions
import pydantic
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS: dict[str, Any] = yaml.safe_load((ROOT / "openapi" / "interactions.yaml").read_text("utf-8"))[
    "components"
]["schemas"]


def _resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = SCHEMAS[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _branches(node: Any) -> list[dict[str, Any]]:
    """The concrete alternatives a schema allows: union members flattened, an `allOf` (a strict
    view) merged into one object."""
    node = _resolve(node)
    if not isinstance(node, dict):
        return []
    if "allOf" in node:
        properties: dict[str, Any] = {}
        for part in node["allOf"]:
            for branch in _branches(part):
                properties.update(branch.get("properties", {}))
        properties.update(node.get("properties", {}))
        return [{"type": "object", "properties": properties}]
    union = [b for key in ("oneOf", "anyOf") for alt in node.get(key, []) for b in _branches(alt)]
    return union or [node]


def _tags(branch: dict[str, Any]) -> set[Any]:
    tag = _resolve((branch.get("properties") or {}).get("type") or {})
    return set(tag.get("enum", [])) | ({tag["const"]} if "const" in tag else set())


def _tag_of(model: type[pydantic.BaseModel]) -> Any:
    field = model.model_fields.get("type")
    if field is None:
        return None
    annotation = field.annotation
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) is Literal:
        return get_args(annotation)[0]
    return None if field.default in (None, pydantic.fields.PydanticUndefined) else field.default


class Walk:
    def __init__(self) -> None:
        self.missing: list[str] = []
        self.models = 0
        self._seen: set[tuple[str, int]] = set()

    def annotation(self, annotation: Any, node: Any, path: str) -> None:
        origin = get_origin(annotation)
        if origin is Annotated:
            self.annotation(get_args(annotation)[0], node, path)
        elif type(annotation).__name__ == "TypeAliasType":  # typing_extensions' on 3.11: by name
            self.annotation(annotation.__value__, node, path)
        elif origin in (Union, types.UnionType):
            for member in get_args(annotation):
                self.annotation(member, node, path)
        elif origin is list:
            arrays = [b for b in _branches(node) if b.get("type") == "array" or "items" in b]
            if not arrays:
                self.missing.append(f"{path}: a list in the SDK, no array in the spec")
                return
            self.annotation(
                get_args(annotation)[0], {"anyOf": [b.get("items", {}) for b in arrays]}, path + "[]"
            )
        elif isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            self.model(annotation, node, path)

    def model(self, model: type[pydantic.BaseModel], node: Any, path: str) -> None:
        if model.__name__.startswith("Unknown"):  # the SDK's fallback for types it does not know
            return
        objects = [b for b in _branches(node) if "properties" in b or b.get("type") == "object"]
        tag = _tag_of(model)
        if tag is not None:
            objects = [b for b in objects if tag in _tags(b)]
        if not objects:
            self.missing.append(f"{path}: the SDK's {model.__name__} (type {tag!r}) has no schema")
            return
        wire = {field.alias or name: field for name, field in model.model_fields.items()}
        branch = max(objects, key=lambda b: len(set(wire) & set(b.get("properties", {}))))
        if (model.__name__, id(branch)) in self._seen:
            return
        self._seen.add((model.__name__, id(branch)))
        self.models += 1
        properties = branch.get("properties", {})
        for name, field in wire.items():
            if name not in properties:
                self.missing.append(f"{path}.{name} ({model.__name__})")
            else:
                self.annotation(field.annotation, properties[name], f"{path}.{name}")


@pytest.mark.parametrize("kind", ["CreateModelInteraction", "CreateAgentInteraction"])
def test_every_field_google_genai_can_send_is_in_the_spec(kind):
    walk = Walk()
    walk.model(getattr(interactions, kind), {"$ref": f"#/components/schemas/{kind}"}, kind)
    assert walk.models > 50  # it really went down into content, steps, tools and configs
    assert walk.missing == []


def test_the_walk_finds_a_field_the_spec_lacks(monkeypatch):
    """The check above can fail: without `seed` in GenerationConfig it names the field."""
    config = {**SCHEMAS["GenerationConfig"], "properties": dict(SCHEMAS["GenerationConfig"]["properties"])}
    del config["properties"]["seed"]
    monkeypatch.setitem(SCHEMAS, "GenerationConfig", config)
    walk = Walk()
    walk.model(
        interactions.CreateModelInteraction, {"$ref": "#/components/schemas/CreateModelInteraction"}, "m"
    )
    assert walk.missing == ["m.generation_config.seed (GenerationConfig)"]
