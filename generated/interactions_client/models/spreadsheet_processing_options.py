from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.spreadsheet_content_layer import SpreadsheetContentLayer, check_spreadsheet_content_layer
from ..types import UNSET, Unset

T = TypeVar("T", bound="SpreadsheetProcessingOptions")


@_attrs_define
class SpreadsheetProcessingOptions:
    sheet_index: int | Unset = UNSET
    visible_cells: str | Unset = UNSET
    content_layers: list[SpreadsheetContentLayer] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sheet_index = self.sheet_index

        visible_cells = self.visible_cells

        content_layers: list[str] | Unset = UNSET
        if not isinstance(self.content_layers, Unset):
            content_layers = []
            for content_layers_item_data in self.content_layers:
                content_layers_item: str = content_layers_item_data
                content_layers.append(content_layers_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if sheet_index is not UNSET:
            field_dict["sheet_index"] = sheet_index
        if visible_cells is not UNSET:
            field_dict["visible_cells"] = visible_cells
        if content_layers is not UNSET:
            field_dict["content_layers"] = content_layers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sheet_index = d.pop("sheet_index", UNSET)

        visible_cells = d.pop("visible_cells", UNSET)

        _content_layers = d.pop("content_layers", UNSET)
        content_layers: list[SpreadsheetContentLayer] | Unset = UNSET
        if _content_layers is not UNSET:
            content_layers = []
            for content_layers_item_data in _content_layers:
                content_layers_item = check_spreadsheet_content_layer(content_layers_item_data)

                content_layers.append(content_layers_item)

        spreadsheet_processing_options = cls(
            sheet_index=sheet_index,
            visible_cells=visible_cells,
            content_layers=content_layers,
        )

        spreadsheet_processing_options.additional_properties = d
        return spreadsheet_processing_options

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
