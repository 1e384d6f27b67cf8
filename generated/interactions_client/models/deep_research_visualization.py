from typing import Literal

DeepResearchVisualization = Literal["auto", "off"]

DEEP_RESEARCH_VISUALIZATION_VALUES: set[DeepResearchVisualization] = {
    "auto",
    "off",
}


def check_deep_research_visualization(value: str) -> DeepResearchVisualization:
    if value in DEEP_RESEARCH_VISUALIZATION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DEEP_RESEARCH_VISUALIZATION_VALUES!r}")
