from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.google_search_type import GoogleSearchType, check_google_search_type
from ..types import UNSET, Unset

T = TypeVar("T", bound="GoogleSearch")


@_attrs_define
class GoogleSearch:
    type_: Literal["google_search"]
    search_types: list[GoogleSearchType] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        search_types: list[str] | Unset = UNSET
        if not isinstance(self.search_types, Unset):
            search_types = []
            for search_types_item_data in self.search_types:
                search_types_item: str = search_types_item_data
                search_types.append(search_types_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if search_types is not UNSET:
            field_dict["search_types"] = search_types

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["google_search"], d.pop("type"))
        if type_ != "google_search":
            raise ValueError(f"type must match const 'google_search', got '{type_}'")

        _search_types = d.pop("search_types", UNSET)
        search_types: list[GoogleSearchType] | Unset = UNSET
        if _search_types is not UNSET:
            search_types = []
            for search_types_item_data in _search_types:
                search_types_item = check_google_search_type(search_types_item_data)

                search_types.append(search_types_item)

        google_search = cls(
            type_=type_,
            search_types=search_types,
        )

        google_search.additional_properties = d
        return google_search

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
