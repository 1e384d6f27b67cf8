from typing import Literal

TextResponseMimeType = Literal["application/json", "text/plain"]

TEXT_RESPONSE_MIME_TYPE_VALUES: set[TextResponseMimeType] = {
    "application/json",
    "text/plain",
}


def check_text_response_mime_type(value: str) -> TextResponseMimeType:
    if value in TEXT_RESPONSE_MIME_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TEXT_RESPONSE_MIME_TYPE_VALUES!r}")
