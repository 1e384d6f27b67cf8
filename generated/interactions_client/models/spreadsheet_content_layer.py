from typing import Literal

SpreadsheetContentLayer = Literal["data", "formulas", "visual"]

SPREADSHEET_CONTENT_LAYER_VALUES: set[SpreadsheetContentLayer] = {
    "data",
    "formulas",
    "visual",
}


def check_spreadsheet_content_layer(value: str) -> SpreadsheetContentLayer:
    if value in SPREADSHEET_CONTENT_LAYER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SPREADSHEET_CONTENT_LAYER_VALUES!r}")
