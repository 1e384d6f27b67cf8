from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.image_content import ImageContent
    from ..models.text_content import TextContent


T = TypeVar("T", bound="ThoughtStep")


@_attrs_define
class ThoughtStep:
    """Model reasoning. Replay `signature` unchanged in stateless history."""

    type_: Literal["thought"]
    signature: str | Unset = UNSET
    """ Base64-encoded bytes. """
    summary: list[ImageContent | TextContent] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.text_content import TextContent  # noqa: PLC0415

        type_ = self.type_

        signature = self.signature

        summary: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.summary, Unset):
            summary = []
            for summary_item_data in self.summary:
                summary_item: dict[str, Any]
                if isinstance(summary_item_data, TextContent):
                    summary_item = summary_item_data.to_dict()
                else:
                    summary_item = summary_item_data.to_dict()

                summary.append(summary_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if signature is not UNSET:
            field_dict["signature"] = signature
        if summary is not UNSET:
            field_dict["summary"] = summary

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.image_content import ImageContent  # noqa: PLC0415
        from ..models.text_content import TextContent  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["thought"], d.pop("type"))
        if type_ != "thought":
            raise ValueError(f"type must match const 'thought', got '{type_}'")

        signature = d.pop("signature", UNSET)

        _summary = d.pop("summary", UNSET)
        summary: list[ImageContent | TextContent] | Unset = UNSET
        if _summary is not UNSET:
            summary = []
            for summary_item_data in _summary:

                def _parse_summary_item(data: object) -> ImageContent | TextContent:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_thought_summary_content_type_0 = TextContent.from_dict(data)

                        return componentsschemas_thought_summary_content_type_0
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_thought_summary_content_type_1 = ImageContent.from_dict(data)

                    return componentsschemas_thought_summary_content_type_1

                summary_item = _parse_summary_item(summary_item_data)

                summary.append(summary_item)

        thought_step = cls(
            type_=type_,
            signature=signature,
            summary=summary,
        )

        thought_step.additional_properties = d
        return thought_step

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
