from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.google_search_type import GoogleSearchType, check_google_search_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.google_search_call_arguments import GoogleSearchCallArguments


T = TypeVar("T", bound="GoogleSearchCallStep")


@_attrs_define
class GoogleSearchCallStep:
    type_: Literal["google_search_call"]
    id: str
    arguments: GoogleSearchCallArguments
    search_type: GoogleSearchType | Unset = UNSET
    signature: str | Unset = UNSET
    """ Base64-encoded bytes. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        id = self.id

        arguments = self.arguments.to_dict()

        search_type: str | Unset = UNSET
        if not isinstance(self.search_type, Unset):
            search_type = self.search_type

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
        if search_type is not UNSET:
            field_dict["search_type"] = search_type
        if signature is not UNSET:
            field_dict["signature"] = signature

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.google_search_call_arguments import GoogleSearchCallArguments  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["google_search_call"], d.pop("type"))
        if type_ != "google_search_call":
            raise ValueError(f"type must match const 'google_search_call', got '{type_}'")

        id = d.pop("id")

        arguments = GoogleSearchCallArguments.from_dict(d.pop("arguments"))

        _search_type = d.pop("search_type", UNSET)
        search_type: GoogleSearchType | Unset
        if isinstance(_search_type, Unset):
            search_type = UNSET
        else:
            search_type = check_google_search_type(_search_type)

        signature = d.pop("signature", UNSET)

        google_search_call_step = cls(
            type_=type_,
            id=id,
            arguments=arguments,
            search_type=search_type,
            signature=signature,
        )

        google_search_call_step.additional_properties = d
        return google_search_call_step

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
