from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.egress_allowlist_allowlist_type_1 import (
    EgressAllowlistAllowlistType1,
    check_egress_allowlist_allowlist_type_1,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.allowlist_entry import AllowlistEntry


T = TypeVar("T", bound="EgressAllowlist")


@_attrs_define
class EgressAllowlist:
    allowlist: EgressAllowlistAllowlistType1 | list[AllowlistEntry] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        allowlist: list[dict[str, Any]] | str | Unset
        if isinstance(self.allowlist, Unset):
            allowlist = UNSET
        elif isinstance(self.allowlist, list):
            allowlist = []
            for allowlist_type_0_item_data in self.allowlist:
                allowlist_type_0_item = allowlist_type_0_item_data.to_dict()
                allowlist.append(allowlist_type_0_item)

        else:
            allowlist = self.allowlist

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if allowlist is not UNSET:
            field_dict["allowlist"] = allowlist

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.allowlist_entry import AllowlistEntry  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_allowlist(data: object) -> EgressAllowlistAllowlistType1 | list[AllowlistEntry] | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                allowlist_type_0 = []
                _allowlist_type_0 = data
                for allowlist_type_0_item_data in _allowlist_type_0:
                    allowlist_type_0_item = AllowlistEntry.from_dict(allowlist_type_0_item_data)

                    allowlist_type_0.append(allowlist_type_0_item)

                return allowlist_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, str):
                raise TypeError()
            allowlist_type_1 = check_egress_allowlist_allowlist_type_1(data)

            return allowlist_type_1

        allowlist = _parse_allowlist(d.pop("allowlist", UNSET))

        egress_allowlist = cls(
            allowlist=allowlist,
        )

        egress_allowlist.additional_properties = d
        return egress_allowlist

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
