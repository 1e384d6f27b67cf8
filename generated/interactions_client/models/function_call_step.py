from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.function_call_step_arguments import FunctionCallStepArguments


T = TypeVar("T", bound="FunctionCallStep")


@_attrs_define
class FunctionCallStep:
    """A call of a client-side function; answer it with a `function_result` step."""

    type_: Literal["function_call"]
    id: str
    """ Pairs the call with its result (`call_id`). """
    name: str
    arguments: FunctionCallStepArguments
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        id = self.id

        name = self.name

        arguments = self.arguments.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "id": id,
                "name": name,
                "arguments": arguments,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.function_call_step_arguments import FunctionCallStepArguments  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["function_call"], d.pop("type"))
        if type_ != "function_call":
            raise ValueError(f"type must match const 'function_call', got '{type_}'")

        id = d.pop("id")

        name = d.pop("name")

        arguments = FunctionCallStepArguments.from_dict(d.pop("arguments"))

        function_call_step = cls(
            type_=type_,
            id=id,
            name=name,
            arguments=arguments,
        )

        function_call_step.additional_properties = d
        return function_call_step

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
