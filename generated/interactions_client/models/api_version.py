from typing import Literal

ApiVersion = Literal["v1", "v1beta"]

API_VERSION_VALUES: set[ApiVersion] = {
    "v1",
    "v1beta",
}


def check_api_version(value: str) -> ApiVersion:
    if value in API_VERSION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {API_VERSION_VALUES!r}")
