from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.harm_block_method import HarmBlockMethod, check_harm_block_method
from ..models.harm_block_threshold import HarmBlockThreshold, check_harm_block_threshold
from ..models.harm_category import HarmCategory, check_harm_category
from ..types import UNSET, Unset

T = TypeVar("T", bound="SafetySetting")


@_attrs_define
class SafetySetting:
    type_: HarmCategory
    threshold: HarmBlockThreshold
    method: HarmBlockMethod | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        threshold: str = self.threshold

        method: str | Unset = UNSET
        if not isinstance(self.method, Unset):
            method = self.method

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "threshold": threshold,
            }
        )
        if method is not UNSET:
            field_dict["method"] = method

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = check_harm_category(d.pop("type"))

        threshold = check_harm_block_threshold(d.pop("threshold"))

        _method = d.pop("method", UNSET)
        method: HarmBlockMethod | Unset
        if isinstance(_method, Unset):
            method = UNSET
        else:
            method = check_harm_block_method(_method)

        safety_setting = cls(
            type_=type_,
            threshold=threshold,
            method=method,
        )

        safety_setting.additional_properties = d
        return safety_setting

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
