from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.external_search_config_custom_config import ExternalSearchConfigCustomConfig


T = TypeVar("T", bound="ExternalSearchConfig")


@_attrs_define
class ExternalSearchConfig:
    """Exa / Parallel AI search configuration."""

    api_key: str | Unset = UNSET
    custom_config: ExternalSearchConfigCustomConfig | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        api_key = self.api_key

        custom_config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.custom_config, Unset):
            custom_config = self.custom_config.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if api_key is not UNSET:
            field_dict["api_key"] = api_key
        if custom_config is not UNSET:
            field_dict["custom_config"] = custom_config

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.external_search_config_custom_config import ExternalSearchConfigCustomConfig  # noqa: PLC0415

        d = dict(src_dict)
        api_key = d.pop("api_key", UNSET)

        _custom_config = d.pop("custom_config", UNSET)
        custom_config: ExternalSearchConfigCustomConfig | Unset
        if isinstance(_custom_config, Unset):
            custom_config = UNSET
        else:
            custom_config = ExternalSearchConfigCustomConfig.from_dict(_custom_config)

        external_search_config = cls(
            api_key=api_key,
            custom_config=custom_config,
        )

        external_search_config.additional_properties = d
        return external_search_config

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
