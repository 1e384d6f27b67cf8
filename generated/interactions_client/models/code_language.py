from typing import Literal

CodeLanguage = Literal["bash", "python"]

CODE_LANGUAGE_VALUES: set[CodeLanguage] = {
    "bash",
    "python",
}


def check_code_language(value: str) -> CodeLanguage:
    if value in CODE_LANGUAGE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CODE_LANGUAGE_VALUES!r}")
