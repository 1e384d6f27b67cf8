from typing import Literal

DocumentContentProcessingType0 = Literal["static"]

DOCUMENT_CONTENT_PROCESSING_TYPE_0_VALUES: set[DocumentContentProcessingType0] = {
    "static",
}


def check_document_content_processing_type_0(value: str) -> DocumentContentProcessingType0:
    if value in DOCUMENT_CONTENT_PROCESSING_TYPE_0_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {DOCUMENT_CONTENT_PROCESSING_TYPE_0_VALUES!r}"
    )
