from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="GoogleMaps")


@_attrs_define
class GoogleMaps:
    type_: Literal["google_maps"]
    latitude: float | Unset = UNSET
    longitude: float | Unset = UNSET
    enable_widget: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        latitude = self.latitude

        longitude = self.longitude

        enable_widget = self.enable_widget

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if latitude is not UNSET:
            field_dict["latitude"] = latitude
        if longitude is not UNSET:
            field_dict["longitude"] = longitude
        if enable_widget is not UNSET:
            field_dict["enable_widget"] = enable_widget

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["google_maps"], d.pop("type"))
        if type_ != "google_maps":
            raise ValueError(f"type must match const 'google_maps', got '{type_}'")

        latitude = d.pop("latitude", UNSET)

        longitude = d.pop("longitude", UNSET)

        enable_widget = d.pop("enable_widget", UNSET)

        google_maps = cls(
            type_=type_,
            latitude=latitude,
            longitude=longitude,
            enable_widget=enable_widget,
        )

        google_maps.additional_properties = d
        return google_maps

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
