from typing import Literal

VideoProcessingMode = Literal["agentic", "static"]

VIDEO_PROCESSING_MODE_VALUES: set[VideoProcessingMode] = {
    "agentic",
    "static",
}


def check_video_processing_mode(value: str) -> VideoProcessingMode:
    if value in VIDEO_PROCESSING_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {VIDEO_PROCESSING_MODE_VALUES!r}")
