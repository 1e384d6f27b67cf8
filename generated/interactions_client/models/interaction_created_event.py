from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.interaction_sse_event_interaction import InteractionSSEEventInteraction


T = TypeVar("T", bound="InteractionCreatedEvent")


@_attrs_define
class InteractionCreatedEvent:
    """First event of every stream."""

    event_type: Literal["interaction.created"]
    interaction: InteractionSSEEventInteraction
    """ The (partial) interaction carried by `interaction.created` / `interaction.completed`. """
    event_id: str | Unset = UNSET
    """ Resume token for `GET ...?stream=true&last_event_id=`. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        event_type = self.event_type

        interaction = self.interaction.to_dict()

        event_id = self.event_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "event_type": event_type,
                "interaction": interaction,
            }
        )
        if event_id is not UNSET:
            field_dict["event_id"] = event_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.interaction_sse_event_interaction import InteractionSSEEventInteraction  # noqa: PLC0415

        d = dict(src_dict)
        event_type = cast(Literal["interaction.created"], d.pop("event_type"))
        if event_type != "interaction.created":
            raise ValueError(f"event_type must match const 'interaction.created', got '{event_type}'")

        interaction = InteractionSSEEventInteraction.from_dict(d.pop("interaction"))

        event_id = d.pop("event_id", UNSET)

        interaction_created_event = cls(
            event_type=event_type,
            interaction=interaction,
            event_id=event_id,
        )

        interaction_created_event.additional_properties = d
        return interaction_created_event

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
