from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.usage import Usage


T = TypeVar("T", bound="StepDeltaMetadata")


@_attrs_define
class StepDeltaMetadata:
    total_usage: Usage | Unset = UNSET
    """ Token accounting. `total_tokens` = input + output + thought (+ tool use). """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total_usage: dict[str, Any] | Unset = UNSET
        if not isinstance(self.total_usage, Unset):
            total_usage = self.total_usage.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if total_usage is not UNSET:
            field_dict["total_usage"] = total_usage

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage import Usage  # noqa: PLC0415

        d = dict(src_dict)
        _total_usage = d.pop("total_usage", UNSET)
        total_usage: Usage | Unset
        if isinstance(_total_usage, Unset):
            total_usage = UNSET
        else:
            total_usage = Usage.from_dict(_total_usage)

        step_delta_metadata = cls(
            total_usage=total_usage,
        )

        step_delta_metadata.additional_properties = d
        return step_delta_metadata

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
