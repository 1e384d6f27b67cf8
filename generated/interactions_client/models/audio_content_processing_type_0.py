from typing import Literal

AudioContentProcessingType0 = Literal["static"]

AUDIO_CONTENT_PROCESSING_TYPE_0_VALUES: set[AudioContentProcessingType0] = {
    "static",
}


def check_audio_content_processing_type_0(value: str) -> AudioContentProcessingType0:
    if value in AUDIO_CONTENT_PROCESSING_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {AUDIO_CONTENT_PROCESSING_TYPE_0_VALUES!r}")
