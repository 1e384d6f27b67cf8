from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.grounding_tool_count import GroundingToolCount
    from ..models.modality_tokens import ModalityTokens


T = TypeVar("T", bound="Usage")


@_attrs_define
class Usage:
    """Token accounting. `total_tokens` = input + output + thought (+ tool use)."""

    total_input_tokens: int | Unset = UNSET
    total_output_tokens: int | Unset = UNSET
    total_thought_tokens: int | Unset = UNSET
    total_cached_tokens: int | Unset = UNSET
    """ Part of the input tokens. """
    total_tool_use_tokens: int | Unset = UNSET
    total_tokens: int | Unset = UNSET
    initial_input_tokens: int | Unset = UNSET
    input_tokens_by_modality: list[ModalityTokens] | Unset = UNSET
    output_tokens_by_modality: list[ModalityTokens] | Unset = UNSET
    cached_tokens_by_modality: list[ModalityTokens] | Unset = UNSET
    tool_use_tokens_by_modality: list[ModalityTokens] | Unset = UNSET
    grounding_tool_count: list[GroundingToolCount] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total_input_tokens = self.total_input_tokens

        total_output_tokens = self.total_output_tokens

        total_thought_tokens = self.total_thought_tokens

        total_cached_tokens = self.total_cached_tokens

        total_tool_use_tokens = self.total_tool_use_tokens

        total_tokens = self.total_tokens

        initial_input_tokens = self.initial_input_tokens

        input_tokens_by_modality: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.input_tokens_by_modality, Unset):
            input_tokens_by_modality = []
            for input_tokens_by_modality_item_data in self.input_tokens_by_modality:
                input_tokens_by_modality_item = input_tokens_by_modality_item_data.to_dict()
                input_tokens_by_modality.append(input_tokens_by_modality_item)

        output_tokens_by_modality: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.output_tokens_by_modality, Unset):
            output_tokens_by_modality = []
            for output_tokens_by_modality_item_data in self.output_tokens_by_modality:
                output_tokens_by_modality_item = output_tokens_by_modality_item_data.to_dict()
                output_tokens_by_modality.append(output_tokens_by_modality_item)

        cached_tokens_by_modality: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.cached_tokens_by_modality, Unset):
            cached_tokens_by_modality = []
            for cached_tokens_by_modality_item_data in self.cached_tokens_by_modality:
                cached_tokens_by_modality_item = cached_tokens_by_modality_item_data.to_dict()
                cached_tokens_by_modality.append(cached_tokens_by_modality_item)

        tool_use_tokens_by_modality: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.tool_use_tokens_by_modality, Unset):
            tool_use_tokens_by_modality = []
            for tool_use_tokens_by_modality_item_data in self.tool_use_tokens_by_modality:
                tool_use_tokens_by_modality_item = tool_use_tokens_by_modality_item_data.to_dict()
                tool_use_tokens_by_modality.append(tool_use_tokens_by_modality_item)

        grounding_tool_count: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.grounding_tool_count, Unset):
            grounding_tool_count = []
            for grounding_tool_count_item_data in self.grounding_tool_count:
                grounding_tool_count_item = grounding_tool_count_item_data.to_dict()
                grounding_tool_count.append(grounding_tool_count_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if total_input_tokens is not UNSET:
            field_dict["total_input_tokens"] = total_input_tokens
        if total_output_tokens is not UNSET:
            field_dict["total_output_tokens"] = total_output_tokens
        if total_thought_tokens is not UNSET:
            field_dict["total_thought_tokens"] = total_thought_tokens
        if total_cached_tokens is not UNSET:
            field_dict["total_cached_tokens"] = total_cached_tokens
        if total_tool_use_tokens is not UNSET:
            field_dict["total_tool_use_tokens"] = total_tool_use_tokens
        if total_tokens is not UNSET:
            field_dict["total_tokens"] = total_tokens
        if initial_input_tokens is not UNSET:
            field_dict["initial_input_tokens"] = initial_input_tokens
        if input_tokens_by_modality is not UNSET:
            field_dict["input_tokens_by_modality"] = input_tokens_by_modality
        if output_tokens_by_modality is not UNSET:
            field_dict["output_tokens_by_modality"] = output_tokens_by_modality
        if cached_tokens_by_modality is not UNSET:
            field_dict["cached_tokens_by_modality"] = cached_tokens_by_modality
        if tool_use_tokens_by_modality is not UNSET:
            field_dict["tool_use_tokens_by_modality"] = tool_use_tokens_by_modality
        if grounding_tool_count is not UNSET:
            field_dict["grounding_tool_count"] = grounding_tool_count

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.grounding_tool_count import GroundingToolCount  # noqa: PLC0415
        from ..models.modality_tokens import ModalityTokens  # noqa: PLC0415

        d = dict(src_dict)
        total_input_tokens = d.pop("total_input_tokens", UNSET)

        total_output_tokens = d.pop("total_output_tokens", UNSET)

        total_thought_tokens = d.pop("total_thought_tokens", UNSET)

        total_cached_tokens = d.pop("total_cached_tokens", UNSET)

        total_tool_use_tokens = d.pop("total_tool_use_tokens", UNSET)

        total_tokens = d.pop("total_tokens", UNSET)

        initial_input_tokens = d.pop("initial_input_tokens", UNSET)

        _input_tokens_by_modality = d.pop("input_tokens_by_modality", UNSET)
        input_tokens_by_modality: list[ModalityTokens] | Unset = UNSET
        if _input_tokens_by_modality is not UNSET:
            input_tokens_by_modality = []
            for input_tokens_by_modality_item_data in _input_tokens_by_modality:
                input_tokens_by_modality_item = ModalityTokens.from_dict(input_tokens_by_modality_item_data)

                input_tokens_by_modality.append(input_tokens_by_modality_item)

        _output_tokens_by_modality = d.pop("output_tokens_by_modality", UNSET)
        output_tokens_by_modality: list[ModalityTokens] | Unset = UNSET
        if _output_tokens_by_modality is not UNSET:
            output_tokens_by_modality = []
            for output_tokens_by_modality_item_data in _output_tokens_by_modality:
                output_tokens_by_modality_item = ModalityTokens.from_dict(output_tokens_by_modality_item_data)

                output_tokens_by_modality.append(output_tokens_by_modality_item)

        _cached_tokens_by_modality = d.pop("cached_tokens_by_modality", UNSET)
        cached_tokens_by_modality: list[ModalityTokens] | Unset = UNSET
        if _cached_tokens_by_modality is not UNSET:
            cached_tokens_by_modality = []
            for cached_tokens_by_modality_item_data in _cached_tokens_by_modality:
                cached_tokens_by_modality_item = ModalityTokens.from_dict(cached_tokens_by_modality_item_data)

                cached_tokens_by_modality.append(cached_tokens_by_modality_item)

        _tool_use_tokens_by_modality = d.pop("tool_use_tokens_by_modality", UNSET)
        tool_use_tokens_by_modality: list[ModalityTokens] | Unset = UNSET
        if _tool_use_tokens_by_modality is not UNSET:
            tool_use_tokens_by_modality = []
            for tool_use_tokens_by_modality_item_data in _tool_use_tokens_by_modality:
                tool_use_tokens_by_modality_item = ModalityTokens.from_dict(
                    tool_use_tokens_by_modality_item_data
                )

                tool_use_tokens_by_modality.append(tool_use_tokens_by_modality_item)

        _grounding_tool_count = d.pop("grounding_tool_count", UNSET)
        grounding_tool_count: list[GroundingToolCount] | Unset = UNSET
        if _grounding_tool_count is not UNSET:
            grounding_tool_count = []
            for grounding_tool_count_item_data in _grounding_tool_count:
                grounding_tool_count_item = GroundingToolCount.from_dict(grounding_tool_count_item_data)

                grounding_tool_count.append(grounding_tool_count_item)

        usage = cls(
            total_input_tokens=total_input_tokens,
            total_output_tokens=total_output_tokens,
            total_thought_tokens=total_thought_tokens,
            total_cached_tokens=total_cached_tokens,
            total_tool_use_tokens=total_tool_use_tokens,
            total_tokens=total_tokens,
            initial_input_tokens=initial_input_tokens,
            input_tokens_by_modality=input_tokens_by_modality,
            output_tokens_by_modality=output_tokens_by_modality,
            cached_tokens_by_modality=cached_tokens_by_modality,
            tool_use_tokens_by_modality=tool_use_tokens_by_modality,
            grounding_tool_count=grounding_tool_count,
        )

        usage.additional_properties = d
        return usage

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
