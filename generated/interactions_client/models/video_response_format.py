from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.media_delivery import MediaDelivery, check_media_delivery
from ..models.video_aspect_ratio import VideoAspectRatio, check_video_aspect_ratio
from ..models.video_resolution import VideoResolution, check_video_resolution
from ..types import UNSET, Unset

T = TypeVar("T", bound="VideoResponseFormat")


@_attrs_define
class VideoResponseFormat:
    type_: Literal["video"]
    aspect_ratio: VideoAspectRatio | Unset = UNSET
    resolution: VideoResolution | Unset = UNSET
    duration: str | Unset = UNSET
    gcs_uri: str | Unset = UNSET
    delivery: MediaDelivery | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        aspect_ratio: str | Unset = UNSET
        if not isinstance(self.aspect_ratio, Unset):
            aspect_ratio = self.aspect_ratio

        resolution: str | Unset = UNSET
        if not isinstance(self.resolution, Unset):
            resolution = self.resolution

        duration = self.duration

        gcs_uri = self.gcs_uri

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
        if resolution is not UNSET:
            field_dict["resolution"] = resolution
        if duration is not UNSET:
            field_dict["duration"] = duration
        if gcs_uri is not UNSET:
            field_dict["gcs_uri"] = gcs_uri
        if delivery is not UNSET:
            field_dict["delivery"] = delivery

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["video"], d.pop("type"))
        if type_ != "video":
            raise ValueError(f"type must match const 'video', got '{type_}'")

        _aspect_ratio = d.pop("aspect_ratio", UNSET)
        aspect_ratio: VideoAspectRatio | Unset
        if isinstance(_aspect_ratio, Unset):
            aspect_ratio = UNSET
        else:
            aspect_ratio = check_video_aspect_ratio(_aspect_ratio)

        _resolution = d.pop("resolution", UNSET)
        resolution: VideoResolution | Unset
        if isinstance(_resolution, Unset):
            resolution = UNSET
        else:
            resolution = check_video_resolution(_resolution)

        duration = d.pop("duration", UNSET)

        gcs_uri = d.pop("gcs_uri", UNSET)

        _delivery = d.pop("delivery", UNSET)
        delivery: MediaDelivery | Unset
        if isinstance(_delivery, Unset):
            delivery = UNSET
        else:
            delivery = check_media_delivery(_delivery)

        video_response_format = cls(
            type_=type_,
            aspect_ratio=aspect_ratio,
            resolution=resolution,
            duration=duration,
            gcs_uri=gcs_uri,
            delivery=delivery,
        )

        video_response_format.additional_properties = d
        return video_response_format

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
