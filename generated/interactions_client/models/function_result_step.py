from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.audio_content import AudioContent
    from ..models.document_content import DocumentContent
    from ..models.function import Function
    from ..models.image_content import ImageContent
    from ..models.text_content import TextContent
    from ..models.tool_result_type_2 import ToolResultType2
    from ..models.video_content import VideoContent


T = TypeVar("T", bound="FunctionResultStep")


@_attrs_define
class FunctionResultStep:
    """The result of a function call."""

    type_: Literal["function_result"]
    call_id: str
    result: (
        list[AudioContent | DocumentContent | Function | ImageContent | TextContent | VideoContent]
        | str
        | ToolResultType2
    )
    """ A tool result - an object, a string, or an array of content blocks. """
    name: str | Unset = UNSET
    is_error: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.audio_content import AudioContent  # noqa: PLC0415
        from ..models.document_content import DocumentContent  # noqa: PLC0415
        from ..models.image_content import ImageContent  # noqa: PLC0415
        from ..models.text_content import TextContent  # noqa: PLC0415
        from ..models.tool_result_type_2 import ToolResultType2  # noqa: PLC0415
        from ..models.video_content import VideoContent  # noqa: PLC0415

        type_ = self.type_

        call_id = self.call_id

        result: dict[str, Any] | list[dict[str, Any]] | str
        if isinstance(self.result, list):
            result = []
            for componentsschemas_tool_result_type_0_item_data in self.result:
                componentsschemas_tool_result_type_0_item: dict[str, Any]
                if isinstance(componentsschemas_tool_result_type_0_item_data, TextContent):
                    componentsschemas_tool_result_type_0_item = (
                        componentsschemas_tool_result_type_0_item_data.to_dict()
                    )
                elif isinstance(componentsschemas_tool_result_type_0_item_data, ImageContent):
                    componentsschemas_tool_result_type_0_item = (
                        componentsschemas_tool_result_type_0_item_data.to_dict()
                    )
                elif isinstance(componentsschemas_tool_result_type_0_item_data, AudioContent):
                    componentsschemas_tool_result_type_0_item = (
                        componentsschemas_tool_result_type_0_item_data.to_dict()
                    )
                elif isinstance(componentsschemas_tool_result_type_0_item_data, DocumentContent):
                    componentsschemas_tool_result_type_0_item = (
                        componentsschemas_tool_result_type_0_item_data.to_dict()
                    )
                elif isinstance(componentsschemas_tool_result_type_0_item_data, VideoContent):
                    componentsschemas_tool_result_type_0_item = (
                        componentsschemas_tool_result_type_0_item_data.to_dict()
                    )
                else:
                    componentsschemas_tool_result_type_0_item = (
                        componentsschemas_tool_result_type_0_item_data.to_dict()
                    )

                result.append(componentsschemas_tool_result_type_0_item)

        elif isinstance(self.result, ToolResultType2):
            result = self.result.to_dict()
        else:
            result = self.result

        name = self.name

        is_error = self.is_error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "call_id": call_id,
                "result": result,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if is_error is not UNSET:
            field_dict["is_error"] = is_error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audio_content import AudioContent  # noqa: PLC0415
        from ..models.document_content import DocumentContent  # noqa: PLC0415
        from ..models.function import Function  # noqa: PLC0415
        from ..models.image_content import ImageContent  # noqa: PLC0415
        from ..models.text_content import TextContent  # noqa: PLC0415
        from ..models.tool_result_type_2 import ToolResultType2  # noqa: PLC0415
        from ..models.video_content import VideoContent  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["function_result"], d.pop("type"))
        if type_ != "function_result":
            raise ValueError(f"type must match const 'function_result', got '{type_}'")

        call_id = d.pop("call_id")

        def _parse_result(
            data: object,
        ) -> (
            list[AudioContent | DocumentContent | Function | ImageContent | TextContent | VideoContent]
            | str
            | ToolResultType2
        ):
            try:
                if not isinstance(data, list):
                    raise TypeError()
                componentsschemas_tool_result_type_0 = []
                _componentsschemas_tool_result_type_0 = data
                for componentsschemas_tool_result_type_0_item_data in _componentsschemas_tool_result_type_0:

                    def _parse_componentsschemas_tool_result_type_0_item(
                        data: object,
                    ) -> (
                        AudioContent | DocumentContent | Function | ImageContent | TextContent | VideoContent
                    ):
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_function_result_subcontent_type_0 = TextContent.from_dict(data)

                            return componentsschemas_function_result_subcontent_type_0
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_function_result_subcontent_type_1 = ImageContent.from_dict(data)

                            return componentsschemas_function_result_subcontent_type_1
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_function_result_subcontent_type_2 = AudioContent.from_dict(data)

                            return componentsschemas_function_result_subcontent_type_2
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_function_result_subcontent_type_3 = DocumentContent.from_dict(
                                data
                            )

                            return componentsschemas_function_result_subcontent_type_3
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_function_result_subcontent_type_4 = VideoContent.from_dict(data)

                            return componentsschemas_function_result_subcontent_type_4
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_function_result_subcontent_type_5 = Function.from_dict(data)

                        return componentsschemas_function_result_subcontent_type_5

                    componentsschemas_tool_result_type_0_item = (
                        _parse_componentsschemas_tool_result_type_0_item(
                            componentsschemas_tool_result_type_0_item_data
                        )
                    )

                    componentsschemas_tool_result_type_0.append(componentsschemas_tool_result_type_0_item)

                return componentsschemas_tool_result_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_tool_result_type_2 = ToolResultType2.from_dict(data)

                return componentsschemas_tool_result_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                list[AudioContent | DocumentContent | Function | ImageContent | TextContent | VideoContent]
                | str
                | ToolResultType2,
                data,
            )

        result = _parse_result(d.pop("result"))

        name = d.pop("name", UNSET)

        is_error = d.pop("is_error", UNSET)

        function_result_step = cls(
            type_=type_,
            call_id=call_id,
            result=result,
            name=name,
            is_error=is_error,
        )

        function_result_step.additional_properties = d
        return function_result_step

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
