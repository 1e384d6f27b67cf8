from typing import Literal

URLContextStatus = Literal["error", "paywall", "success", "unsafe"]

URL_CONTEXT_STATUS_VALUES: set[URLContextStatus] = {
    "error",
    "paywall",
    "success",
    "unsafe",
}


def check_url_context_status(value: str) -> URLContextStatus:
    if value in URL_CONTEXT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {URL_CONTEXT_STATUS_VALUES!r}")
