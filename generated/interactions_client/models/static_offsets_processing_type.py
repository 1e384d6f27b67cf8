from typing import Literal

StaticOffsetsProcessingType = Literal["static"]

STATIC_OFFSETS_PROCESSING_TYPE_VALUES: set[StaticOffsetsProcessingType] = {
    "static",
}


def check_static_offsets_processing_type(value: str) -> StaticOffsetsProcessingType:
    if value in STATIC_OFFSETS_PROCESSING_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {STATIC_OFFSETS_PROCESSING_TYPE_VALUES!r}")
