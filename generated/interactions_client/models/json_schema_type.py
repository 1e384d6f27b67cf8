from typing import Literal

JSONSchemaType = Literal["array", "boolean", "integer", "null", "number", "object", "string"]

JSON_SCHEMA_TYPE_VALUES: set[JSONSchemaType] = {
    "array",
    "boolean",
    "integer",
    "null",
    "number",
    "object",
    "string",
}


def check_json_schema_type(value: str) -> JSONSchemaType:
    if value in JSON_SCHEMA_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JSON_SCHEMA_TYPE_VALUES!r}")
