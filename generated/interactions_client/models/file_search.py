from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="FileSearch")


@_attrs_define
class FileSearch:
    type_: Literal["file_search"]
    file_search_store_names: list[str] | Unset = UNSET
    metadata_filter: str | Unset = UNSET
    top_k: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        file_search_store_names: list[str] | Unset = UNSET
        if not isinstance(self.file_search_store_names, Unset):
            file_search_store_names = self.file_search_store_names

        metadata_filter = self.metadata_filter

        top_k = self.top_k

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if file_search_store_names is not UNSET:
            field_dict["file_search_store_names"] = file_search_store_names
        if metadata_filter is not UNSET:
            field_dict["metadata_filter"] = metadata_filter
        if top_k is not UNSET:
            field_dict["top_k"] = top_k

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["file_search"], d.pop("type"))
        if type_ != "file_search":
            raise ValueError(f"type must match const 'file_search', got '{type_}'")

        file_search_store_names = cast(list[str], d.pop("file_search_store_names", UNSET))

        metadata_filter = d.pop("metadata_filter", UNSET)

        top_k = d.pop("top_k", UNSET)

        file_search = cls(
            type_=type_,
            file_search_store_names=file_search_store_names,
            metadata_filter=metadata_filter,
            top_k=top_k,
        )

        file_search.additional_properties = d
        return file_search

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
