from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.environment_source_type import EnvironmentSourceType, check_environment_source_type
from ..types import UNSET, Unset

T = TypeVar("T", bound="EnvironmentSource")


@_attrs_define
class EnvironmentSource:
    type_: EnvironmentSourceType | Unset = UNSET
    source: str | Unset = UNSET
    target: str | Unset = UNSET
    content: str | Unset = UNSET
    encoding: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str | Unset = UNSET
        if not isinstance(self.type_, Unset):
            type_ = self.type_

        source = self.source

        target = self.target

        content = self.content

        encoding = self.encoding

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if type_ is not UNSET:
            field_dict["type"] = type_
        if source is not UNSET:
            field_dict["source"] = source
        if target is not UNSET:
            field_dict["target"] = target
        if content is not UNSET:
            field_dict["content"] = content
        if encoding is not UNSET:
            field_dict["encoding"] = encoding

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _type_ = d.pop("type", UNSET)
        type_: EnvironmentSourceType | Unset
        if isinstance(_type_, Unset):
            type_ = UNSET
        else:
            type_ = check_environment_source_type(_type_)

        source = d.pop("source", UNSET)

        target = d.pop("target", UNSET)

        content = d.pop("content", UNSET)

        encoding = d.pop("encoding", UNSET)

        environment_source = cls(
            type_=type_,
            source=source,
            target=target,
            content=content,
            encoding=encoding,
        )

        environment_source.additional_properties = d
        return environment_source

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
