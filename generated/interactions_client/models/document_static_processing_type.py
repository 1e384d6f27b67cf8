from typing import Literal

DocumentStaticProcessingType = Literal["static"]

DOCUMENT_STATIC_PROCESSING_TYPE_VALUES: set[DocumentStaticProcessingType] = {
    "static",
}


def check_document_static_processing_type(value: str) -> DocumentStaticProcessingType:
    if value in DOCUMENT_STATIC_PROCESSING_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DOCUMENT_STATIC_PROCESSING_TYPE_VALUES!r}")
