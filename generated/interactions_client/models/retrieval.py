from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.retrieval_type import RetrievalType, check_retrieval_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.external_search_config import ExternalSearchConfig
    from ..models.rag_store_config import RagStoreConfig
    from ..models.vertex_ai_search_config import VertexAISearchConfig


T = TypeVar("T", bound="Retrieval")


@_attrs_define
class Retrieval:
    type_: Literal["retrieval"]
    retrieval_types: list[RetrievalType] | Unset = UNSET
    vertex_ai_search_config: VertexAISearchConfig | Unset = UNSET
    rag_store_config: RagStoreConfig | Unset = UNSET
    exa_ai_search_config: ExternalSearchConfig | Unset = UNSET
    """ Exa / Parallel AI search configuration. """
    parallel_ai_search_config: ExternalSearchConfig | Unset = UNSET
    """ Exa / Parallel AI search configuration. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        retrieval_types: list[str] | Unset = UNSET
        if not isinstance(self.retrieval_types, Unset):
            retrieval_types = []
            for retrieval_types_item_data in self.retrieval_types:
                retrieval_types_item: str = retrieval_types_item_data
                retrieval_types.append(retrieval_types_item)

        vertex_ai_search_config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.vertex_ai_search_config, Unset):
            vertex_ai_search_config = self.vertex_ai_search_config.to_dict()

        rag_store_config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.rag_store_config, Unset):
            rag_store_config = self.rag_store_config.to_dict()

        exa_ai_search_config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.exa_ai_search_config, Unset):
            exa_ai_search_config = self.exa_ai_search_config.to_dict()

        parallel_ai_search_config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.parallel_ai_search_config, Unset):
            parallel_ai_search_config = self.parallel_ai_search_config.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if retrieval_types is not UNSET:
            field_dict["retrieval_types"] = retrieval_types
        if vertex_ai_search_config is not UNSET:
            field_dict["vertex_ai_search_config"] = vertex_ai_search_config
        if rag_store_config is not UNSET:
            field_dict["rag_store_config"] = rag_store_config
        if exa_ai_search_config is not UNSET:
            field_dict["exa_ai_search_config"] = exa_ai_search_config
        if parallel_ai_search_config is not UNSET:
            field_dict["parallel_ai_search_config"] = parallel_ai_search_config

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.external_search_config import ExternalSearchConfig  # noqa: PLC0415
        from ..models.rag_store_config import RagStoreConfig  # noqa: PLC0415
        from ..models.vertex_ai_search_config import VertexAISearchConfig  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["retrieval"], d.pop("type"))
        if type_ != "retrieval":
            raise ValueError(f"type must match const 'retrieval', got '{type_}'")

        _retrieval_types = d.pop("retrieval_types", UNSET)
        retrieval_types: list[RetrievalType] | Unset = UNSET
        if _retrieval_types is not UNSET:
            retrieval_types = []
            for retrieval_types_item_data in _retrieval_types:
                retrieval_types_item = check_retrieval_type(retrieval_types_item_data)

                retrieval_types.append(retrieval_types_item)

        _vertex_ai_search_config = d.pop("vertex_ai_search_config", UNSET)
        vertex_ai_search_config: VertexAISearchConfig | Unset
        if isinstance(_vertex_ai_search_config, Unset):
            vertex_ai_search_config = UNSET
        else:
            vertex_ai_search_config = VertexAISearchConfig.from_dict(_vertex_ai_search_config)

        _rag_store_config = d.pop("rag_store_config", UNSET)
        rag_store_config: RagStoreConfig | Unset
        if isinstance(_rag_store_config, Unset):
            rag_store_config = UNSET
        else:
            rag_store_config = RagStoreConfig.from_dict(_rag_store_config)

        _exa_ai_search_config = d.pop("exa_ai_search_config", UNSET)
        exa_ai_search_config: ExternalSearchConfig | Unset
        if isinstance(_exa_ai_search_config, Unset):
            exa_ai_search_config = UNSET
        else:
            exa_ai_search_config = ExternalSearchConfig.from_dict(_exa_ai_search_config)

        _parallel_ai_search_config = d.pop("parallel_ai_search_config", UNSET)
        parallel_ai_search_config: ExternalSearchConfig | Unset
        if isinstance(_parallel_ai_search_config, Unset):
            parallel_ai_search_config = UNSET
        else:
            parallel_ai_search_config = ExternalSearchConfig.from_dict(_parallel_ai_search_config)

        retrieval = cls(
            type_=type_,
            retrieval_types=retrieval_types,
            vertex_ai_search_config=vertex_ai_search_config,
            rag_store_config=rag_store_config,
            exa_ai_search_config=exa_ai_search_config,
            parallel_ai_search_config=parallel_ai_search_config,
        )

        retrieval.additional_properties = d
        return retrieval

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
