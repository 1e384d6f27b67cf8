from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.computer_use_environment import ComputerUseEnvironment, check_computer_use_environment
from ..models.disabled_safety_policy import DisabledSafetyPolicy, check_disabled_safety_policy
from ..types import UNSET, Unset

T = TypeVar("T", bound="ComputerUse")


@_attrs_define
class ComputerUse:
    type_: Literal["computer_use"]
    environment: ComputerUseEnvironment | Unset = UNSET
    excluded_predefined_functions: list[str] | Unset = UNSET
    disabled_safety_policies: list[DisabledSafetyPolicy] | Unset = UNSET
    enable_prompt_injection_detection: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        environment: str | Unset = UNSET
        if not isinstance(self.environment, Unset):
            environment = self.environment

        excluded_predefined_functions: list[str] | Unset = UNSET
        if not isinstance(self.excluded_predefined_functions, Unset):
            excluded_predefined_functions = self.excluded_predefined_functions

        disabled_safety_policies: list[str] | Unset = UNSET
        if not isinstance(self.disabled_safety_policies, Unset):
            disabled_safety_policies = []
            for disabled_safety_policies_item_data in self.disabled_safety_policies:
                disabled_safety_policies_item: str = disabled_safety_policies_item_data
                disabled_safety_policies.append(disabled_safety_policies_item)

        enable_prompt_injection_detection = self.enable_prompt_injection_detection

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if environment is not UNSET:
            field_dict["environment"] = environment
        if excluded_predefined_functions is not UNSET:
            field_dict["excluded_predefined_functions"] = excluded_predefined_functions
        if disabled_safety_policies is not UNSET:
            field_dict["disabled_safety_policies"] = disabled_safety_policies
        if enable_prompt_injection_detection is not UNSET:
            field_dict["enable_prompt_injection_detection"] = enable_prompt_injection_detection

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = cast(Literal["computer_use"], d.pop("type"))
        if type_ != "computer_use":
            raise ValueError(f"type must match const 'computer_use', got '{type_}'")

        _environment = d.pop("environment", UNSET)
        environment: ComputerUseEnvironment | Unset
        if isinstance(_environment, Unset):
            environment = UNSET
        else:
            environment = check_computer_use_environment(_environment)

        excluded_predefined_functions = cast(list[str], d.pop("excluded_predefined_functions", UNSET))

        _disabled_safety_policies = d.pop("disabled_safety_policies", UNSET)
        disabled_safety_policies: list[DisabledSafetyPolicy] | Unset = UNSET
        if _disabled_safety_policies is not UNSET:
            disabled_safety_policies = []
            for disabled_safety_policies_item_data in _disabled_safety_policies:
                disabled_safety_policies_item = check_disabled_safety_policy(
                    disabled_safety_policies_item_data
                )

                disabled_safety_policies.append(disabled_safety_policies_item)

        enable_prompt_injection_detection = d.pop("enable_prompt_injection_detection", UNSET)

        computer_use = cls(
            type_=type_,
            environment=environment,
            excluded_predefined_functions=excluded_predefined_functions,
            disabled_safety_policies=disabled_safety_policies,
            enable_prompt_injection_detection=enable_prompt_injection_detection,
        )

        computer_use.additional_properties = d
        return computer_use

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
