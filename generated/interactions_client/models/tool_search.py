from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.tool_search_execution import ToolSearchExecution, check_tool_search_execution
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tool_search_parameters import ToolSearchParameters


T = TypeVar("T", bound="ToolSearch")


@_attrs_define
class ToolSearch:
    type_: Literal["tool_search"]
    name: str | Unset = UNSET
    description: str | Unset = UNSET
    parameters: ToolSearchParameters | Unset = UNSET
    execution: ToolSearchExecution | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        name = self.name

        description = self.description

        parameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.parameters, Unset):
            parameters = self.parameters.to_dict()

        execution: str | Unset = UNSET
        if not isinstance(self.execution, Unset):
            execution = self.execution

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if description is not UNSET:
            field_dict["description"] = description
        if parameters is not UNSET:
            field_dict["parameters"] = parameters
        if execution is not UNSET:
            field_dict["execution"] = execution

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_search_parameters import ToolSearchParameters  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["tool_search"], d.pop("type"))
        if type_ != "tool_search":
            raise ValueError(f"type must match const 'tool_search', got '{type_}'")

        name = d.pop("name", UNSET)

        description = d.pop("description", UNSET)

        _parameters = d.pop("parameters", UNSET)
        parameters: ToolSearchParameters | Unset
        if isinstance(_parameters, Unset):
            parameters = UNSET
        else:
            parameters = ToolSearchParameters.from_dict(_parameters)

        _execution = d.pop("execution", UNSET)
        execution: ToolSearchExecution | Unset
        if isinstance(_execution, Unset):
            execution = UNSET
        else:
            execution = check_tool_search_execution(_execution)

        tool_search = cls(
            type_=type_,
            name=name,
            description=description,
            parameters=parameters,
            execution=execution,
        )

        tool_search.additional_properties = d
        return tool_search

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
