from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.rag_resource import RagResource
    from ..models.rag_retrieval_config import RagRetrievalConfig


T = TypeVar("T", bound="RagStoreConfig")


@_attrs_define
class RagStoreConfig:
    rag_resources: list[RagResource] | Unset = UNSET
    rag_retrieval_config: RagRetrievalConfig | Unset = UNSET
    similarity_top_k: int | Unset = UNSET
    vector_distance_threshold: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        rag_resources: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.rag_resources, Unset):
            rag_resources = []
            for rag_resources_item_data in self.rag_resources:
                rag_resources_item = rag_resources_item_data.to_dict()
                rag_resources.append(rag_resources_item)

        rag_retrieval_config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.rag_retrieval_config, Unset):
            rag_retrieval_config = self.rag_retrieval_config.to_dict()

        similarity_top_k = self.similarity_top_k

        vector_distance_threshold = self.vector_distance_threshold

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if rag_resources is not UNSET:
            field_dict["rag_resources"] = rag_resources
        if rag_retrieval_config is not UNSET:
            field_dict["rag_retrieval_config"] = rag_retrieval_config
        if similarity_top_k is not UNSET:
            field_dict["similarity_top_k"] = similarity_top_k
        if vector_distance_threshold is not UNSET:
            field_dict["vector_distance_threshold"] = vector_distance_threshold

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.rag_resource import RagResource  # noqa: PLC0415
        from ..models.rag_retrieval_config import RagRetrievalConfig  # noqa: PLC0415

        d = dict(src_dict)
        _rag_resources = d.pop("rag_resources", UNSET)
        rag_resources: list[RagResource] | Unset = UNSET
        if _rag_resources is not UNSET:
            rag_resources = []
            for rag_resources_item_data in _rag_resources:
                rag_resources_item = RagResource.from_dict(rag_resources_item_data)

                rag_resources.append(rag_resources_item)

        _rag_retrieval_config = d.pop("rag_retrieval_config", UNSET)
        rag_retrieval_config: RagRetrievalConfig | Unset
        if isinstance(_rag_retrieval_config, Unset):
            rag_retrieval_config = UNSET
        else:
            rag_retrieval_config = RagRetrievalConfig.from_dict(_rag_retrieval_config)

        similarity_top_k = d.pop("similarity_top_k", UNSET)

        vector_distance_threshold = d.pop("vector_distance_threshold", UNSET)

        rag_store_config = cls(
            rag_resources=rag_resources,
            rag_retrieval_config=rag_retrieval_config,
            similarity_top_k=similarity_top_k,
            vector_distance_threshold=vector_distance_threshold,
        )

        rag_store_config.additional_properties = d
        return rag_store_config

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
