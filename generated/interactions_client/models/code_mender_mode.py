from typing import Literal

CodeMenderMode = Literal["scan", "verify"]

CODE_MENDER_MODE_VALUES: set[CodeMenderMode] = {
    "scan",
    "verify",
}


def check_code_mender_mode(value: str) -> CodeMenderMode:
    if value in CODE_MENDER_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CODE_MENDER_MODE_VALUES!r}")
