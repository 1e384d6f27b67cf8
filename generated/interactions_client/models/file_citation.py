from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.file_citation_custom_metadata import FileCitationCustomMetadata


T = TypeVar("T", bound="FileCitation")


@_attrs_define
class FileCitation:
    type_: Literal["file_citation"]
    document_uri: str | Unset = UNSET
    file_name: str | Unset = UNSET
    source: str | Unset = UNSET
    media_id: str | Unset = UNSET
    page_number: int | Unset = UNSET
    custom_metadata: FileCitationCustomMetadata | Unset = UNSET
    start_index: int | Unset = UNSET
    end_index: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        document_uri = self.document_uri

        file_name = self.file_name

        source = self.source

        media_id = self.media_id

        page_number = self.page_number

        custom_metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.custom_metadata, Unset):
            custom_metadata = self.custom_metadata.to_dict()

        start_index = self.start_index

        end_index = self.end_index

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if document_uri is not UNSET:
            field_dict["document_uri"] = document_uri
        if file_name is not UNSET:
            field_dict["file_name"] = file_name
        if source is not UNSET:
            field_dict["source"] = source
        if media_id is not UNSET:
            field_dict["media_id"] = media_id
        if page_number is not UNSET:
            field_dict["page_number"] = page_number
        if custom_metadata is not UNSET:
            field_dict["custom_metadata"] = custom_metadata
        if start_index is not UNSET:
            field_dict["start_index"] = start_index
        if end_index is not UNSET:
            field_dict["end_index"] = end_index

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.file_citation_custom_metadata import FileCitationCustomMetadata  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["file_citation"], d.pop("type"))
        if type_ != "file_citation":
            raise ValueError(f"type must match const 'file_citation', got '{type_}'")

        document_uri = d.pop("document_uri", UNSET)

        file_name = d.pop("file_name", UNSET)

        source = d.pop("source", UNSET)

        media_id = d.pop("media_id", UNSET)

        page_number = d.pop("page_number", UNSET)

        _custom_metadata = d.pop("custom_metadata", UNSET)
        custom_metadata: FileCitationCustomMetadata | Unset
        if isinstance(_custom_metadata, Unset):
            custom_metadata = UNSET
        else:
            custom_metadata = FileCitationCustomMetadata.from_dict(_custom_metadata)

        start_index = d.pop("start_index", UNSET)

        end_index = d.pop("end_index", UNSET)

        file_citation = cls(
            type_=type_,
            document_uri=document_uri,
            file_name=file_name,
            source=source,
            media_id=media_id,
            page_number=page_number,
            custom_metadata=custom_metadata,
            start_index=start_index,
            end_index=end_index,
        )

        file_citation.additional_properties = d
        return file_citation

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
