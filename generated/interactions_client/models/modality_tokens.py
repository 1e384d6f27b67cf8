from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.modality import Modality, check_modality
from ..types import UNSET, Unset

T = TypeVar("T", bound="ModalityTokens")


@_attrs_define
class ModalityTokens:
    modality: Modality | Unset = UNSET
    tokens: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        modality: str | Unset = UNSET
        if not isinstance(self.modality, Unset):
            modality = self.modality

        tokens = self.tokens

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if modality is not UNSET:
            field_dict["modality"] = modality
        if tokens is not UNSET:
            field_dict["tokens"] = tokens

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _modality = d.pop("modality", UNSET)
        modality: Modality | Unset
        if isinstance(_modality, Unset):
            modality = UNSET
        else:
            modality = check_modality(_modality)

        tokens = d.pop("tokens", UNSET)

        modality_tokens = cls(
            modality=modality,
            tokens=tokens,
        )

        modality_tokens.additional_properties = d
        return modality_tokens

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
