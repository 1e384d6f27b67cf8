from typing import Literal

TranscriptionModeName = Literal["smart", "verbatim"]

TRANSCRIPTION_MODE_NAME_VALUES: set[TranscriptionModeName] = {
    "smart",
    "verbatim",
}


def check_transcription_mode_name(value: str) -> TranscriptionModeName:
    if value in TRANSCRIPTION_MODE_NAME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TRANSCRIPTION_MODE_NAME_VALUES!r}")
