from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

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
    from ..models.user_input_step import UserInputStep


T = TypeVar("T", bound="StepStart")


@_attrs_define
class StepStart:
    """A step begins; `step` may be partial (e.g. `{"type": "model_output"}`)."""

    event_type: Literal["step.start"]
    index: int
    """ Position of the step in this response's `steps[]` (the stream skips `user_input`). """
    step: (
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
    )
    """ One entry of an interaction's timeline. `id` / `call_id` pair tool calls with results. """
    event_id: str | Unset = UNSET
    """ Resume token for `GET ...?stream=true&last_event_id=`. """
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

        event_type = self.event_type

        index = self.index

        step: dict[str, Any]
        if isinstance(self.step, UserInputStep):
            step = self.step.to_dict()
        elif isinstance(self.step, ModelOutputStep):
            step = self.step.to_dict()
        elif isinstance(self.step, ThoughtStep):
            step = self.step.to_dict()
        elif isinstance(self.step, FunctionCallStep):
            step = self.step.to_dict()
        elif isinstance(self.step, FunctionResultStep):
            step = self.step.to_dict()
        elif isinstance(self.step, CodeExecutionCallStep):
            step = self.step.to_dict()
        elif isinstance(self.step, CodeExecutionResultStep):
            step = self.step.to_dict()
        elif isinstance(self.step, GoogleSearchCallStep):
            step = self.step.to_dict()
        elif isinstance(self.step, GoogleSearchResultStep):
            step = self.step.to_dict()
        elif isinstance(self.step, URLContextCallStep):
            step = self.step.to_dict()
        elif isinstance(self.step, URLContextResultStep):
            step = self.step.to_dict()
        elif isinstance(self.step, GoogleMapsCallStep):
            step = self.step.to_dict()
        elif isinstance(self.step, GoogleMapsResultStep):
            step = self.step.to_dict()
        elif isinstance(self.step, FileSearchCallStep):
            step = self.step.to_dict()
        elif isinstance(self.step, FileSearchResultStep):
            step = self.step.to_dict()
        elif isinstance(self.step, MCPServerToolCallStep):
            step = self.step.to_dict()
        elif isinstance(self.step, MCPServerToolResultStep):
            step = self.step.to_dict()
        elif isinstance(self.step, RetrievalCallStep):
            step = self.step.to_dict()
        elif isinstance(self.step, RetrievalResultStep):
            step = self.step.to_dict()
        elif isinstance(self.step, ToolSearchCallStep):
            step = self.step.to_dict()
        elif isinstance(self.step, ToolSearchResultStep):
            step = self.step.to_dict()
        elif isinstance(self.step, ProcessingCallStep):
            step = self.step.to_dict()
        else:
            step = self.step.to_dict()

        event_id = self.event_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "event_type": event_type,
                "index": index,
                "step": step,
            }
        )
        if event_id is not UNSET:
            field_dict["event_id"] = event_id

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
        from ..models.user_input_step import UserInputStep  # noqa: PLC0415

        d = dict(src_dict)
        event_type = cast(Literal["step.start"], d.pop("event_type"))
        if event_type != "step.start":
            raise ValueError(f"event_type must match const 'step.start', got '{event_type}'")

        index = d.pop("index")

        def _parse_step(
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

        step = _parse_step(d.pop("step"))

        event_id = d.pop("event_id", UNSET)

        step_start = cls(
            event_type=event_type,
            index=index,
            step=step,
            event_id=event_id,
        )

        step_start.additional_properties = d
        return step_start

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
