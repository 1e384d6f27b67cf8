from typing import Literal

EgressAllowlistAllowlistType1 = Literal["disabled"]

EGRESS_ALLOWLIST_ALLOWLIST_TYPE_1_VALUES: set[EgressAllowlistAllowlistType1] = {
    "disabled",
}


def check_egress_allowlist_allowlist_type_1(value: str) -> EgressAllowlistAllowlistType1:
    if value in EGRESS_ALLOWLIST_ALLOWLIST_TYPE_1_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {EGRESS_ALLOWLIST_ALLOWLIST_TYPE_1_VALUES!r}"
    )
