from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.interaction_sse_frame_data_type_0 import (
    InteractionSSEFrameDataType0,
    check_interaction_sse_frame_data_type_0,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="InteractionSSEFrame")


@_attrs_define
class InteractionSSEFrame:
    """One parsed server-sent event frame (how schemathesis reads `text/event-stream` before OpenAPI 3.2).
    `data` is either the JSON of an `InteractionSSEEvent` or the optional final sentinel `[DONE]`.
    Servers send `event: <event_type>` alongside `data:`; clients dispatch on the JSON `event_type`.

    """

    data: InteractionSSEFrameDataType0 | str
    event: str | Unset = UNSET
    id: str | Unset = UNSET
    retry: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data: str
        if isinstance(self.data, str):
            data = self.data
        else:
            data = self.data

        event = self.event

        id = self.id

        retry = self.retry

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
            }
        )
        if event is not UNSET:
            field_dict["event"] = event
        if id is not UNSET:
            field_dict["id"] = id
        if retry is not UNSET:
            field_dict["retry"] = retry

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_data(data: object) -> InteractionSSEFrameDataType0 | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                data_type_0 = check_interaction_sse_frame_data_type_0(data)

                return data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InteractionSSEFrameDataType0 | str, data)

        data = _parse_data(d.pop("data"))

        event = d.pop("event", UNSET)

        id = d.pop("id", UNSET)

        retry = d.pop("retry", UNSET)

        interaction_sse_frame = cls(
            data=data,
            event=event,
            id=id,
            retry=retry,
        )

        interaction_sse_frame.additional_properties = d
        return interaction_sse_frame

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
