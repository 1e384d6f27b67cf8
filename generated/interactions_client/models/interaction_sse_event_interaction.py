from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.interaction_sse_event_interaction_object import (
    InteractionSSEEventInteractionObject,
    check_interaction_sse_event_interaction_object,
)
from ..models.interaction_status import InteractionStatus, check_interaction_status
from ..models.service_tier import ServiceTier, check_service_tier
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.code_execution_call_step import CodeExecutionCallStep
    from ..models.code_execution_result_step import CodeExecutionResultStep
    from ..models.file_search_call_step import FileSearchCallStep
    from ..models.file_search_result_step import FileSearchResultStep
    from ..models.function_call_step import FunctionCallStep
    from ..models.function_result_step import FunctionResultStep
    from ..models.google_maps_call_step import GoogleMapsCallStep
    from ..models.google_maps_result_step import GoogleMapsResultStep
    from ..models.google_search_call_step import GoogleSearchCallStep
    from ..models.google_search_result_step import GoogleSearchResultStep
    from ..models.mcp_server_tool_call_step import MCPServerToolCallStep
    from ..models.mcp_server_tool_result_step import MCPServerToolResultStep
    from ..models.model_output_step import ModelOutputStep
    from ..models.processing_call_step import ProcessingCallStep
    from ..models.processing_result_step import ProcessingResultStep
    from ..models.retrieval_call_step import RetrievalCallStep
    from ..models.retrieval_result_step import RetrievalResultStep
    from ..models.thought_step import ThoughtStep
    from ..models.tool_search_call_step import ToolSearchCallStep
    from ..models.tool_search_result_step import ToolSearchResultStep
    from ..models.url_context_call_step import URLContextCallStep
    from ..models.url_context_result_step import URLContextResultStep
    from ..models.usage import Usage
    from ..models.user_input_step import UserInputStep


T = TypeVar("T", bound="InteractionSSEEventInteraction")


@_attrs_define
class InteractionSSEEventInteraction:
    """The (partial) interaction carried by `interaction.created` / `interaction.completed`."""

    id: str
    status: InteractionStatus
    """ `incomplete` = finished but truncated (e.g. max tokens); `budget_exceeded` is deprecated in favour of
    `incomplete`; `requires_action` = client-side function calls are pending; `requires_continuation`
    = resume with `continuation_token` (never emitted by servers that do not implement continuation).
     """
    object_: InteractionSSEEventInteractionObject | Unset = UNSET
    model: str | Unset = UNSET
    agent: str | Unset = UNSET
    created: datetime.datetime | Unset = UNSET
    updated: datetime.datetime | Unset = UNSET
    service_tier: ServiceTier | Unset = UNSET
    steps: (
        list[
            CodeExecutionCallStep
            | CodeExecutionResultStep
            | FileSearchCallStep
            | FileSearchResultStep
            | FunctionCallStep
            | FunctionResultStep
            | GoogleMapsCallStep
            | GoogleMapsResultStep
            | GoogleSearchCallStep
            | GoogleSearchResultStep
            | MCPServerToolCallStep
            | MCPServerToolResultStep
            | ModelOutputStep
            | ProcessingCallStep
            | ProcessingResultStep
            | RetrievalCallStep
            | RetrievalResultStep
            | ThoughtStep
            | ToolSearchCallStep
            | ToolSearchResultStep
            | URLContextCallStep
            | URLContextResultStep
            | UserInputStep
        ]
        | Unset
    ) = UNSET
    usage: Usage | Unset = UNSET
    """ Token accounting. `total_tokens` = input + output + thought (+ tool use). """
    continuation_token: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.code_execution_call_step import CodeExecutionCallStep  # noqa: PLC0415
        from ..models.code_execution_result_step import CodeExecutionResultStep  # noqa: PLC0415
        from ..models.file_search_call_step import FileSearchCallStep  # noqa: PLC0415
        from ..models.file_search_result_step import FileSearchResultStep  # noqa: PLC0415
        from ..models.function_call_step import FunctionCallStep  # noqa: PLC0415
        from ..models.function_result_step import FunctionResultStep  # noqa: PLC0415
        from ..models.google_maps_call_step import GoogleMapsCallStep  # noqa: PLC0415
        from ..models.google_maps_result_step import GoogleMapsResultStep  # noqa: PLC0415
        from ..models.google_search_call_step import GoogleSearchCallStep  # noqa: PLC0415
        from ..models.google_search_result_step import GoogleSearchResultStep  # noqa: PLC0415
        from ..models.mcp_server_tool_call_step import MCPServerToolCallStep  # noqa: PLC0415
        from ..models.mcp_server_tool_result_step import MCPServerToolResultStep  # noqa: PLC0415
        from ..models.model_output_step import ModelOutputStep  # noqa: PLC0415
        from ..models.processing_call_step import ProcessingCallStep  # noqa: PLC0415
        from ..models.retrieval_call_step import RetrievalCallStep  # noqa: PLC0415
        from ..models.retrieval_result_step import RetrievalResultStep  # noqa: PLC0415
        from ..models.thought_step import ThoughtStep  # noqa: PLC0415
        from ..models.tool_search_call_step import ToolSearchCallStep  # noqa: PLC0415
        from ..models.tool_search_result_step import ToolSearchResultStep  # noqa: PLC0415
        from ..models.url_context_call_step import URLContextCallStep  # noqa: PLC0415
        from ..models.url_context_result_step import URLContextResultStep  # noqa: PLC0415
        from ..models.user_input_step import UserInputStep  # noqa: PLC0415

        id = self.id

        status: str = self.status

        object_: str | Unset = UNSET
        if not isinstance(self.object_, Unset):
            object_ = self.object_

        model = self.model

        agent = self.agent

        created: str | Unset = UNSET
        if not isinstance(self.created, Unset):
            created = self.created.isoformat()

        updated: str | Unset = UNSET
        if not isinstance(self.updated, Unset):
            updated = self.updated.isoformat()

        service_tier: str | Unset = UNSET
        if not isinstance(self.service_tier, Unset):
            service_tier = self.service_tier

        steps: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.steps, Unset):
            steps = []
            for steps_item_data in self.steps:
                steps_item: dict[str, Any]
                if isinstance(steps_item_data, UserInputStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, ModelOutputStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, ThoughtStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, FunctionCallStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, FunctionResultStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, CodeExecutionCallStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, CodeExecutionResultStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, GoogleSearchCallStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, GoogleSearchResultStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, URLContextCallStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, URLContextResultStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, GoogleMapsCallStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, GoogleMapsResultStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, FileSearchCallStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, FileSearchResultStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, MCPServerToolCallStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, MCPServerToolResultStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, RetrievalCallStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, RetrievalResultStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, ToolSearchCallStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, ToolSearchResultStep):
                    steps_item = steps_item_data.to_dict()
                elif isinstance(steps_item_data, ProcessingCallStep):
                    steps_item = steps_item_data.to_dict()
                else:
                    steps_item = steps_item_data.to_dict()

                steps.append(steps_item)

        usage: dict[str, Any] | Unset = UNSET
        if not isinstance(self.usage, Unset):
            usage = self.usage.to_dict()

        continuation_token = self.continuation_token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_
        if model is not UNSET:
            field_dict["model"] = model
        if agent is not UNSET:
            field_dict["agent"] = agent
        if created is not UNSET:
            field_dict["created"] = created
        if updated is not UNSET:
            field_dict["updated"] = updated
        if service_tier is not UNSET:
            field_dict["service_tier"] = service_tier
        if steps is not UNSET:
            field_dict["steps"] = steps
        if usage is not UNSET:
            field_dict["usage"] = usage
        if continuation_token is not UNSET:
            field_dict["continuation_token"] = continuation_token

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.code_execution_call_step import CodeExecutionCallStep  # noqa: PLC0415
        from ..models.code_execution_result_step import CodeExecutionResultStep  # noqa: PLC0415
        from ..models.file_search_call_step import FileSearchCallStep  # noqa: PLC0415
        from ..models.file_search_result_step import FileSearchResultStep  # noqa: PLC0415
        from ..models.function_call_step import FunctionCallStep  # noqa: PLC0415
        from ..models.function_result_step import FunctionResultStep  # noqa: PLC0415
        from ..models.google_maps_call_step import GoogleMapsCallStep  # noqa: PLC0415
        from ..models.google_maps_result_step import GoogleMapsResultStep  # noqa: PLC0415
        from ..models.google_search_call_step import GoogleSearchCallStep  # noqa: PLC0415
        from ..models.google_search_result_step import GoogleSearchResultStep  # noqa: PLC0415
        from ..models.mcp_server_tool_call_step import MCPServerToolCallStep  # noqa: PLC0415
        from ..models.mcp_server_tool_result_step import MCPServerToolResultStep  # noqa: PLC0415
        from ..models.model_output_step import ModelOutputStep  # noqa: PLC0415
        from ..models.processing_call_step import ProcessingCallStep  # noqa: PLC0415
        from ..models.processing_result_step import ProcessingResultStep  # noqa: PLC0415
        from ..models.retrieval_call_step import RetrievalCallStep  # noqa: PLC0415
        from ..models.retrieval_result_step import RetrievalResultStep  # noqa: PLC0415
        from ..models.thought_step import ThoughtStep  # noqa: PLC0415
        from ..models.tool_search_call_step import ToolSearchCallStep  # noqa: PLC0415
        from ..models.tool_search_result_step import ToolSearchResultStep  # noqa: PLC0415
        from ..models.url_context_call_step import URLContextCallStep  # noqa: PLC0415
        from ..models.url_context_result_step import URLContextResultStep  # noqa: PLC0415
        from ..models.usage import Usage  # noqa: PLC0415
        from ..models.user_input_step import UserInputStep  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        status = check_interaction_status(d.pop("status"))

        _object_ = d.pop("object", UNSET)
        object_: InteractionSSEEventInteractionObject | Unset
        if isinstance(_object_, Unset):
            object_ = UNSET
        else:
            object_ = check_interaction_sse_event_interaction_object(_object_)

        model = d.pop("model", UNSET)

        agent = d.pop("agent", UNSET)

        _created = d.pop("created", UNSET)
        created: datetime.datetime | Unset
        if isinstance(_created, Unset):
            created = UNSET
        else:
            created = datetime.datetime.fromisoformat(_created)

        _updated = d.pop("updated", UNSET)
        updated: datetime.datetime | Unset
        if isinstance(_updated, Unset):
            updated = UNSET
        else:
            updated = datetime.datetime.fromisoformat(_updated)

        _service_tier = d.pop("service_tier", UNSET)
        service_tier: ServiceTier | Unset
        if isinstance(_service_tier, Unset):
            service_tier = UNSET
        else:
            service_tier = check_service_tier(_service_tier)

        _steps = d.pop("steps", UNSET)
        steps: (
            list[
                CodeExecutionCallStep
                | CodeExecutionResultStep
                | FileSearchCallStep
                | FileSearchResultStep
                | FunctionCallStep
                | FunctionResultStep
                | GoogleMapsCallStep
                | GoogleMapsResultStep
                | GoogleSearchCallStep
                | GoogleSearchResultStep
                | MCPServerToolCallStep
                | MCPServerToolResultStep
                | ModelOutputStep
                | ProcessingCallStep
                | ProcessingResultStep
                | RetrievalCallStep
                | RetrievalResultStep
                | ThoughtStep
                | ToolSearchCallStep
                | ToolSearchResultStep
                | URLContextCallStep
                | URLContextResultStep
                | UserInputStep
            ]
            | Unset
        ) = UNSET
        if _steps is not UNSET:
            steps = []
            for steps_item_data in _steps:

                def _parse_steps_item(
                    data: object,
                ) -> (
                    CodeExecutionCallStep
                    | CodeExecutionResultStep
                    | FileSearchCallStep
                    | FileSearchResultStep
                    | FunctionCallStep
                    | FunctionResultStep
                    | GoogleMapsCallStep
                    | GoogleMapsResultStep
                    | GoogleSearchCallStep
                    | GoogleSearchResultStep
                    | MCPServerToolCallStep
                    | MCPServerToolResultStep
                    | ModelOutputStep
                    | ProcessingCallStep
                    | ProcessingResultStep
                    | RetrievalCallStep
                    | RetrievalResultStep
                    | ThoughtStep
                    | ToolSearchCallStep
                    | ToolSearchResultStep
                    | URLContextCallStep
                    | URLContextResultStep
                    | UserInputStep
                ):
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_0 = UserInputStep.from_dict(data)

                        return componentsschemas_step_type_0
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_1 = ModelOutputStep.from_dict(data)

                        return componentsschemas_step_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_2 = ThoughtStep.from_dict(data)

                        return componentsschemas_step_type_2
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_3 = FunctionCallStep.from_dict(data)

                        return componentsschemas_step_type_3
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_4 = FunctionResultStep.from_dict(data)

                        return componentsschemas_step_type_4
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_5 = CodeExecutionCallStep.from_dict(data)

                        return componentsschemas_step_type_5
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_6 = CodeExecutionResultStep.from_dict(data)

                        return componentsschemas_step_type_6
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_7 = GoogleSearchCallStep.from_dict(data)

                        return componentsschemas_step_type_7
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_8 = GoogleSearchResultStep.from_dict(data)

                        return componentsschemas_step_type_8
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_9 = URLContextCallStep.from_dict(data)

                        return componentsschemas_step_type_9
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_10 = URLContextResultStep.from_dict(data)

                        return componentsschemas_step_type_10
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_11 = GoogleMapsCallStep.from_dict(data)

                        return componentsschemas_step_type_11
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_12 = GoogleMapsResultStep.from_dict(data)

                        return componentsschemas_step_type_12
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_13 = FileSearchCallStep.from_dict(data)

                        return componentsschemas_step_type_13
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_14 = FileSearchResultStep.from_dict(data)

                        return componentsschemas_step_type_14
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_15 = MCPServerToolCallStep.from_dict(data)

                        return componentsschemas_step_type_15
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_16 = MCPServerToolResultStep.from_dict(data)

                        return componentsschemas_step_type_16
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_17 = RetrievalCallStep.from_dict(data)

                        return componentsschemas_step_type_17
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_18 = RetrievalResultStep.from_dict(data)

                        return componentsschemas_step_type_18
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_19 = ToolSearchCallStep.from_dict(data)

                        return componentsschemas_step_type_19
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_20 = ToolSearchResultStep.from_dict(data)

                        return componentsschemas_step_type_20
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_21 = ProcessingCallStep.from_dict(data)

                        return componentsschemas_step_type_21
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_step_type_22 = ProcessingResultStep.from_dict(data)

                    return componentsschemas_step_type_22

                steps_item = _parse_steps_item(steps_item_data)

                steps.append(steps_item)

        _usage = d.pop("usage", UNSET)
        usage: Usage | Unset
        if isinstance(_usage, Unset):
            usage = UNSET
        else:
            usage = Usage.from_dict(_usage)

        continuation_token = d.pop("continuation_token", UNSET)

        interaction_sse_event_interaction = cls(
            id=id,
            status=status,
            object_=object_,
            model=model,
            agent=agent,
            created=created,
            updated=updated,
            service_tier=service_tier,
            steps=steps,
            usage=usage,
            continuation_token=continuation_token,
        )

        interaction_sse_event_interaction.additional_properties = d
        return interaction_sse_event_interaction

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
