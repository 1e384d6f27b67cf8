from typing import Literal

ImageSize = Literal["1K", "2K", "4K", "512"]

IMAGE_SIZE_VALUES: set[ImageSize] = {
    "1K",
    "2K",
    "4K",
    "512",
}


def check_image_size(value: str) -> ImageSize:
    if value in IMAGE_SIZE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {IMAGE_SIZE_VALUES!r}")
