from typing import Literal

MediaDelivery = Literal["inline", "uri"]

MEDIA_DELIVERY_VALUES: set[MediaDelivery] = {
    "inline",
    "uri",
}


def check_media_delivery(value: str) -> MediaDelivery:
    if value in MEDIA_DELIVERY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {MEDIA_DELIVERY_VALUES!r}")
