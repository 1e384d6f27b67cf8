from typing import Literal

InteractionObject = Literal["interaction"]

INTERACTION_OBJECT_VALUES: set[InteractionObject] = {
    "interaction",
}


def check_interaction_object(value: str) -> InteractionObject:
    if value in INTERACTION_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {INTERACTION_OBJECT_VALUES!r}")
