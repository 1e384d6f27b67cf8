from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.interaction_status import InteractionStatus, check_interaction_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.usage import Usage


T = TypeVar("T", bound="InteractionStatusUpdate")


@_attrs_define
class InteractionStatusUpdate:
    event_type: Literal["interaction.status_update"]
    interaction_id: str
    status: InteractionStatus
    """ `incomplete` = finished but truncated (e.g. max tokens); `budget_exceeded` is deprecated in favour of
    `incomplete`; `requires_action` = client-side function calls are pending; `requires_continuation`
    = resume with `continuation_token` (never emitted by servers that do not implement continuation).
     """
    event_id: str | Unset = UNSET
    """ Resume token for `GET ...?stream=true&last_event_id=`. """
    usage: Usage | Unset = UNSET
    """ Token accounting. `total_tokens` = input + output + thought (+ tool use). """
    continuation_token: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        event_type = self.event_type

        interaction_id = self.interaction_id

        status: str = self.status

        event_id = self.event_id

        usage: dict[str, Any] | Unset = UNSET
        if not isinstance(self.usage, Unset):
            usage = self.usage.to_dict()

        continuation_token = self.continuation_token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "event_type": event_type,
                "interaction_id": interaction_id,
                "status": status,
            }
        )
        if event_id is not UNSET:
            field_dict["event_id"] = event_id
        if usage is not UNSET:
            field_dict["usage"] = usage
        if continuation_token is not UNSET:
            field_dict["continuation_token"] = continuation_token

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage import Usage  # noqa: PLC0415

        d = dict(src_dict)
        event_type = cast(Literal["interaction.status_update"], d.pop("event_type"))
        if event_type != "interaction.status_update":
            raise ValueError(f"event_type must match const 'interaction.status_update', got '{event_type}'")

        interaction_id = d.pop("interaction_id")

        status = check_interaction_status(d.pop("status"))

        event_id = d.pop("event_id", UNSET)

        _usage = d.pop("usage", UNSET)
        usage: Usage | Unset
        if isinstance(_usage, Unset):
            usage = UNSET
        else:
            usage = Usage.from_dict(_usage)

        continuation_token = d.pop("continuation_token", UNSET)

        interaction_status_update = cls(
            event_type=event_type,
            interaction_id=interaction_id,
            status=status,
            event_id=event_id,
            usage=usage,
            continuation_token=continuation_token,
        )

        interaction_status_update.additional_properties = d
        return interaction_status_update

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
