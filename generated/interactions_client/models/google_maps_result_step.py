from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.google_maps_result import GoogleMapsResult


T = TypeVar("T", bound="GoogleMapsResultStep")


@_attrs_define
class GoogleMapsResultStep:
    type_: Literal["google_maps_result"]
    call_id: str
    result: list[GoogleMapsResult]
    signature: str | Unset = UNSET
    """ Base64-encoded bytes. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        call_id = self.call_id

        result = []
        for result_item_data in self.result:
            result_item = result_item_data.to_dict()
            result.append(result_item)

        signature = self.signature

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "call_id": call_id,
                "result": result,
            }
        )
        if signature is not UNSET:
            field_dict["signature"] = signature

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.google_maps_result import GoogleMapsResult  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["google_maps_result"], d.pop("type"))
        if type_ != "google_maps_result":
            raise ValueError(f"type must match const 'google_maps_result', got '{type_}'")

        call_id = d.pop("call_id")

        result = []
        _result = d.pop("result")
        for result_item_data in _result:
            result_item = GoogleMapsResult.from_dict(result_item_data)

            result.append(result_item)

        signature = d.pop("signature", UNSET)

        google_maps_result_step = cls(
            type_=type_,
            call_id=call_id,
            result=result,
            signature=signature,
        )

        google_maps_result_step.additional_properties = d
        return google_maps_result_step

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
