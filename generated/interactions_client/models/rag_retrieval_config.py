from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.rag_retrieval_config_filter import RagRetrievalConfigFilter
    from ..models.rag_retrieval_config_hybrid_search import RagRetrievalConfigHybridSearch
    from ..models.rag_retrieval_config_ranking import RagRetrievalConfigRanking


T = TypeVar("T", bound="RagRetrievalConfig")


@_attrs_define
class RagRetrievalConfig:
    top_k: int | Unset = UNSET
    filter_: RagRetrievalConfigFilter | Unset = UNSET
    ranking: RagRetrievalConfigRanking | Unset = UNSET
    hybrid_search: RagRetrievalConfigHybridSearch | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        top_k = self.top_k

        filter_: dict[str, Any] | Unset = UNSET
        if not isinstance(self.filter_, Unset):
            filter_ = self.filter_.to_dict()

        ranking: dict[str, Any] | Unset = UNSET
        if not isinstance(self.ranking, Unset):
            ranking = self.ranking.to_dict()

        hybrid_search: dict[str, Any] | Unset = UNSET
        if not isinstance(self.hybrid_search, Unset):
            hybrid_search = self.hybrid_search.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if top_k is not UNSET:
            field_dict["top_k"] = top_k
        if filter_ is not UNSET:
            field_dict["filter"] = filter_
        if ranking is not UNSET:
            field_dict["ranking"] = ranking
        if hybrid_search is not UNSET:
            field_dict["hybrid_search"] = hybrid_search

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.rag_retrieval_config_filter import RagRetrievalConfigFilter  # noqa: PLC0415
        from ..models.rag_retrieval_config_hybrid_search import RagRetrievalConfigHybridSearch  # noqa: PLC0415
        from ..models.rag_retrieval_config_ranking import RagRetrievalConfigRanking  # noqa: PLC0415

        d = dict(src_dict)
        top_k = d.pop("top_k", UNSET)

        _filter_ = d.pop("filter", UNSET)
        filter_: RagRetrievalConfigFilter | Unset
        if isinstance(_filter_, Unset):
            filter_ = UNSET
        else:
            filter_ = RagRetrievalConfigFilter.from_dict(_filter_)

        _ranking = d.pop("ranking", UNSET)
        ranking: RagRetrievalConfigRanking | Unset
        if isinstance(_ranking, Unset):
            ranking = UNSET
        else:
            ranking = RagRetrievalConfigRanking.from_dict(_ranking)

        _hybrid_search = d.pop("hybrid_search", UNSET)
        hybrid_search: RagRetrievalConfigHybridSearch | Unset
        if isinstance(_hybrid_search, Unset):
            hybrid_search = UNSET
        else:
            hybrid_search = RagRetrievalConfigHybridSearch.from_dict(_hybrid_search)

        rag_retrieval_config = cls(
            top_k=top_k,
            filter_=filter_,
            ranking=ranking,
            hybrid_search=hybrid_search,
        )

        rag_retrieval_config.additional_properties = d
        return rag_retrieval_config

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
