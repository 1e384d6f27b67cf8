from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SpeechAnnotation")


@_attrs_define
class SpeechAnnotation:
    type_: Literal["speech_metadata"]
    speaker: str | Unset = UNSET
    style: str | Unset = UNSET
    start_index: int | Unset = UNSET
    end_index: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        speaker = self.speaker

        style = self.style

        start_index = self.start_index

        end_index = self.end_index

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if speaker is not UNSET:
            field_dict["speaker"] = speaker
        if style is not UNSET:
            field_dict["style"] = style
        if start_index is not UNSET:
            field_dict["start_index"] = start_index
        if end_index is not UNSET:
            field_dict["end_index"] = end_index

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["speech_metadata"], d.pop("type"))
        if type_ != "speech_metadata":
            raise ValueError(f"type must match const 'speech_metadata', got '{type_}'")

        speaker = d.pop("speaker", UNSET)

        style = d.pop("style", UNSET)

        start_index = d.pop("start_index", UNSET)

        end_index = d.pop("end_index", UNSET)

        speech_annotation = cls(
            type_=type_,
            speaker=speaker,
            style=style,
            start_index=start_index,
            end_index=end_index,
        )

        speech_annotation.additional_properties = d
        return speech_annotation

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
