from typing import Literal

ComputerUseEnvironment = Literal["browser", "desktop", "mobile"]

COMPUTER_USE_ENVIRONMENT_VALUES: set[ComputerUseEnvironment] = {
    "browser",
    "desktop",
    "mobile",
}


def check_computer_use_environment(value: str) -> ComputerUseEnvironment:
    if value in COMPUTER_USE_ENVIRONMENT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {COMPUTER_USE_ENVIRONMENT_VALUES!r}")
