from typing import Literal

InteractionSSEEventInteractionObject = Literal["interaction"]

INTERACTION_SSE_EVENT_INTERACTION_OBJECT_VALUES: set[InteractionSSEEventInteractionObject] = {
    "interaction",
}


def check_interaction_sse_event_interaction_object(value: str) -> InteractionSSEEventInteractionObject:
    if value in INTERACTION_SSE_EVENT_INTERACTION_OBJECT_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {INTERACTION_SSE_EVENT_INTERACTION_OBJECT_VALUES!r}"
    )
