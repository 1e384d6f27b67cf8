from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.rag_retrieval_config_ranking_rank_service import RagRetrievalConfigRankingRankService


T = TypeVar("T", bound="RagRetrievalConfigRanking")


@_attrs_define
class RagRetrievalConfigRanking:
    ranking_config: str | Unset = UNSET
    model_name: str | Unset = UNSET
    rank_service: RagRetrievalConfigRankingRankService | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ranking_config = self.ranking_config

        model_name = self.model_name

        rank_service: dict[str, Any] | Unset = UNSET
        if not isinstance(self.rank_service, Unset):
            rank_service = self.rank_service.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if ranking_config is not UNSET:
            field_dict["ranking_config"] = ranking_config
        if model_name is not UNSET:
            field_dict["model_name"] = model_name
        if rank_service is not UNSET:
            field_dict["rank_service"] = rank_service

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.rag_retrieval_config_ranking_rank_service import RagRetrievalConfigRankingRankService  # noqa: PLC0415

        d = dict(src_dict)
        ranking_config = d.pop("ranking_config", UNSET)

        model_name = d.pop("model_name", UNSET)

        _rank_service = d.pop("rank_service", UNSET)
        rank_service: RagRetrievalConfigRankingRankService | Unset
        if isinstance(_rank_service, Unset):
            rank_service = UNSET
        else:
            rank_service = RagRetrievalConfigRankingRankService.from_dict(_rank_service)

        rag_retrieval_config_ranking = cls(
            ranking_config=ranking_config,
            model_name=model_name,
            rank_service=rank_service,
        )

        rag_retrieval_config_ranking.additional_properties = d
        return rag_retrieval_config_ranking

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
