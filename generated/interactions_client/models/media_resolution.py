from typing import Literal

MediaResolution = Literal["high", "low", "medium", "ultra_high"]

MEDIA_RESOLUTION_VALUES: set[MediaResolution] = {
    "high",
    "low",
    "medium",
    "ultra_high",
}


def check_media_resolution(value: str) -> MediaResolution:
    if value in MEDIA_RESOLUTION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {MEDIA_RESOLUTION_VALUES!r}")
