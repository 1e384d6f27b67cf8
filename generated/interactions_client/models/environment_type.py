from typing import Literal

EnvironmentType = Literal["remote"]

ENVIRONMENT_TYPE_VALUES: set[EnvironmentType] = {
    "remote",
}


def check_environment_type(value: str) -> EnvironmentType:
    if value in ENVIRONMENT_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ENVIRONMENT_TYPE_VALUES!r}")
