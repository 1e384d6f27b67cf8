from typing import Literal

VideoTask = Literal["edit", "extend", "image_to_video", "reference_to_video", "text_to_video", "upscale"]

VIDEO_TASK_VALUES: set[VideoTask] = {
    "edit",
    "extend",
    "image_to_video",
    "reference_to_video",
    "text_to_video",
    "upscale",
}


def check_video_task(value: str) -> VideoTask:
    if value in VIDEO_TASK_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {VIDEO_TASK_VALUES!r}")
