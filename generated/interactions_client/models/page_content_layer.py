from typing import Literal

PageContentLayer = Literal["page_image", "page_text"]

PAGE_CONTENT_LAYER_VALUES: set[PageContentLayer] = {
    "page_image",
    "page_text",
}


def check_page_content_layer(value: str) -> PageContentLayer:
    if value in PAGE_CONTENT_LAYER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PAGE_CONTENT_LAYER_VALUES!r}")
