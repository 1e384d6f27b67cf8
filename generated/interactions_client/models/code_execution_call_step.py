from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.code_execution_call_arguments import CodeExecutionCallArguments


T = TypeVar("T", bound="CodeExecutionCallStep")


@_attrs_define
class CodeExecutionCallStep:
    type_: Literal["code_execution_call"]
    id: str
    arguments: CodeExecutionCallArguments
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
        from ..models.code_execution_call_arguments import CodeExecutionCallArguments  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["code_execution_call"], d.pop("type"))
        if type_ != "code_execution_call":
            raise ValueError(f"type must match const 'code_execution_call', got '{type_}'")

        id = d.pop("id")

        arguments = CodeExecutionCallArguments.from_dict(d.pop("arguments"))

        signature = d.pop("signature", UNSET)

        code_execution_call_step = cls(
            type_=type_,
            id=id,
            arguments=arguments,
            signature=signature,
        )

        code_execution_call_step.additional_properties = d
        return code_execution_call_step

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
