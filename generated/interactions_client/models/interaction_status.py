from typing import Literal

InteractionStatus = Literal[
    "budget_exceeded",
    "cancelled",
    "completed",
    "failed",
    "idle",
    "in_progress",
    "incomplete",
    "queued",
    "requires_action",
    "requires_continuation",
]

INTERACTION_STATUS_VALUES: set[InteractionStatus] = {
    "budget_exceeded",
    "cancelled",
    "completed",
    "failed",
    "idle",
    "in_progress",
    "incomplete",
    "queued",
    "requires_action",
    "requires_continuation",
}


def check_interaction_status(value: str) -> InteractionStatus:
    if value in INTERACTION_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {INTERACTION_STATUS_VALUES!r}")
