from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.arguments_delta import ArgumentsDelta
    from ..models.audio_delta import AudioDelta
    from ..models.code_execution_call_delta import CodeExecutionCallDelta
    from ..models.code_execution_result_delta import CodeExecutionResultDelta
    from ..models.document_delta import DocumentDelta
    from ..models.file_search_call_delta import FileSearchCallDelta
    from ..models.file_search_result_delta import FileSearchResultDelta
    from ..models.function_result_delta import FunctionResultDelta
    from ..models.google_maps_call_delta import GoogleMapsCallDelta
    from ..models.google_maps_result_delta import GoogleMapsResultDelta
    from ..models.google_search_call_delta import GoogleSearchCallDelta
    from ..models.google_search_result_delta import GoogleSearchResultDelta
    from ..models.image_delta import ImageDelta
    from ..models.mcp_server_tool_call_delta import MCPServerToolCallDelta
    from ..models.mcp_server_tool_result_delta import MCPServerToolResultDelta
    from ..models.processing_call_delta import ProcessingCallDelta
    from ..models.processing_result_delta import ProcessingResultDelta
    from ..models.retrieval_call_delta import RetrievalCallDelta
    from ..models.retrieval_result_delta import RetrievalResultDelta
    from ..models.step_delta_metadata import StepDeltaMetadata
    from ..models.text_annotation_delta import TextAnnotationDelta
    from ..models.text_delta import TextDelta
    from ..models.thought_signature_delta import ThoughtSignatureDelta
    from ..models.thought_summary_delta import ThoughtSummaryDelta
    from ..models.tool_search_call_delta import ToolSearchCallDelta
    from ..models.tool_search_result_delta import ToolSearchResultDelta
    from ..models.url_context_call_delta import URLContextCallDelta
    from ..models.url_context_result_delta import URLContextResultDelta
    from ..models.video_delta import VideoDelta


T = TypeVar("T", bound="StepDelta")


@_attrs_define
class StepDelta:
    event_type: Literal["step.delta"]
    index: int
    """ Position of the step in this response's `steps[]` (the stream skips `user_input`). """
    delta: (
        ArgumentsDelta
        | AudioDelta
        | CodeExecutionCallDelta
        | CodeExecutionResultDelta
        | DocumentDelta
        | FileSearchCallDelta
        | FileSearchResultDelta
        | FunctionResultDelta
        | GoogleMapsCallDelta
        | GoogleMapsResultDelta
        | GoogleSearchCallDelta
        | GoogleSearchResultDelta
        | ImageDelta
        | MCPServerToolCallDelta
        | MCPServerToolResultDelta
        | ProcessingCallDelta
        | ProcessingResultDelta
        | RetrievalCallDelta
        | RetrievalResultDelta
        | TextAnnotationDelta
        | TextDelta
        | ThoughtSignatureDelta
        | ThoughtSummaryDelta
        | ToolSearchCallDelta
        | ToolSearchResultDelta
        | URLContextCallDelta
        | URLContextResultDelta
        | VideoDelta
    )
    """ The payload of a `step.delta` event. There is no `function_call` delta; see `arguments_delta`. """
    event_id: str | Unset = UNSET
    """ Resume token for `GET ...?stream=true&last_event_id=`. """
    metadata: StepDeltaMetadata | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.arguments_delta import ArgumentsDelta  # noqa: PLC0415
        from ..models.audio_delta import AudioDelta  # noqa: PLC0415
        from ..models.code_execution_call_delta import CodeExecutionCallDelta  # noqa: PLC0415
        from ..models.code_execution_result_delta import CodeExecutionResultDelta  # noqa: PLC0415
        from ..models.document_delta import DocumentDelta  # noqa: PLC0415
        from ..models.file_search_call_delta import FileSearchCallDelta  # noqa: PLC0415
        from ..models.file_search_result_delta import FileSearchResultDelta  # noqa: PLC0415
        from ..models.function_result_delta import FunctionResultDelta  # noqa: PLC0415
        from ..models.google_maps_call_delta import GoogleMapsCallDelta  # noqa: PLC0415
        from ..models.google_maps_result_delta import GoogleMapsResultDelta  # noqa: PLC0415
        from ..models.google_search_call_delta import GoogleSearchCallDelta  # noqa: PLC0415
        from ..models.google_search_result_delta import GoogleSearchResultDelta  # noqa: PLC0415
        from ..models.image_delta import ImageDelta  # noqa: PLC0415
        from ..models.mcp_server_tool_call_delta import MCPServerToolCallDelta  # noqa: PLC0415
        from ..models.mcp_server_tool_result_delta import MCPServerToolResultDelta  # noqa: PLC0415
        from ..models.processing_call_delta import ProcessingCallDelta  # noqa: PLC0415
        from ..models.retrieval_call_delta import RetrievalCallDelta  # noqa: PLC0415
        from ..models.retrieval_result_delta import RetrievalResultDelta  # noqa: PLC0415
        from ..models.text_annotation_delta import TextAnnotationDelta  # noqa: PLC0415
        from ..models.text_delta import TextDelta  # noqa: PLC0415
        from ..models.thought_signature_delta import ThoughtSignatureDelta  # noqa: PLC0415
        from ..models.thought_summary_delta import ThoughtSummaryDelta  # noqa: PLC0415
        from ..models.tool_search_call_delta import ToolSearchCallDelta  # noqa: PLC0415
        from ..models.tool_search_result_delta import ToolSearchResultDelta  # noqa: PLC0415
        from ..models.url_context_call_delta import URLContextCallDelta  # noqa: PLC0415
        from ..models.url_context_result_delta import URLContextResultDelta  # noqa: PLC0415
        from ..models.video_delta import VideoDelta  # noqa: PLC0415

        event_type = self.event_type

        index = self.index

        delta: dict[str, Any]
        if isinstance(self.delta, TextDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, TextAnnotationDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, ImageDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, AudioDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, DocumentDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, VideoDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, ThoughtSummaryDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, ThoughtSignatureDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, ArgumentsDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, FunctionResultDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, CodeExecutionCallDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, CodeExecutionResultDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, GoogleSearchCallDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, GoogleSearchResultDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, URLContextCallDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, URLContextResultDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, GoogleMapsCallDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, GoogleMapsResultDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, FileSearchCallDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, FileSearchResultDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, MCPServerToolCallDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, MCPServerToolResultDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, RetrievalCallDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, RetrievalResultDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, ToolSearchCallDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, ToolSearchResultDelta):
            delta = self.delta.to_dict()
        elif isinstance(self.delta, ProcessingCallDelta):
            delta = self.delta.to_dict()
        else:
            delta = self.delta.to_dict()

        event_id = self.event_id

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "event_type": event_type,
                "index": index,
                "delta": delta,
            }
        )
        if event_id is not UNSET:
            field_dict["event_id"] = event_id
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.arguments_delta import ArgumentsDelta  # noqa: PLC0415
        from ..models.audio_delta import AudioDelta  # noqa: PLC0415
        from ..models.code_execution_call_delta import CodeExecutionCallDelta  # noqa: PLC0415
        from ..models.code_execution_result_delta import CodeExecutionResultDelta  # noqa: PLC0415
        from ..models.document_delta import DocumentDelta  # noqa: PLC0415
        from ..models.file_search_call_delta import FileSearchCallDelta  # noqa: PLC0415
        from ..models.file_search_result_delta import FileSearchResultDelta  # noqa: PLC0415
        from ..models.function_result_delta import FunctionResultDelta  # noqa: PLC0415
        from ..models.google_maps_call_delta import GoogleMapsCallDelta  # noqa: PLC0415
        from ..models.google_maps_result_delta import GoogleMapsResultDelta  # noqa: PLC0415
        from ..models.google_search_call_delta import GoogleSearchCallDelta  # noqa: PLC0415
        from ..models.google_search_result_delta import GoogleSearchResultDelta  # noqa: PLC0415
        from ..models.image_delta import ImageDelta  # noqa: PLC0415
        from ..models.mcp_server_tool_call_delta import MCPServerToolCallDelta  # noqa: PLC0415
        from ..models.mcp_server_tool_result_delta import MCPServerToolResultDelta  # noqa: PLC0415
        from ..models.processing_call_delta import ProcessingCallDelta  # noqa: PLC0415
        from ..models.processing_result_delta import ProcessingResultDelta  # noqa: PLC0415
        from ..models.retrieval_call_delta import RetrievalCallDelta  # noqa: PLC0415
        from ..models.retrieval_result_delta import RetrievalResultDelta  # noqa: PLC0415
        from ..models.step_delta_metadata import StepDeltaMetadata  # noqa: PLC0415
        from ..models.text_annotation_delta import TextAnnotationDelta  # noqa: PLC0415
        from ..models.text_delta import TextDelta  # noqa: PLC0415
        from ..models.thought_signature_delta import ThoughtSignatureDelta  # noqa: PLC0415
        from ..models.thought_summary_delta import ThoughtSummaryDelta  # noqa: PLC0415
        from ..models.tool_search_call_delta import ToolSearchCallDelta  # noqa: PLC0415
        from ..models.tool_search_result_delta import ToolSearchResultDelta  # noqa: PLC0415
        from ..models.url_context_call_delta import URLContextCallDelta  # noqa: PLC0415
        from ..models.url_context_result_delta import URLContextResultDelta  # noqa: PLC0415
        from ..models.video_delta import VideoDelta  # noqa: PLC0415

        d = dict(src_dict)
        event_type = cast(Literal["step.delta"], d.pop("event_type"))
        if event_type != "step.delta":
            raise ValueError(f"event_type must match const 'step.delta', got '{event_type}'")

        index = d.pop("index")

        def _parse_delta(
            data: object,
        ) -> (
            ArgumentsDelta
            | AudioDelta
            | CodeExecutionCallDelta
            | CodeExecutionResultDelta
            | DocumentDelta
            | FileSearchCallDelta
            | FileSearchResultDelta
            | FunctionResultDelta
            | GoogleMapsCallDelta
            | GoogleMapsResultDelta
            | GoogleSearchCallDelta
            | GoogleSearchResultDelta
            | ImageDelta
            | MCPServerToolCallDelta
            | MCPServerToolResultDelta
            | ProcessingCallDelta
            | ProcessingResultDelta
            | RetrievalCallDelta
            | RetrievalResultDelta
            | TextAnnotationDelta
            | TextDelta
            | ThoughtSignatureDelta
            | ThoughtSummaryDelta
            | ToolSearchCallDelta
            | ToolSearchResultDelta
            | URLContextCallDelta
            | URLContextResultDelta
            | VideoDelta
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_0 = TextDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_1 = TextAnnotationDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_2 = ImageDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_3 = AudioDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_4 = DocumentDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_5 = VideoDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_6 = ThoughtSummaryDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_7 = ThoughtSignatureDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_8 = ArgumentsDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_9 = FunctionResultDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_10 = CodeExecutionCallDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_11 = CodeExecutionResultDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_11
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_12 = GoogleSearchCallDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_12
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_13 = GoogleSearchResultDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_13
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_14 = URLContextCallDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_14
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_15 = URLContextResultDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_15
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_16 = GoogleMapsCallDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_16
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_17 = GoogleMapsResultDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_17
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_18 = FileSearchCallDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_18
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_19 = FileSearchResultDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_19
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_20 = MCPServerToolCallDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_20
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_21 = MCPServerToolResultDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_21
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_22 = RetrievalCallDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_22
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_23 = RetrievalResultDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_23
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_24 = ToolSearchCallDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_24
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_25 = ToolSearchResultDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_25
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_step_delta_data_type_26 = ProcessingCallDelta.from_dict(data)

                return componentsschemas_step_delta_data_type_26
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_step_delta_data_type_27 = ProcessingResultDelta.from_dict(data)

            return componentsschemas_step_delta_data_type_27

        delta = _parse_delta(d.pop("delta"))

        event_id = d.pop("event_id", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: StepDeltaMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = StepDeltaMetadata.from_dict(_metadata)

        step_delta = cls(
            event_type=event_type,
            index=index,
            delta=delta,
            event_id=event_id,
            metadata=metadata,
        )

        step_delta.additional_properties = d
        return step_delta

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
