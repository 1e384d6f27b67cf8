from typing import Literal

EnvironmentMode = Literal["on_demand", "self_hosted"]

ENVIRONMENT_MODE_VALUES: set[EnvironmentMode] = {
    "on_demand",
    "self_hosted",
}


def check_environment_mode(value: str) -> EnvironmentMode:
    if value in ENVIRONMENT_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ENVIRONMENT_MODE_VALUES!r}")
