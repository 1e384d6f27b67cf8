from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.document_content_processing_type_0 import (
    DocumentContentProcessingType0,
    check_document_content_processing_type_0,
)
from ..models.media_resolution import MediaResolution, check_media_resolution
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.document_static_processing import DocumentStaticProcessing


T = TypeVar("T", bound="DocumentContent")


@_attrs_define
class DocumentContent:
    """A document (PDF, CSV, office formats), inline or by reference."""

    type_: Literal["document"]
    data: str | Unset = UNSET
    """ Base64-encoded bytes. """
    uri: str | Unset = UNSET
    mime_type: str | Unset = UNSET
    resolution: MediaResolution | Unset = UNSET
    processing: DocumentContentProcessingType0 | DocumentStaticProcessing | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        data = self.data

        uri = self.uri

        mime_type = self.mime_type

        resolution: str | Unset = UNSET
        if not isinstance(self.resolution, Unset):
            resolution = self.resolution

        processing: dict[str, Any] | str | Unset
        if isinstance(self.processing, Unset):
            processing = UNSET
        elif isinstance(self.processing, str):
            processing = self.processing
        else:
            processing = self.processing.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if data is not UNSET:
            field_dict["data"] = data
        if uri is not UNSET:
            field_dict["uri"] = uri
        if mime_type is not UNSET:
            field_dict["mime_type"] = mime_type
        if resolution is not UNSET:
            field_dict["resolution"] = resolution
        if processing is not UNSET:
            field_dict["processing"] = processing

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.document_static_processing import DocumentStaticProcessing  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["document"], d.pop("type"))
        if type_ != "document":
            raise ValueError(f"type must match const 'document', got '{type_}'")

        data = d.pop("data", UNSET)

        uri = d.pop("uri", UNSET)

        mime_type = d.pop("mime_type", UNSET)

        _resolution = d.pop("resolution", UNSET)
        resolution: MediaResolution | Unset
        if isinstance(_resolution, Unset):
            resolution = UNSET
        else:
            resolution = check_media_resolution(_resolution)

        def _parse_processing(
            data: object,
        ) -> DocumentContentProcessingType0 | DocumentStaticProcessing | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                processing_type_0 = check_document_content_processing_type_0(data)

                return processing_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            processing_type_1 = DocumentStaticProcessing.from_dict(data)

            return processing_type_1

        processing = _parse_processing(d.pop("processing", UNSET))

        document_content = cls(
            type_=type_,
            data=data,
            uri=uri,
            mime_type=mime_type,
            resolution=resolution,
            processing=processing,
        )

        document_content.additional_properties = d
        return document_content

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
