from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.media_resolution import MediaResolution, check_media_resolution
from ..types import UNSET, Unset

T = TypeVar("T", bound="ImageContent")


@_attrs_define
class ImageContent:
    """An image, inline (`data`) or by reference (`uri`)."""

    type_: Literal["image"]
    data: str | Unset = UNSET
    """ Base64-encoded bytes. """
    uri: str | Unset = UNSET
    mime_type: str | Unset = UNSET
    """ image/png, image/jpeg, image/webp, image/heic, image/heif, image/gif, image/bmp or image/tiff. """
    resolution: MediaResolution | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        data = self.data

        uri = self.uri

        mime_type = self.mime_type

        resolution: str | Unset = UNSET
        if not isinstance(self.resolution, Unset):
            resolution = self.resolution

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

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["image"], d.pop("type"))
        if type_ != "image":
            raise ValueError(f"type must match const 'image', got '{type_}'")

        data = d.pop("data", UNSET)

        uri = d.pop("uri", UNSET)

        mime_type = d.pop("mime_type", UNSET)

        _resolution = d.pop("resolution", UNSET)
        resolution: MediaResolution | Unset
        if isinstance(_resolution, Unset):
            resolution = UNSET
        else:
            resolution = check_media_resolution(_resolution)

        image_content = cls(
            type_=type_,
            data=data,
            uri=uri,
            mime_type=mime_type,
            resolution=resolution,
        )

        image_content.additional_properties = d
        return image_content

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
