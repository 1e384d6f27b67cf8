from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.transcription_mode_name import TranscriptionModeName, check_transcription_mode_name
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.smart_transcription_mode import SmartTranscriptionMode
    from ..models.verbatim_transcription_mode import VerbatimTranscriptionMode


T = TypeVar("T", bound="TranscriptionConfig")


@_attrs_define
class TranscriptionConfig:
    language_codes: list[str] | Unset = UNSET
    custom_vocabulary: list[str] | Unset = UNSET
    mode: SmartTranscriptionMode | TranscriptionModeName | Unset | VerbatimTranscriptionMode = UNSET
    language_hints: list[str] | Unset = UNSET
    diarization_mode: str | Unset = UNSET
    timestamp_granularities: list[str] | Unset = UNSET
    adaptation_phrases: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.verbatim_transcription_mode import VerbatimTranscriptionMode  # noqa: PLC0415

        language_codes: list[str] | Unset = UNSET
        if not isinstance(self.language_codes, Unset):
            language_codes = self.language_codes

        custom_vocabulary: list[str] | Unset = UNSET
        if not isinstance(self.custom_vocabulary, Unset):
            custom_vocabulary = self.custom_vocabulary

        mode: dict[str, Any] | str | Unset
        if isinstance(self.mode, Unset):
            mode = UNSET
        elif isinstance(self.mode, str):
            mode = self.mode
        elif isinstance(self.mode, VerbatimTranscriptionMode):
            mode = self.mode.to_dict()
        else:
            mode = self.mode.to_dict()

        language_hints: list[str] | Unset = UNSET
        if not isinstance(self.language_hints, Unset):
            language_hints = self.language_hints

        diarization_mode = self.diarization_mode

        timestamp_granularities: list[str] | Unset = UNSET
        if not isinstance(self.timestamp_granularities, Unset):
            timestamp_granularities = self.timestamp_granularities

        adaptation_phrases: list[str] | Unset = UNSET
        if not isinstance(self.adaptation_phrases, Unset):
            adaptation_phrases = self.adaptation_phrases

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if language_codes is not UNSET:
            field_dict["language_codes"] = language_codes
        if custom_vocabulary is not UNSET:
            field_dict["custom_vocabulary"] = custom_vocabulary
        if mode is not UNSET:
            field_dict["mode"] = mode
        if language_hints is not UNSET:
            field_dict["language_hints"] = language_hints
        if diarization_mode is not UNSET:
            field_dict["diarization_mode"] = diarization_mode
        if timestamp_granularities is not UNSET:
            field_dict["timestamp_granularities"] = timestamp_granularities
        if adaptation_phrases is not UNSET:
            field_dict["adaptation_phrases"] = adaptation_phrases

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.smart_transcription_mode import SmartTranscriptionMode  # noqa: PLC0415
        from ..models.verbatim_transcription_mode import VerbatimTranscriptionMode  # noqa: PLC0415

        d = dict(src_dict)
        language_codes = cast(list[str], d.pop("language_codes", UNSET))

        custom_vocabulary = cast(list[str], d.pop("custom_vocabulary", UNSET))

        def _parse_mode(
            data: object,
        ) -> SmartTranscriptionMode | TranscriptionModeName | Unset | VerbatimTranscriptionMode:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                mode_type_0 = check_transcription_mode_name(data)

                return mode_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_transcription_mode_type_0 = VerbatimTranscriptionMode.from_dict(data)

                return componentsschemas_transcription_mode_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_transcription_mode_type_1 = SmartTranscriptionMode.from_dict(data)

            return componentsschemas_transcription_mode_type_1

        mode = _parse_mode(d.pop("mode", UNSET))

        language_hints = cast(list[str], d.pop("language_hints", UNSET))

        diarization_mode = d.pop("diarization_mode", UNSET)

        timestamp_granularities = cast(list[str], d.pop("timestamp_granularities", UNSET))

        adaptation_phrases = cast(list[str], d.pop("adaptation_phrases", UNSET))

        transcription_config = cls(
            language_codes=language_codes,
            custom_vocabulary=custom_vocabulary,
            mode=mode,
            language_hints=language_hints,
            diarization_mode=diarization_mode,
            timestamp_granularities=timestamp_granularities,
            adaptation_phrases=adaptation_phrases,
        )

        transcription_config.additional_properties = d
        return transcription_config

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
