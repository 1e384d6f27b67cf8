from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.audio_content_processing_type_0 import (
    AudioContentProcessingType0,
    check_audio_content_processing_type_0,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.static_offsets_processing import StaticOffsetsProcessing


T = TypeVar("T", bound="AudioContent")


@_attrs_define
class AudioContent:
    """Audio, inline (`data`) or by reference (`uri`)."""

    type_: Literal["audio"]
    data: str | Unset = UNSET
    """ Base64-encoded bytes. """
    uri: str | Unset = UNSET
    mime_type: str | Unset = UNSET
    """ audio/wav, mp3, aiff, aac, ogg, flac, mpeg, m4a, l16, opus, alaw, mulaw or webm. """
    sample_rate: int | Unset = UNSET
    channels: int | Unset = UNSET
    processing: AudioContentProcessingType0 | StaticOffsetsProcessing | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        data = self.data

        uri = self.uri

        mime_type = self.mime_type

        sample_rate = self.sample_rate

        channels = self.channels

        processing: dict[str, Any] | str | Unset
        if isinstance(self.processing, Unset):
            processing = UNSET
        elif isinstance(self.processing, str):
            processing = self.processing
        else:
            processing = self.processing.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if data is not UNSET:
            field_dict["data"] = data
        if uri is not UNSET:
            field_dict["uri"] = uri
        if mime_type is not UNSET:
            field_dict["mime_type"] = mime_type
        if sample_rate is not UNSET:
            field_dict["sample_rate"] = sample_rate
        if channels is not UNSET:
            field_dict["channels"] = channels
        if processing is not UNSET:
            field_dict["processing"] = processing

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.static_offsets_processing import StaticOffsetsProcessing  # noqa: PLC0415

        d = dict(src_dict)
        type_ = cast(Literal["audio"], d.pop("type"))
        if type_ != "audio":
            raise ValueError(f"type must match const 'audio', got '{type_}'")

        data = d.pop("data", UNSET)

        uri = d.pop("uri", UNSET)

        mime_type = d.pop("mime_type", UNSET)

        sample_rate = d.pop("sample_rate", UNSET)

        channels = d.pop("channels", UNSET)

        def _parse_processing(data: object) -> AudioContentProcessingType0 | StaticOffsetsProcessing | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                processing_type_0 = check_audio_content_processing_type_0(data)

                return processing_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            processing_type_1 = StaticOffsetsProcessing.from_dict(data)

            return processing_type_1

        processing = _parse_processing(d.pop("processing", UNSET))

        audio_content = cls(
            type_=type_,
            data=data,
            uri=uri,
            mime_type=mime_type,
            sample_rate=sample_rate,
            channels=channels,
            processing=processing,
        )

        audio_content.additional_properties = d
        return audio_content

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
