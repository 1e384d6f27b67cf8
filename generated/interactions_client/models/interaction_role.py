from typing import Literal

InteractionRole = Literal["model"]

INTERACTION_ROLE_VALUES: set[InteractionRole] = {
    "model",
}


def check_interaction_role(value: str) -> InteractionRole:
    if value in INTERACTION_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {INTERACTION_ROLE_VALUES!r}")
