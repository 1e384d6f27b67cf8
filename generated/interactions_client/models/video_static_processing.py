from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.video_content_layer import VideoContentLayer, check_video_content_layer
from ..models.video_static_processing_type import (
    VideoStaticProcessingType,
    check_video_static_processing_type,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="VideoStaticProcessing")


@_attrs_define
class VideoStaticProcessing:
    type_: VideoStaticProcessingType
    start_offset: str | Unset = UNSET
    end_offset: str | Unset = UNSET
    fps: float | Unset = UNSET
    content_layers: list[VideoContentLayer] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        start_offset = self.start_offset

        end_offset = self.end_offset

        fps = self.fps

        content_layers: list[str] | Unset = UNSET
        if not isinstance(self.content_layers, Unset):
            content_layers = []
            for content_layers_item_data in self.content_layers:
                content_layers_item: str = content_layers_item_data
                content_layers.append(content_layers_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if start_offset is not UNSET:
            field_dict["start_offset"] = start_offset
        if end_offset is not UNSET:
            field_dict["end_offset"] = end_offset
        if fps is not UNSET:
            field_dict["fps"] = fps
        if content_layers is not UNSET:
            field_dict["content_layers"] = content_layers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = check_video_static_processing_type(d.pop("type"))

        start_offset = d.pop("start_offset", UNSET)

        end_offset = d.pop("end_offset", UNSET)

        fps = d.pop("fps", UNSET)

        _content_layers = d.pop("content_layers", UNSET)
        content_layers: list[VideoContentLayer] | Unset = UNSET
        if _content_layers is not UNSET:
            content_layers = []
            for content_layers_item_data in _content_layers:
                content_layers_item = check_video_content_layer(content_layers_item_data)

                content_layers.append(content_layers_item)

        video_static_processing = cls(
            type_=type_,
            start_offset=start_offset,
            end_offset=end_offset,
            fps=fps,
            content_layers=content_layers,
        )

        video_static_processing.additional_properties = d
        return video_static_processing

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
