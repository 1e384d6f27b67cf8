from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.static_offsets_processing_type import (
    StaticOffsetsProcessingType,
    check_static_offsets_processing_type,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="StaticOffsetsProcessing")


@_attrs_define
class StaticOffsetsProcessing:
    """Static processing of a clip between two offsets."""

    type_: StaticOffsetsProcessingType
    start_offset: str | Unset = UNSET
    """ Duration, e.g. `1.5s`. """
    end_offset: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        start_offset = self.start_offset

        end_offset = self.end_offset

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

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = check_static_offsets_processing_type(d.pop("type"))

        start_offset = d.pop("start_offset", UNSET)

        end_offset = d.pop("end_offset", UNSET)

        static_offsets_processing = cls(
            type_=type_,
            start_offset=start_offset,
            end_offset=end_offset,
        )

        static_offsets_processing.additional_properties = d
        return static_offsets_processing

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
