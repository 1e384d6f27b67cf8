from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.file_citation import FileCitation
    from ..models.place_citation import PlaceCitation
    from ..models.speech_annotation import SpeechAnnotation
    from ..models.url_citation import URLCitation
    from ..models.word_info import WordInfo


T = TypeVar("T", bound="TextContent")


@_attrs_define
class TextContent:
    """A text block."""

    type_: Literal["text"]
    text: str
    annotations: list[FileCitation | PlaceCitation | SpeechAnnotation | URLCitation | WordInfo] | Unset = (
        UNSET
    )
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.file_citation import FileCitation  # noqa: PLC0415
        from ..models.place_citation import PlaceCitation  # noqa: PLC0415
        from ..models.speech_annotation import SpeechAnnotation  # noqa: PLC0415
        from ..models.url_citation import URLCitation  # noqa: PLC0415

        type_ = self.type_

        text = self.text

        annotations: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.annotations, Unset):
            annotations = []
            for annotations_item_data in self.annotations:
                annotations_item: dict[str, Any]
                if isinstance(annotations_item_data, URLCitation):
                    annotations_item = annotations_item_data.to_dict()
                elif isinstance(annotations_item_data, FileCitation):
                    annotations_item = annotations_item_data.to_dict()
                elif isinstance(annotations_item_data, PlaceCitation):
                    annotations_item = annotations_item_data.to_dict()
                elif isinstance(annotations_item_data, SpeechAnnotation):
                    annotations_item = annotations_item_data.to_dict()
                else:
                    annotations_item = annotations_item_data.to_dict()

                annotations.append(annotations_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "text": text,
            }
        )
        if annotations is not UNSET:
            field_dict["annotations"] = annotations

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.file_citation import FileCitation  # noqa: PLC0415
        from ..models.place_citation import PlaceCitation  # noqa: PLC0415
        from ..models.speech_annotation import SpeechAnnotation  # noqa: PLC0415
        from ..models.url_citation import URLCitation  # noqa: PLC0415
        from ..models.word_info import WordInfo  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["text"], d.pop("type"))
        if type_ != "text":
            raise ValueError(f"type must match const 'text', got '{type_}'")

        text = d.pop("text")

        _annotations = d.pop("annotations", UNSET)
        annotations: (
            list[FileCitation | PlaceCitation | SpeechAnnotation | URLCitation | WordInfo] | Unset
        ) = UNSET
        if _annotations is not UNSET:
            annotations = []
            for annotations_item_data in _annotations:

                def _parse_annotations_item(
                    data: object,
                ) -> FileCitation | PlaceCitation | SpeechAnnotation | URLCitation | WordInfo:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_annotation_type_0 = URLCitation.from_dict(data)

                        return componentsschemas_annotation_type_0
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_annotation_type_1 = FileCitation.from_dict(data)

                        return componentsschemas_annotation_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_annotation_type_2 = PlaceCitation.from_dict(data)

                        return componentsschemas_annotation_type_2
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_annotation_type_3 = SpeechAnnotation.from_dict(data)

                        return componentsschemas_annotation_type_3
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_annotation_type_4 = WordInfo.from_dict(data)

                    return componentsschemas_annotation_type_4

                annotations_item = _parse_annotations_item(annotations_item_data)

                annotations.append(annotations_item)

        text_content = cls(
            type_=type_,
            text=text,
            annotations=annotations,
        )

        text_content.additional_properties = d
        return text_content

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
