from typing import Literal

HarmCategory = Literal[
    "civic_integrity",
    "dangerous_content",
    "harassment",
    "hate_speech",
    "image_dangerous_content",
    "image_harassment",
    "image_hate",
    "image_sexually_explicit",
    "jailbreak",
    "sexually_explicit",
]

HARM_CATEGORY_VALUES: set[HarmCategory] = {
    "civic_integrity",
    "dangerous_content",
    "harassment",
    "hate_speech",
    "image_dangerous_content",
    "image_harassment",
    "image_hate",
    "image_sexually_explicit",
    "jailbreak",
    "sexually_explicit",
}


def check_harm_category(value: str) -> HarmCategory:
    if value in HARM_CATEGORY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {HARM_CATEGORY_VALUES!r}")
