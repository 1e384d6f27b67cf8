from typing import Literal

ToolChoiceType = Literal["any", "auto", "none", "validated"]

TOOL_CHOICE_TYPE_VALUES: set[ToolChoiceType] = {
    "any",
    "auto",
    "none",
    "validated",
}


def check_tool_choice_type(value: str) -> ToolChoiceType:
    if value in TOOL_CHOICE_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TOOL_CHOICE_TYPE_VALUES!r}")
