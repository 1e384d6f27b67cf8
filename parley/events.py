"""The Interactions shapes Parley passes around inside: the stream events, the Interaction resource,
its usage and errors, as TypedDicts named after their schemas in openapi/interactions.yaml.

They are plain dicts at run time (the hot path serialises them with orjson as they are); the types
are for the checker. tests/test_events.py holds every TypedDict here against its spec schema (keys,
required keys, `event_type` constants, enums), so the two cannot drift.

Steps and step deltas stay open dicts (`Step`, `Delta`): the spec's `Step` and `StepDeltaData` are
unions of ~30 shapes that the engine only accumulates and stores, never inspects field by field;
the generated pydantic models validate them at the edges (SDK answers, tests).
"""

# No `from __future__ import annotations`: TypedDict reads NotRequired[...] at class creation.
from collections.abc import AsyncGenerator
from typing import Any, Final, Literal, NotRequired, TypeAlias, TypedDict

Step: TypeAlias = dict[str, Any]  # one of the spec's `Step` union
Delta: TypeAlias = dict[str, Any]  # one of the spec's `StepDeltaData` union

InteractionStatus = Literal[
    "in_progress",
    "requires_action",
    "completed",
    "failed",
    "cancelled",
    "incomplete",
    "budget_exceeded",
    "queued",
    "idle",
    "requires_continuation",
]

# Event names: the `event_type` of each InteractionSSEEvent.
INTERACTION_CREATED: Final = "interaction.created"
INTERACTION_STATUS_UPDATE: Final = "interaction.status_update"
STEP_START: Final = "step.start"
STEP_DELTA: Final = "step.delta"
STEP_STOP: Final = "step.stop"
INTERACTION_COMPLETED: Final = "interaction.completed"
ERROR: Final = "error"


class ModalityTokens(TypedDict, total=False):
    modality: str
    tokens: int


class GroundingToolCount(TypedDict, total=False):
    type: str
    count: int


class Usage(TypedDict, total=False):
    total_input_tokens: int
    total_output_tokens: int
    total_thought_tokens: int
    total_cached_tokens: int
    total_tool_use_tokens: int
    total_tokens: int
    initial_input_tokens: int
    input_tokens_by_modality: list[ModalityTokens]
    output_tokens_by_modality: list[ModalityTokens]
    cached_tokens_by_modality: list[ModalityTokens]
    tool_use_tokens_by_modality: list[ModalityTokens]
    grounding_tool_count: list[GroundingToolCount]


class Error(TypedDict):
    code: str
    message: str


class InteractionSSEEventInteraction(TypedDict):
    """The (partial) interaction carried by interaction.created / interaction.completed."""

    id: str
    status: InteractionStatus
    object: NotRequired[Literal["interaction"]]
    model: NotRequired[str]
    agent: NotRequired[str]
    created: NotRequired[str]
    updated: NotRequired[str]
    service_tier: NotRequired[str]
    steps: NotRequired[list[Step]]
    usage: NotRequired[Usage]
    continuation_token: NotRequired[str]


class InteractionCreatedEvent(TypedDict):
    event_type: Literal["interaction.created"]
    event_id: NotRequired[str]
    interaction: InteractionSSEEventInteraction


class InteractionStatusUpdate(TypedDict):
    event_type: Literal["interaction.status_update"]
    event_id: NotRequired[str]
    interaction_id: str
    status: InteractionStatus
    usage: NotRequired[Usage]
    continuation_token: NotRequired[str]


class StepStart(TypedDict):
    event_type: Literal["step.start"]
    event_id: NotRequired[str]
    index: int
    step: Step


class StepDeltaMetadata(TypedDict, total=False):
    total_usage: Usage


class StepDelta(TypedDict):
    event_type: Literal["step.delta"]
    event_id: NotRequired[str]
    index: int
    delta: Delta
    metadata: NotRequired[StepDeltaMetadata]


class StepStop(TypedDict):
    event_type: Literal["step.stop"]
    event_id: NotRequired[str]
    index: int
    usage: NotRequired[Usage]
    step_usage: NotRequired[Usage]


class InteractionCompletedEvent(TypedDict):
    event_type: Literal["interaction.completed"]
    event_id: NotRequired[str]
    interaction: InteractionSSEEventInteraction


class ErrorEvent(TypedDict):
    event_type: Literal["error"]
    event_id: NotRequired[str]
    error: Error


InteractionSSEEvent: TypeAlias = (
    InteractionCreatedEvent
    | InteractionStatusUpdate
    | StepStart
    | StepDelta
    | StepStop
    | InteractionCompletedEvent
    | ErrorEvent
)
EventType = Literal[
    "interaction.created",
    "interaction.status_update",
    "step.start",
    "step.delta",
    "step.stop",
    "interaction.completed",
    "error",
]
StepEvent: TypeAlias = StepStart | StepDelta | StepStop  # what an adapter streams, with status updates
# What the engine answers for a streamed create or get: the events in batches, each what was
# there to take at once (one upstream read, a poll of the store), so the edges pay per batch, not
# per event (one SSE write). Closing it early is how a client leaves.
EventStream: TypeAlias = AsyncGenerator[list[InteractionSSEEvent], None]


class Interaction(TypedDict):
    """The Interaction resource as the gateway answers it (`status` is the only required key)."""

    id: NotRequired[str]
    object: NotRequired[Literal["interaction"]]
    status: InteractionStatus
    created: NotRequired[str]
    updated: NotRequired[str]
    model: NotRequired[str]
    agent: NotRequired[str]
    steps: NotRequired[list[Step]]
    usage: NotRequired[Usage]
    previous_interaction_id: NotRequired[str]
    system_instruction: NotRequired[str]
    tools: NotRequired[list[dict[str, Any]]]
    generation_config: NotRequired[dict[str, Any]]
    agent_config: NotRequired[dict[str, Any]]
    response_format: NotRequired[Any]  # one ResponseFormat or a list of them
    response_mime_type: NotRequired[str]
    response_modalities: NotRequired[list[str]]
    safety_settings: NotRequired[list[dict[str, Any]]]
    service_tier: NotRequired[str]
    labels: NotRequired[dict[str, str]]
    webhook_config: NotRequired[dict[str, Any]]
    environment: NotRequired[Any]  # an environment id or an Environment
    environment_id: NotRequired[str]
    input: NotRequired[Any]  # the four `input` forms
    errors: NotRequired[list[Error]]
    continuation_token: NotRequired[str]
    outputs: NotRequired[list[dict[str, Any]]]
    role: NotRequired[Literal["model"]]
