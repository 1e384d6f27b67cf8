from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.code_language import CodeLanguage, check_code_language
from ..types import UNSET, Unset

T = TypeVar("T", bound="CodeExecutionCallArguments")


@_attrs_define
class CodeExecutionCallArguments:
    code: str | Unset = UNSET
    language: CodeLanguage | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        language: str | Unset = UNSET
        if not isinstance(self.language, Unset):
            language = self.language

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if code is not UNSET:
            field_dict["code"] = code
        if language is not UNSET:
            field_dict["language"] = language

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code", UNSET)

        _language = d.pop("language", UNSET)
        language: CodeLanguage | Unset
        if isinstance(_language, Unset):
            language = UNSET
        else:
            language = check_code_language(_language)

        code_execution_call_arguments = cls(
            code=code,
            language=language,
        )

        code_execution_call_arguments.additional_properties = d
        return code_execution_call_arguments

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
