from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.video_task import VideoTask, check_video_task
from ..types import UNSET, Unset

T = TypeVar("T", bound="VideoConfig")


@_attrs_define
class VideoConfig:
    task: VideoTask | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        task: str | Unset = UNSET
        if not isinstance(self.task, Unset):
            task = self.task

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if task is not UNSET:
            field_dict["task"] = task

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _task = d.pop("task", UNSET)
        task: VideoTask | Unset
        if isinstance(_task, Unset):
            task = UNSET
        else:
            task = check_video_task(_task)

        video_config = cls(
            task=task,
        )

        video_config.additional_properties = d
        return video_config

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
