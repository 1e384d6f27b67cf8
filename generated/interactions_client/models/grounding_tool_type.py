from typing import Literal

GroundingToolType = Literal["google_maps", "google_search", "retrieval"]

GROUNDING_TOOL_TYPE_VALUES: set[GroundingToolType] = {
    "google_maps",
    "google_search",
    "retrieval",
}


def check_grounding_tool_type(value: str) -> GroundingToolType:
    if value in GROUNDING_TOOL_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GROUNDING_TOOL_TYPE_VALUES!r}")
