from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.image_size import ImageSize, check_image_size
from ..models.media_delivery import MediaDelivery, check_media_delivery
from ..types import UNSET, Unset

T = TypeVar("T", bound="ImageResponseFormat")


@_attrs_define
class ImageResponseFormat:
    type_: Literal["image"]
    aspect_ratio: str | Unset = UNSET
    image_size: ImageSize | Unset = UNSET
    mime_type: str | Unset = UNSET
    delivery: MediaDelivery | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        aspect_ratio = self.aspect_ratio

        image_size: str | Unset = UNSET
        if not isinstance(self.image_size, Unset):
            image_size = self.image_size

        mime_type = self.mime_type

        delivery: str | Unset = UNSET
        if not isinstance(self.delivery, Unset):
            delivery = self.delivery

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if aspect_ratio is not UNSET:
            field_dict["aspect_ratio"] = aspect_ratio
        if image_size is not UNSET:
            field_dict["image_size"] = image_size
        if mime_type is not UNSET:
            field_dict["mime_type"] = mime_type
        if delivery is not UNSET:
            field_dict["delivery"] = delivery

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["image"], d.pop("type"))
        if type_ != "image":
            raise ValueError(f"type must match const 'image', got '{type_}'")

        aspect_ratio = d.pop("aspect_ratio", UNSET)

        _image_size = d.pop("image_size", UNSET)
        image_size: ImageSize | Unset
        if isinstance(_image_size, Unset):
            image_size = UNSET
        else:
            image_size = check_image_size(_image_size)

        mime_type = d.pop("mime_type", UNSET)

        _delivery = d.pop("delivery", UNSET)
        delivery: MediaDelivery | Unset
        if isinstance(_delivery, Unset):
            delivery = UNSET
        else:
            delivery = check_media_delivery(_delivery)

        image_response_format = cls(
            type_=type_,
            aspect_ratio=aspect_ratio,
            image_size=image_size,
            mime_type=mime_type,
            delivery=delivery,
        )

        image_response_format.additional_properties = d
        return image_response_format

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
