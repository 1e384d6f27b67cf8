from typing import Literal

HarmBlockMethod = Literal["probability", "severity"]

HARM_BLOCK_METHOD_VALUES: set[HarmBlockMethod] = {
    "probability",
    "severity",
}


def check_harm_block_method(value: str) -> HarmBlockMethod:
    if value in HARM_BLOCK_METHOD_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {HARM_BLOCK_METHOD_VALUES!r}")
