from typing import Literal

VideoContentLayer = Literal["audio", "frames", "transcript"]

VIDEO_CONTENT_LAYER_VALUES: set[VideoContentLayer] = {
    "audio",
    "frames",
    "transcript",
}


def check_video_content_layer(value: str) -> VideoContentLayer:
    if value in VIDEO_CONTENT_LAYER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {VIDEO_CONTENT_LAYER_VALUES!r}")
