from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.review_snippet import ReviewSnippet


T = TypeVar("T", bound="PlaceCitation")


@_attrs_define
class PlaceCitation:
    type_: Literal["place_citation"]
    place_id: str | Unset = UNSET
    name: str | Unset = UNSET
    url: str | Unset = UNSET
    review_snippets: list[ReviewSnippet] | Unset = UNSET
    start_index: int | Unset = UNSET
    end_index: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        place_id = self.place_id

        name = self.name

        url = self.url

        review_snippets: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.review_snippets, Unset):
            review_snippets = []
            for review_snippets_item_data in self.review_snippets:
                review_snippets_item = review_snippets_item_data.to_dict()
                review_snippets.append(review_snippets_item)

        start_index = self.start_index

        end_index = self.end_index

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if place_id is not UNSET:
            field_dict["place_id"] = place_id
        if name is not UNSET:
            field_dict["name"] = name
        if url is not UNSET:
            field_dict["url"] = url
        if review_snippets is not UNSET:
            field_dict["review_snippets"] = review_snippets
        if start_index is not UNSET:
            field_dict["start_index"] = start_index
        if end_index is not UNSET:
            field_dict["end_index"] = end_index

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.review_snippet import ReviewSnippet  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["place_citation"], d.pop("type"))
        if type_ != "place_citation":
            raise ValueError(f"type must match const 'place_citation', got '{type_}'")

        place_id = d.pop("place_id", UNSET)

        name = d.pop("name", UNSET)

        url = d.pop("url", UNSET)

        _review_snippets = d.pop("review_snippets", UNSET)
        review_snippets: list[ReviewSnippet] | Unset = UNSET
        if _review_snippets is not UNSET:
            review_snippets = []
            for review_snippets_item_data in _review_snippets:
                review_snippets_item = ReviewSnippet.from_dict(review_snippets_item_data)

                review_snippets.append(review_snippets_item)

        start_index = d.pop("start_index", UNSET)

        end_index = d.pop("end_index", UNSET)

        place_citation = cls(
            type_=type_,
            place_id=place_id,
            name=name,
            url=url,
            review_snippets=review_snippets,
            start_index=start_index,
            end_index=end_index,
        )

        place_citation.additional_properties = d
        return place_citation

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
