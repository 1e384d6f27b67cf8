from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RagRetrievalConfigFilter")


@_attrs_define
class RagRetrievalConfigFilter:
    metadata_filter: str | Unset = UNSET
    vector_distance_threshold: float | Unset = UNSET
    vector_similarity_threshold: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        metadata_filter = self.metadata_filter

        vector_distance_threshold = self.vector_distance_threshold

        vector_similarity_threshold = self.vector_similarity_threshold

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if metadata_filter is not UNSET:
            field_dict["metadata_filter"] = metadata_filter
        if vector_distance_threshold is not UNSET:
            field_dict["vector_distance_threshold"] = vector_distance_threshold
        if vector_similarity_threshold is not UNSET:
            field_dict["vector_similarity_threshold"] = vector_similarity_threshold

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        metadata_filter = d.pop("metadata_filter", UNSET)

        vector_distance_threshold = d.pop("vector_distance_threshold", UNSET)

        vector_similarity_threshold = d.pop("vector_similarity_threshold", UNSET)

        rag_retrieval_config_filter = cls(
            metadata_filter=metadata_filter,
            vector_distance_threshold=vector_distance_threshold,
            vector_similarity_threshold=vector_similarity_threshold,
        )

        rag_retrieval_config_filter.additional_properties = d
        return rag_retrieval_config_filter

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
