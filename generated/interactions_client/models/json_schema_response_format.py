from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.json_schema_type import JSONSchemaType, check_json_schema_type
from ..types import UNSET, Unset

T = TypeVar("T", bound="JSONSchemaResponseFormat")


@_attrs_define
class JSONSchemaResponseFormat:
    """Legacy form - a bare JSON Schema, used together with `response_mime_type` `application/json`."""

    type_: JSONSchemaType | list[JSONSchemaType] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: list[str] | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        elif isinstance(self.type_, str):
            type_ = self.type_
        else:
            type_ = []
            for type_type_1_item_data in self.type_:
                type_type_1_item: str = type_type_1_item_data
                type_.append(type_type_1_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_type_(data: object) -> JSONSchemaType | list[JSONSchemaType] | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_0 = check_json_schema_type(data)

                return type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, list):
                raise TypeError()
            type_type_1 = []
            _type_type_1 = data
            for type_type_1_item_data in _type_type_1:
                type_type_1_item = check_json_schema_type(type_type_1_item_data)

                type_type_1.append(type_type_1_item)

            return type_type_1

        type_ = _parse_type_(d.pop("type", UNSET))

        json_schema_response_format = cls(
            type_=type_,
        )

        json_schema_response_format.additional_properties = d
        return json_schema_response_format

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
