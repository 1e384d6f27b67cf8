from typing import Literal

GoogleSearchType = Literal["enterprise_web_search", "image_search", "web_search"]

GOOGLE_SEARCH_TYPE_VALUES: set[GoogleSearchType] = {
    "enterprise_web_search",
    "image_search",
    "web_search",
}


def check_google_search_type(value: str) -> GoogleSearchType:
    if value in GOOGLE_SEARCH_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GOOGLE_SEARCH_TYPE_VALUES!r}")
