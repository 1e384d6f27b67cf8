from typing import Literal

Modality = Literal["audio", "document", "image", "text", "video"]

MODALITY_VALUES: set[Modality] = {
    "audio",
    "document",
    "image",
    "text",
    "video",
}


def check_modality(value: str) -> Modality:
    if value in MODALITY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {MODALITY_VALUES!r}")
