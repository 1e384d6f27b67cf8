from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.allowed_tools import AllowedTools
    from ..models.mcp_server_headers import MCPServerHeaders


T = TypeVar("T", bound="MCPServer")


@_attrs_define
class MCPServer:
    """A remote MCP server whose tools the model may call (server-side)."""

    type_: Literal["mcp_server"]
    name: str | Unset = UNSET
    url: str | Unset = UNSET
    headers: MCPServerHeaders | Unset = UNSET
    allowed_tools: list[AllowedTools] | Unset = UNSET
    defer_loading: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        name = self.name

        url = self.url

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        allowed_tools: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.allowed_tools, Unset):
            allowed_tools = []
            for allowed_tools_item_data in self.allowed_tools:
                allowed_tools_item = allowed_tools_item_data.to_dict()
                allowed_tools.append(allowed_tools_item)

        defer_loading = self.defer_loading

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if url is not UNSET:
            field_dict["url"] = url
        if headers is not UNSET:
            field_dict["headers"] = headers
        if allowed_tools is not UNSET:
            field_dict["allowed_tools"] = allowed_tools
        if defer_loading is not UNSET:
            field_dict["defer_loading"] = defer_loading

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.allowed_tools import AllowedTools  # noqa: PLC0415
        from ..models.mcp_server_headers import MCPServerHeaders  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["mcp_server"], d.pop("type"))
        if type_ != "mcp_server":
            raise ValueError(f"type must match const 'mcp_server', got '{type_}'")

        name = d.pop("name", UNSET)

        url = d.pop("url", UNSET)

        _headers = d.pop("headers", UNSET)
        headers: MCPServerHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = MCPServerHeaders.from_dict(_headers)

        _allowed_tools = d.pop("allowed_tools", UNSET)
        allowed_tools: list[AllowedTools] | Unset = UNSET
        if _allowed_tools is not UNSET:
            allowed_tools = []
            for allowed_tools_item_data in _allowed_tools:
                allowed_tools_item = AllowedTools.from_dict(allowed_tools_item_data)

                allowed_tools.append(allowed_tools_item)

        defer_loading = d.pop("defer_loading", UNSET)

        mcp_server = cls(
            type_=type_,
            name=name,
            url=url,
            headers=headers,
            allowed_tools=allowed_tools,
            defer_loading=defer_loading,
        )

        mcp_server.additional_properties = d
        return mcp_server

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
