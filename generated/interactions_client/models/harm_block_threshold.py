from typing import Literal

HarmBlockThreshold = Literal[
    "block_low_and_above", "block_medium_and_above", "block_none", "block_only_high", "off"
]

HARM_BLOCK_THRESHOLD_VALUES: set[HarmBlockThreshold] = {
    "block_low_and_above",
    "block_medium_and_above",
    "block_none",
    "block_only_high",
    "off",
}


def check_harm_block_threshold(value: str) -> HarmBlockThreshold:
    if value in HARM_BLOCK_THRESHOLD_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {HARM_BLOCK_THRESHOLD_VALUES!r}")
