from typing import Literal

VideoResolution = Literal["1080p", "360p", "4k", "720p"]

VIDEO_RESOLUTION_VALUES: set[VideoResolution] = {
    "1080p",
    "360p",
    "4k",
    "720p",
}


def check_video_resolution(value: str) -> VideoResolution:
    if value in VIDEO_RESOLUTION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {VIDEO_RESOLUTION_VALUES!r}")
