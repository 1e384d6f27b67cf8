from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.mcp_server_tool_call_delta_arguments import MCPServerToolCallDeltaArguments


T = TypeVar("T", bound="MCPServerToolCallDelta")


@_attrs_define
class MCPServerToolCallDelta:
    type_: Literal["mcp_server_tool_call"]
    name: str
    server_name: str
    arguments: MCPServerToolCallDeltaArguments
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        name = self.name

        server_name = self.server_name

        arguments = self.arguments.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "name": name,
                "server_name": server_name,
                "arguments": arguments,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.mcp_server_tool_call_delta_arguments import MCPServerToolCallDeltaArguments  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["mcp_server_tool_call"], d.pop("type"))
        if type_ != "mcp_server_tool_call":
            raise ValueError(f"type must match const 'mcp_server_tool_call', got '{type_}'")

        name = d.pop("name")

        server_name = d.pop("server_name")

        arguments = MCPServerToolCallDeltaArguments.from_dict(d.pop("arguments"))

        mcp_server_tool_call_delta = cls(
            type_=type_,
            name=name,
            server_name=server_name,
            arguments=arguments,
        )

        mcp_server_tool_call_delta.additional_properties = d
        return mcp_server_tool_call_delta

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
