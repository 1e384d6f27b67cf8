from typing import Literal

VideoStaticProcessingType = Literal["static"]

VIDEO_STATIC_PROCESSING_TYPE_VALUES: set[VideoStaticProcessingType] = {
    "static",
}


def check_video_static_processing_type(value: str) -> VideoStaticProcessingType:
    if value in VIDEO_STATIC_PROCESSING_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {VIDEO_STATIC_PROCESSING_TYPE_VALUES!r}")
