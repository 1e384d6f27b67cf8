from typing import Literal

ToolSearchExecution = Literal["client", "server"]

TOOL_SEARCH_EXECUTION_VALUES: set[ToolSearchExecution] = {
    "client",
    "server",
}


def check_tool_search_execution(value: str) -> ToolSearchExecution:
    if value in TOOL_SEARCH_EXECUTION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TOOL_SEARCH_EXECUTION_VALUES!r}")
