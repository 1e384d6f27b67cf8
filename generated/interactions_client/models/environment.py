from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.environment_mode import EnvironmentMode, check_environment_mode
from ..models.environment_network_type_0 import EnvironmentNetworkType0, check_environment_network_type_0
from ..models.environment_type import EnvironmentType, check_environment_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.egress_allowlist import EgressAllowlist
    from ..models.environment_custom_config import EnvironmentCustomConfig
    from ..models.environment_env import EnvironmentEnv
    from ..models.environment_source import EnvironmentSource


T = TypeVar("T", bound="Environment")


@_attrs_define
class Environment:
    """A remote sandbox for agents."""

    type_: EnvironmentType
    environment_id: str | Unset = UNSET
    mode: EnvironmentMode | Unset = UNSET
    network: EgressAllowlist | EnvironmentNetworkType0 | Unset = UNSET
    sources: list[EnvironmentSource] | Unset = UNSET
    env: EnvironmentEnv | Unset = UNSET
    custom_config: EnvironmentCustomConfig | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        environment_id = self.environment_id

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode

        network: dict[str, Any] | str | Unset
        if isinstance(self.network, Unset):
            network = UNSET
        elif isinstance(self.network, str):
            network = self.network
        else:
            network = self.network.to_dict()

        sources: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.sources, Unset):
            sources = []
            for sources_item_data in self.sources:
                sources_item = sources_item_data.to_dict()
                sources.append(sources_item)

        env: dict[str, Any] | Unset = UNSET
        if not isinstance(self.env, Unset):
            env = self.env.to_dict()

        custom_config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.custom_config, Unset):
            custom_config = self.custom_config.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if environment_id is not UNSET:
            field_dict["environment_id"] = environment_id
        if mode is not UNSET:
            field_dict["mode"] = mode
        if network is not UNSET:
            field_dict["network"] = network
        if sources is not UNSET:
            field_dict["sources"] = sources
        if env is not UNSET:
            field_dict["env"] = env
        if custom_config is not UNSET:
            field_dict["custom_config"] = custom_config

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.egress_allowlist import EgressAllowlist  # noqa: PLC0415
        from ..models.environment_custom_config import EnvironmentCustomConfig  # noqa: PLC0415
        from ..models.environment_env import EnvironmentEnv  # noqa: PLC0415
        from ..models.environment_source import EnvironmentSource  # noqa: PLC0415

        d = dict(src_dict)
        type_ = check_environment_type(d.pop("type"))

        environment_id = d.pop("environment_id", UNSET)

        _mode = d.pop("mode", UNSET)
        mode: EnvironmentMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = check_environment_mode(_mode)

        def _parse_network(data: object) -> EgressAllowlist | EnvironmentNetworkType0 | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                network_type_0 = check_environment_network_type_0(data)

                return network_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            network_type_1 = EgressAllowlist.from_dict(data)

            return network_type_1

        network = _parse_network(d.pop("network", UNSET))

        _sources = d.pop("sources", UNSET)
        sources: list[EnvironmentSource] | Unset = UNSET
        if _sources is not UNSET:
            sources = []
            for sources_item_data in _sources:
                sources_item = EnvironmentSource.from_dict(sources_item_data)

                sources.append(sources_item)

        _env = d.pop("env", UNSET)
        env: EnvironmentEnv | Unset
        if isinstance(_env, Unset):
            env = UNSET
        else:
            env = EnvironmentEnv.from_dict(_env)

        _custom_config = d.pop("custom_config", UNSET)
        custom_config: EnvironmentCustomConfig | Unset
        if isinstance(_custom_config, Unset):
            custom_config = UNSET
        else:
            custom_config = EnvironmentCustomConfig.from_dict(_custom_config)

        environment = cls(
            type_=type_,
            environment_id=environment_id,
            mode=mode,
            network=network,
            sources=sources,
            env=env,
            custom_config=custom_config,
        )

        environment.additional_properties = d
        return environment

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
