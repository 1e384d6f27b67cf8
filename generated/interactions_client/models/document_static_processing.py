from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.document_static_processing_type import (
    DocumentStaticProcessingType,
    check_document_static_processing_type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.page_processing_options import PageProcessingOptions
    from ..models.spreadsheet_processing_options import SpreadsheetProcessingOptions


T = TypeVar("T", bound="DocumentStaticProcessing")


@_attrs_define
class DocumentStaticProcessing:
    type_: DocumentStaticProcessingType
    page_options: PageProcessingOptions | Unset = UNSET
    spreadsheet_options: SpreadsheetProcessingOptions | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        page_options: dict[str, Any] | Unset = UNSET
        if not isinstance(self.page_options, Unset):
            page_options = self.page_options.to_dict()

        spreadsheet_options: dict[str, Any] | Unset = UNSET
        if not isinstance(self.spreadsheet_options, Unset):
            spreadsheet_options = self.spreadsheet_options.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if page_options is not UNSET:
            field_dict["page_options"] = page_options
        if spreadsheet_options is not UNSET:
            field_dict["spreadsheet_options"] = spreadsheet_options

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.page_processing_options import PageProcessingOptions  # noqa: PLC0415
        from ..models.spreadsheet_processing_options import SpreadsheetProcessingOptions  # noqa: PLC0415

        d = dict(src_dict)
        type_ = check_document_static_processing_type(d.pop("type"))

        _page_options = d.pop("page_options", UNSET)
        page_options: PageProcessingOptions | Unset
        if isinstance(_page_options, Unset):
            page_options = UNSET
        else:
            page_options = PageProcessingOptions.from_dict(_page_options)

        _spreadsheet_options = d.pop("spreadsheet_options", UNSET)
        spreadsheet_options: SpreadsheetProcessingOptions | Unset
        if isinstance(_spreadsheet_options, Unset):
            spreadsheet_options = UNSET
        else:
            spreadsheet_options = SpreadsheetProcessingOptions.from_dict(_spreadsheet_options)

        document_static_processing = cls(
            type_=type_,
            page_options=page_options,
            spreadsheet_options=spreadsheet_options,
        )

        document_static_processing.additional_properties = d
        return document_static_processing

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
