from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.usage import Usage


T = TypeVar("T", bound="StepStop")


@_attrs_define
class StepStop:
    event_type: Literal["step.stop"]
    index: int
    """ Position of the step in this response's `steps[]` (the stream skips `user_input`). """
    event_id: str | Unset = UNSET
    """ Resume token for `GET ...?stream=true&last_event_id=`. """
    usage: Usage | Unset = UNSET
    """ Token accounting. `total_tokens` = input + output + thought (+ tool use). """
    step_usage: Usage | Unset = UNSET
    """ Token accounting. `total_tokens` = input + output + thought (+ tool use). """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        event_type = self.event_type

        index = self.index

        event_id = self.event_id

        usage: dict[str, Any] | Unset = UNSET
        if not isinstance(self.usage, Unset):
            usage = self.usage.to_dict()

        step_usage: dict[str, Any] | Unset = UNSET
        if not isinstance(self.step_usage, Unset):
            step_usage = self.step_usage.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "event_type": event_type,
                "index": index,
            }
        )
        if event_id is not UNSET:
            field_dict["event_id"] = event_id
        if usage is not UNSET:
            field_dict["usage"] = usage
        if step_usage is not UNSET:
            field_dict["step_usage"] = step_usage

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage import Usage  # noqa: PLC0415

        d = dict(src_dict)
        event_type = cast(Literal["step.stop"], d.pop("event_type"))
        if event_type != "step.stop":
            raise ValueError(f"event_type must match const 'step.stop', got '{event_type}'")

        index = d.pop("index")

        event_id = d.pop("event_id", UNSET)

        _usage = d.pop("usage", UNSET)
        usage: Usage | Unset
        if isinstance(_usage, Unset):
            usage = UNSET
        else:
            usage = Usage.from_dict(_usage)

        _step_usage = d.pop("step_usage", UNSET)
        step_usage: Usage | Unset
        if isinstance(_step_usage, Unset):
            step_usage = UNSET
        else:
            step_usage = Usage.from_dict(_step_usage)

        step_stop = cls(
            event_type=event_type,
            index=index,
            event_id=event_id,
            usage=usage,
            step_usage=step_usage,
        )

        step_stop.additional_properties = d
        return step_stop

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
