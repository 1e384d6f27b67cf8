from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="WordInfo")


@_attrs_define
class WordInfo:
    type_: Literal["word_info"]
    text: str | Unset = UNSET
    speaker: str | Unset = UNSET
    start_offset: str | Unset = UNSET
    """ Duration, e.g. `1.5s`. """
    end_offset: str | Unset = UNSET
    """ Duration, e.g. `1.9s`. """
    start_index: int | Unset = UNSET
    end_index: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        text = self.text

        speaker = self.speaker

        start_offset = self.start_offset

        end_offset = self.end_offset

        start_index = self.start_index

        end_index = self.end_index

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if text is not UNSET:
            field_dict["text"] = text
        if speaker is not UNSET:
            field_dict["speaker"] = speaker
        if start_offset is not UNSET:
            field_dict["start_offset"] = start_offset
        if end_offset is not UNSET:
            field_dict["end_offset"] = end_offset
        if start_index is not UNSET:
            field_dict["start_index"] = start_index
        if end_index is not UNSET:
            field_dict["end_index"] = end_index

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["word_info"], d.pop("type"))
        if type_ != "word_info":
            raise ValueError(f"type must match const 'word_info', got '{type_}'")

        text = d.pop("text", UNSET)

        speaker = d.pop("speaker", UNSET)

        start_offset = d.pop("start_offset", UNSET)

        end_offset = d.pop("end_offset", UNSET)

        start_index = d.pop("start_index", UNSET)

        end_index = d.pop("end_index", UNSET)

        word_info = cls(
            type_=type_,
            text=text,
            speaker=speaker,
            start_offset=start_offset,
            end_offset=end_offset,
            start_index=start_index,
            end_index=end_index,
        )

        word_info.additional_properties = d
        return word_info

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
