from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.page_content_layer import PageContentLayer, check_page_content_layer
from ..types import UNSET, Unset

T = TypeVar("T", bound="PageProcessingOptions")


@_attrs_define
class PageProcessingOptions:
    start_page: int | Unset = UNSET
    end_page: int | Unset = UNSET
    content_layers: list[PageContentLayer] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        start_page = self.start_page

        end_page = self.end_page

        content_layers: list[str] | Unset = UNSET
        if not isinstance(self.content_layers, Unset):
            content_layers = []
            for content_layers_item_data in self.content_layers:
                content_layers_item: str = content_layers_item_data
                content_layers.append(content_layers_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if start_page is not UNSET:
            field_dict["start_page"] = start_page
        if end_page is not UNSET:
            field_dict["end_page"] = end_page
        if content_layers is not UNSET:
            field_dict["content_layers"] = content_layers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        start_page = d.pop("start_page", UNSET)

        end_page = d.pop("end_page", UNSET)

        _content_layers = d.pop("content_layers", UNSET)
        content_layers: list[PageContentLayer] | Unset = UNSET
        if _content_layers is not UNSET:
            content_layers = []
            for content_layers_item_data in _content_layers:
                content_layers_item = check_page_content_layer(content_layers_item_data)

                content_layers.append(content_layers_item)

        page_processing_options = cls(
            start_page=start_page,
            end_page=end_page,
            content_layers=content_layers,
        )

        page_processing_options.additional_properties = d
        return page_processing_options

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
