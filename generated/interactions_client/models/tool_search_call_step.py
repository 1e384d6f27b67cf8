from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tool_search_call_arguments import ToolSearchCallArguments


T = TypeVar("T", bound="ToolSearchCallStep")


@_attrs_define
class ToolSearchCallStep:
    type_: Literal["tool_search_call"]
    id: str
    arguments: ToolSearchCallArguments
    signature: str | Unset = UNSET
    """ Base64-encoded bytes. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        id = self.id

        arguments = self.arguments.to_dict()

        signature = self.signature

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "id": id,
                "arguments": arguments,
            }
        )
        if signature is not UNSET:
            field_dict["signature"] = signature

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_search_call_arguments import ToolSearchCallArguments  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["tool_search_call"], d.pop("type"))
        if type_ != "tool_search_call":
            raise ValueError(f"type must match const 'tool_search_call', got '{type_}'")

        id = d.pop("id")

        arguments = ToolSearchCallArguments.from_dict(d.pop("arguments"))

        signature = d.pop("signature", UNSET)

        tool_search_call_step = cls(
            type_=type_,
            id=id,
            arguments=arguments,
            signature=signature,
        )

        tool_search_call_step.additional_properties = d
        return tool_search_call_step

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
