from typing import Literal

EnvironmentSourceType = Literal["gcs", "inline", "repository", "skill_registry"]

ENVIRONMENT_SOURCE_TYPE_VALUES: set[EnvironmentSourceType] = {
    "gcs",
    "inline",
    "repository",
    "skill_registry",
}


def check_environment_source_type(value: str) -> EnvironmentSourceType:
    if value in ENVIRONMENT_SOURCE_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ENVIRONMENT_SOURCE_TYPE_VALUES!r}")
