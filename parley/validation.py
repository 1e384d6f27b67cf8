"""JSON Schema checks for the gateway: compiled validators for the hot path, and, only when a body
is invalid, a message that names the field that is actually wrong.

Connexion hands over the spec's 3.0 schemas with `$ref`s resolved; `nullable` is rewritten to
JSON Schema type lists so that Draft 2020-12 validators read them as the 3.1 spec means them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema import ValidationError

MAX_MESSAGE = 300
TAGS = ("type", "event_type")  # the discriminators of the spec's unions


def nullable_to_type_list(node: Any) -> Any:
    """OpenAPI 3.0 `nullable` as JSON Schema type lists, so a plain 2020-12 validator reads it."""
    if isinstance(node, list):
        return [nullable_to_type_list(x) for x in node]
    if not isinstance(node, dict):
        return node
    node = {
        k: nullable_to_type_list(v)
        for k, v in node.items()
        if k not in ("discriminator", "example", "xml", "externalDocs")
    }
    if node.pop("nullable", False):
        if "type" in node:
            t = node["type"]
            node["type"] = (t if isinstance(t, list) else [t]) + ["null"]
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


Schema = dict[str, Any]
_compiled: dict[int, tuple[Schema, jsonschema_rs.Validator]] = {}


def compiled(schema: Schema) -> jsonschema_rs.Validator:
    """A jsonschema_rs validator, cached by the identity of the (long-lived) schema dict."""
    hit = _compiled.get(id(schema))
    if hit is None or hit[0] is not schema:
        hit = (schema, jsonschema_rs.Draft202012Validator(nullable_to_type_list(schema)))
        _compiled[id(schema)] = hit
    return hit[1]


def describe(schema: Schema, instance: Any) -> str:
    """Why `instance` does not match `schema`, at the field that is wrong.

    Plain validators report a failed oneOf/anyOf as "not valid under any of the given schemas".
    Here the union branches are weighed: a branch whose type tag matched the instance explains
    best; then an untagged branch that got as deep as any tag; else the tags that would have fit;
    else the JSON types that would have."""
    err = next(jsonschema.Draft202012Validator(nullable_to_type_list(schema)).iter_errors(instance), None)
    if err is None:
        return "does not match the schema"
    leaves = list(_leaves(err, 1))
    tagged = [e for e, fit in leaves if fit == 2]
    untagged = [e for e, fit in leaves if fit == 1]
    misses = [e for e, _ in leaves if _tag_miss(e)]
    if tagged:
        best = _deepest(tagged)
    elif untagged and not (misses and _depth(_deepest(misses)) > _depth(_deepest(untagged))):
        best = _deepest(untagged)
    elif misses:  # no branch has this tag: say which tags there are
        best = _deepest(misses)
        tags = sorted({str(v) for e in misses if e.absolute_path == best.absolute_path for v in _allowed(e)})
        best.message = f"{best.instance!r} is not one of {tags}"
    else:  # nothing fits this shape: say which JSON types would
        best = _deepest([e for e, _ in leaves])
        types = sorted(
            {
                str(e.validator_value)
                for e, _ in leaves
                if e.validator == "type" and e.absolute_path == best.absolute_path
            }
        )
        if len(types) > 1:
            best.message = f"{_short(repr(best.instance))} is not of type {', '.join(types)}"
    if best.validator in ("additionalProperties", "unevaluatedProperties") and best.validator_value is False:
        return unknown_fields(_unknown_names(best), list(best.absolute_path))
    message = _short(best.message)
    path = "/".join(map(str, best.absolute_path))
    return f"{message} (at /{path})" if path else message


def unknown_fields(names: list[str], path: list[str | int]) -> str:
    """Fields the spec does not define, worded as Google's API words them (one line per name):
    `Invalid JSON payload received. Unknown name "frobnicate": Cannot find field.`, with
    ` at 'generation_config'` (or `'tools[0]'`) when the object is nested."""
    where = ""
    for part in path:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    at = f" at '{where}'" if where else ""
    return "\n".join(
        _short(f'Invalid JSON payload received. Unknown name "{name}"{at}: Cannot find field.')
        for name in names
    )


def _unknown_names(err: ValidationError) -> list[str]:
    """The names an additionalProperties / unevaluatedProperties error refused."""
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = (err.schema.get("properties") if isinstance(err.schema, dict) else None) or {}
        return [name for name in err.instance if name not in known]
    # jsonschema words it "... ('a', 'b' were unexpected)": the names are quoted reprs.
    return re.findall(r"'((?:[^'\\]|\\.)*)'", err.message.rpartition("(")[2]) or ["?"]


def _leaves(err: ValidationError, fit: int) -> Iterator[tuple[ValidationError, int]]:
    """The leaf errors under `err`, each with how well its union branches fit the instance:
    2 = a branch's type tag matched, 1 = untagged branches only, 0 = a branch did not fit."""
    if not err.context:
        yield err, fit
        return
    branches: dict[int, list[ValidationError]] = {}
    for e in err.context:  # a oneOf/anyOf branch's errors: their paths start at its index
        branches.setdefault(int(e.relative_schema_path[0]), []).append(e)
    for index, errs in branches.items():
        here, tagged = err.absolute_path, _tag_matches(err, index)
        # A branch does not fit when its tag differs, the JSON type differs, or (untagged) a key
        # that tells it apart, such as `model` vs `agent`, is missing.
        missed = any(
            _tag_miss(e)
            or (
                e.absolute_path == here
                and (e.validator == "type" or (e.validator == "required" and not tagged))
            )
            for e in errs
        )
        level = 0 if missed or fit == 0 else max(fit, 2 if tagged else 1)
        for e in errs:
            yield from _leaves(e, level)


def _tag_matches(err: ValidationError, index: int) -> bool:
    """Whether union branch `index` of `err` declares a type tag that the instance carries."""
    branch = err.validator_value[index] if isinstance(err.validator_value, list) else None
    if not isinstance(branch, dict) or not isinstance(err.instance, dict):
        return False
    for tag in TAGS:
        allowed = (branch.get("properties") or {}).get(tag, {})
        values = allowed.get("enum") or ([allowed["const"]] if "const" in allowed else [])
        if tag in err.instance and err.instance[tag] in values:
            return True
    return False


def _tag_miss(err: ValidationError) -> bool:
    """A union branch rejected because its discriminator tag differs."""
    return err.validator in ("enum", "const") and bool(err.absolute_path) and err.absolute_path[-1] in TAGS


def _allowed(err: ValidationError) -> list[Any]:
    """The values an `enum` or `const` error allowed."""
    value = err.validator_value
    return list(value) if isinstance(value, list) else [value]


def _depth(err: ValidationError) -> int:
    return len(err.absolute_path)


def _deepest(errors: list[ValidationError]) -> ValidationError:
    return max(errors, key=_depth)


def _short(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
