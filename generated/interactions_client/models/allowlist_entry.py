from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.allowlist_entry_transform_type_0 import AllowlistEntryTransformType0
    from ..models.allowlist_entry_transform_type_1_item import AllowlistEntryTransformType1Item


T = TypeVar("T", bound="AllowlistEntry")


@_attrs_define
class AllowlistEntry:
    domain: str
    credential: str | Unset = UNSET
    transform: AllowlistEntryTransformType0 | list[AllowlistEntryTransformType1Item] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.allowlist_entry_transform_type_0 import AllowlistEntryTransformType0  # noqa: PLC0415

        domain = self.domain

        credential = self.credential

        transform: dict[str, Any] | list[dict[str, Any]] | Unset
        if isinstance(self.transform, Unset):
            transform = UNSET
        elif isinstance(self.transform, AllowlistEntryTransformType0):
            transform = self.transform.to_dict()
        else:
            transform = []
            for transform_type_1_item_data in self.transform:
                transform_type_1_item = transform_type_1_item_data.to_dict()
                transform.append(transform_type_1_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "domain": domain,
            }
        )
        if credential is not UNSET:
            field_dict["credential"] = credential
        if transform is not UNSET:
            field_dict["transform"] = transform

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.allowlist_entry_transform_type_0 import AllowlistEntryTransformType0  # noqa: PLC0415
        from ..models.allowlist_entry_transform_type_1_item import AllowlistEntryTransformType1Item  # noqa: PLC0415

        d = dict(src_dict)
        domain = d.pop("domain")

        credential = d.pop("credential", UNSET)

        def _parse_transform(
            data: object,
        ) -> AllowlistEntryTransformType0 | list[AllowlistEntryTransformType1Item] | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                transform_type_0 = AllowlistEntryTransformType0.from_dict(data)

                return transform_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, list):
                raise TypeError()
            transform_type_1 = []
            _transform_type_1 = data
            for transform_type_1_item_data in _transform_type_1:
                transform_type_1_item = AllowlistEntryTransformType1Item.from_dict(transform_type_1_item_data)

                transform_type_1.append(transform_type_1_item)

            return transform_type_1

        transform = _parse_transform(d.pop("transform", UNSET))

        allowlist_entry = cls(
            domain=domain,
            credential=credential,
            transform=transform,
        )

        allowlist_entry.additional_properties = d
        return allowlist_entry

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
