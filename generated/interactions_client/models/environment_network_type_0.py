from typing import Literal

EnvironmentNetworkType0 = Literal["disabled"]

ENVIRONMENT_NETWORK_TYPE_0_VALUES: set[EnvironmentNetworkType0] = {
    "disabled",
}


def check_environment_network_type_0(value: str) -> EnvironmentNetworkType0:
    if value in ENVIRONMENT_NETWORK_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ENVIRONMENT_NETWORK_TYPE_0_VALUES!r}")
