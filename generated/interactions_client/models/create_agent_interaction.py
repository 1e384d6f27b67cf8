from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.modality import Modality, check_modality
from ..models.service_tier import ServiceTier, check_service_tier
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.antigravity_agent_config import AntigravityAgentConfig
    from ..models.audio_content import AudioContent
    from ..models.audio_response_format import AudioResponseFormat
    from ..models.code_execution import CodeExecution
    from ..models.code_execution_call_step import CodeExecutionCallStep
    from ..models.code_execution_result_step import CodeExecutionResultStep
    from ..models.code_mender_agent_config import CodeMenderAgentConfig
    from ..models.computer_use import ComputerUse
    from ..models.create_interaction_base_labels import CreateInteractionBaseLabels
    from ..models.deep_research_agent_config import DeepResearchAgentConfig
    from ..models.document_content import DocumentContent
    from ..models.dynamic_agent_config import DynamicAgentConfig
    from ..models.environment import Environment
    from ..models.file_search import FileSearch
    from ..models.file_search_call_step import FileSearchCallStep
    from ..models.file_search_result_step import FileSearchResultStep
    from ..models.function import Function
    from ..models.function_call_step import FunctionCallStep
    from ..models.function_result_step import FunctionResultStep
    from ..models.google_maps import GoogleMaps
    from ..models.google_maps_call_step import GoogleMapsCallStep
    from ..models.google_maps_result_step import GoogleMapsResultStep
    from ..models.google_search import GoogleSearch
    from ..models.google_search_call_step import GoogleSearchCallStep
    from ..models.google_search_result_step import GoogleSearchResultStep
    from ..models.image_content import ImageContent
    from ..models.image_response_format import ImageResponseFormat
    from ..models.json_schema_response_format import JSONSchemaResponseFormat
    from ..models.mcp_server import MCPServer
    from ..models.mcp_server_tool_call_step import MCPServerToolCallStep
    from ..models.mcp_server_tool_result_step import MCPServerToolResultStep
    from ..models.model_output_step import ModelOutputStep
    from ..models.processing_call_step import ProcessingCallStep
    from ..models.processing_result_step import ProcessingResultStep
    from ..models.retrieval import Retrieval
    from ..models.retrieval_call_step import RetrievalCallStep
    from ..models.retrieval_result_step import RetrievalResultStep
    from ..models.safety_setting import SafetySetting
    from ..models.text_content import TextContent
    from ..models.text_response_format import TextResponseFormat
    from ..models.thought_step import ThoughtStep
    from ..models.tool_search import ToolSearch
    from ..models.tool_search_call_step import ToolSearchCallStep
    from ..models.tool_search_result_step import ToolSearchResultStep
    from ..models.turn import Turn
    from ..models.url_context import URLContext
    from ..models.url_context_call_step import URLContextCallStep
    from ..models.url_context_result_step import URLContextResultStep
    from ..models.user_input_step import UserInputStep
    from ..models.video_content import VideoContent
    from ..models.video_response_format import VideoResponseFormat
    from ..models.webhook_config import WebhookConfig


T = TypeVar("T", bound="CreateAgentInteraction")


@_attrs_define
class CreateAgentInteraction:
    """Create an interaction with an agent. Gateways without agents answer 400."""

    agent: str
    """ Agent name, e.g. `deep-research-pro-preview-12-2025`, or a custom agent id. """
    input_: (
        AudioContent
        | DocumentContent
        | ImageContent
        | list[AudioContent | DocumentContent | ImageContent | TextContent | VideoContent]
        | list[
            CodeExecutionCallStep
            | CodeExecutionResultStep
            | FileSearchCallStep
            | FileSearchResultStep
            | FunctionCallStep
            | FunctionResultStep
            | GoogleMapsCallStep
            | GoogleMapsResultStep
            | GoogleSearchCallStep
            | GoogleSearchResultStep
            | MCPServerToolCallStep
            | MCPServerToolResultStep
            | ModelOutputStep
            | ProcessingCallStep
            | ProcessingResultStep
            | RetrievalCallStep
            | RetrievalResultStep
            | ThoughtStep
            | ToolSearchCallStep
            | ToolSearchResultStep
            | URLContextCallStep
            | URLContextResultStep
            | UserInputStep
        ]
        | list[Turn]
        | str
        | TextContent
        | Unset
        | VideoContent
    ) = UNSET
    """ The input of a turn: a string, one content block, an array of content blocks (one user turn), an
    array of steps (the history, e.g. for stateless calls or function results), or a legacy Turn list.
    `anyOf`, not `oneOf`: `[]` matches several array forms.
     """
    system_instruction: str | Unset = UNSET
    tools: (
        list[
            CodeExecution
            | ComputerUse
            | FileSearch
            | Function
            | GoogleMaps
            | GoogleSearch
            | MCPServer
            | Retrieval
            | ToolSearch
            | URLContext
        ]
        | Unset
    ) = UNSET
    response_format: (
        AudioResponseFormat
        | ImageResponseFormat
        | JSONSchemaResponseFormat
        | list[
            AudioResponseFormat
            | ImageResponseFormat
            | JSONSchemaResponseFormat
            | TextResponseFormat
            | VideoResponseFormat
        ]
        | TextResponseFormat
        | Unset
        | VideoResponseFormat
    ) = UNSET
    """ One response format or several (e.g. text and audio). """
    response_mime_type: str | Unset = UNSET
    """ Deprecated; use `response_format`. """
    response_modalities: list[Modality] | Unset = UNSET
    stream: bool | Unset = UNSET
    """ Answer with `text/event-stream` (default false). """
    store: bool | Unset = UNSET
    """ Keep the interaction so it can be read back and chained (default true). """
    background: bool | Unset = UNSET
    """ Return immediately (`queued` / `in_progress`) and run in the background. """
    previous_interaction_id: str | Unset = UNSET
    """ Continue the conversation of this stored interaction. """
    continuation_token: str | Unset = UNSET
    """ Opaque token from a `requires_continuation` answer. """
    environment: Environment | str | Unset = UNSET
    """ An `Environment`, an existing environment id, or `remote`. """
    safety_settings: list[SafetySetting] | Unset = UNSET
    service_tier: ServiceTier | Unset = UNSET
    labels: CreateInteractionBaseLabels | Unset = UNSET
    webhook_config: WebhookConfig | Unset = UNSET
    agent_config: (
        AntigravityAgentConfig | CodeMenderAgentConfig | DeepResearchAgentConfig | DynamicAgentConfig | Unset
    ) = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.antigravity_agent_config import AntigravityAgentConfig  # noqa: PLC0415
        from ..models.audio_content import AudioContent  # noqa: PLC0415
        from ..models.audio_response_format import AudioResponseFormat  # noqa: PLC0415
        from ..models.code_execution import CodeExecution  # noqa: PLC0415
        from ..models.code_execution_call_step import CodeExecutionCallStep  # noqa: PLC0415
        from ..models.code_execution_result_step import CodeExecutionResultStep  # noqa: PLC0415
        from ..models.computer_use import ComputerUse  # noqa: PLC0415
        from ..models.deep_research_agent_config import DeepResearchAgentConfig  # noqa: PLC0415
        from ..models.document_content import DocumentContent  # noqa: PLC0415
        from ..models.dynamic_agent_config import DynamicAgentConfig  # noqa: PLC0415
        from ..models.environment import Environment  # noqa: PLC0415
        from ..models.file_search import FileSearch  # noqa: PLC0415
        from ..models.file_search_call_step import FileSearchCallStep  # noqa: PLC0415
        from ..models.file_search_result_step import FileSearchResultStep  # noqa: PLC0415
        from ..models.function import Function  # noqa: PLC0415
        from ..models.function_call_step import FunctionCallStep  # noqa: PLC0415
        from ..models.function_result_step import FunctionResultStep  # noqa: PLC0415
        from ..models.google_maps import GoogleMaps  # noqa: PLC0415
        from ..models.google_maps_call_step import GoogleMapsCallStep  # noqa: PLC0415
        from ..models.google_maps_result_step import GoogleMapsResultStep  # noqa: PLC0415
        from ..models.google_search import GoogleSearch  # noqa: PLC0415
        from ..models.google_search_call_step import GoogleSearchCallStep  # noqa: PLC0415
        from ..models.google_search_result_step import GoogleSearchResultStep  # noqa: PLC0415
        from ..models.image_content import ImageContent  # noqa: PLC0415
        from ..models.image_response_format import ImageResponseFormat  # noqa: PLC0415
        from ..models.json_schema_response_format import JSONSchemaResponseFormat  # noqa: PLC0415
        from ..models.mcp_server import MCPServer  # noqa: PLC0415
        from ..models.mcp_server_tool_call_step import MCPServerToolCallStep  # noqa: PLC0415
        from ..models.mcp_server_tool_result_step import MCPServerToolResultStep  # noqa: PLC0415
        from ..models.model_output_step import ModelOutputStep  # noqa: PLC0415
        from ..models.processing_call_step import ProcessingCallStep  # noqa: PLC0415
        from ..models.retrieval import Retrieval  # noqa: PLC0415
        from ..models.retrieval_call_step import RetrievalCallStep  # noqa: PLC0415
        from ..models.retrieval_result_step import RetrievalResultStep  # noqa: PLC0415
        from ..models.text_content import TextContent  # noqa: PLC0415
        from ..models.text_response_format import TextResponseFormat  # noqa: PLC0415
        from ..models.thought_step import ThoughtStep  # noqa: PLC0415
        from ..models.tool_search_call_step import ToolSearchCallStep  # noqa: PLC0415
        from ..models.tool_search_result_step import ToolSearchResultStep  # noqa: PLC0415
        from ..models.url_context import URLContext  # noqa: PLC0415
        from ..models.url_context_call_step import URLContextCallStep  # noqa: PLC0415
        from ..models.url_context_result_step import URLContextResultStep  # noqa: PLC0415
        from ..models.user_input_step import UserInputStep  # noqa: PLC0415
        from ..models.video_content import VideoContent  # noqa: PLC0415
        from ..models.video_response_format import VideoResponseFormat  # noqa: PLC0415

        agent = self.agent

        input_: dict[str, Any] | list[dict[str, Any]] | str | Unset
        if isinstance(self.input_, Unset):
            input_ = UNSET
        elif isinstance(self.input_, TextContent):
            input_ = self.input_.to_dict()
        elif isinstance(self.input_, ImageContent):
            input_ = self.input_.to_dict()
        elif isinstance(self.input_, AudioContent):
            input_ = self.input_.to_dict()
        elif isinstance(self.input_, DocumentContent):
            input_ = self.input_.to_dict()
        elif isinstance(self.input_, VideoContent):
            input_ = self.input_.to_dict()
        elif isinstance(self.input_, list):
            input_ = []
            for componentsschemas_content_list_item_data in self.input_:
                componentsschemas_content_list_item: dict[str, Any]
                if isinstance(componentsschemas_content_list_item_data, TextContent):
                    componentsschemas_content_list_item = componentsschemas_content_list_item_data.to_dict()
                elif isinstance(componentsschemas_content_list_item_data, ImageContent):
                    componentsschemas_content_list_item = componentsschemas_content_list_item_data.to_dict()
                elif isinstance(componentsschemas_content_list_item_data, AudioContent):
                    componentsschemas_content_list_item = componentsschemas_content_list_item_data.to_dict()
                elif isinstance(componentsschemas_content_list_item_data, DocumentContent):
                    componentsschemas_content_list_item = componentsschemas_content_list_item_data.to_dict()
                else:
                    componentsschemas_content_list_item = componentsschemas_content_list_item_data.to_dict()

                input_.append(componentsschemas_content_list_item)

        elif isinstance(self.input_, list):
            input_ = []
            for componentsschemas_step_list_item_data in self.input_:
                componentsschemas_step_list_item: dict[str, Any]
                if isinstance(componentsschemas_step_list_item_data, UserInputStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, ModelOutputStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, ThoughtStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, FunctionCallStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, FunctionResultStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, CodeExecutionCallStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, CodeExecutionResultStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, GoogleSearchCallStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, GoogleSearchResultStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, URLContextCallStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, URLContextResultStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, GoogleMapsCallStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, GoogleMapsResultStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, FileSearchCallStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, FileSearchResultStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, MCPServerToolCallStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, MCPServerToolResultStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, RetrievalCallStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, RetrievalResultStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, ToolSearchCallStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, ToolSearchResultStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                elif isinstance(componentsschemas_step_list_item_data, ProcessingCallStep):
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()
                else:
                    componentsschemas_step_list_item = componentsschemas_step_list_item_data.to_dict()

                input_.append(componentsschemas_step_list_item)

        elif isinstance(self.input_, list):
            input_ = []
            for componentsschemas_interactions_input_type_4_item_data in self.input_:
                componentsschemas_interactions_input_type_4_item = (
                    componentsschemas_interactions_input_type_4_item_data.to_dict()
                )
                input_.append(componentsschemas_interactions_input_type_4_item)

        else:
            input_ = self.input_

        system_instruction = self.system_instruction

        tools: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.tools, Unset):
            tools = []
            for tools_item_data in self.tools:
                tools_item: dict[str, Any]
                if isinstance(tools_item_data, Function):
                    tools_item = tools_item_data.to_dict()
                elif isinstance(tools_item_data, CodeExecution):
                    tools_item = tools_item_data.to_dict()
                elif isinstance(tools_item_data, URLContext):
                    tools_item = tools_item_data.to_dict()
                elif isinstance(tools_item_data, GoogleSearch):
                    tools_item = tools_item_data.to_dict()
                elif isinstance(tools_item_data, GoogleMaps):
                    tools_item = tools_item_data.to_dict()
                elif isinstance(tools_item_data, FileSearch):
                    tools_item = tools_item_data.to_dict()
                elif isinstance(tools_item_data, MCPServer):
                    tools_item = tools_item_data.to_dict()
                elif isinstance(tools_item_data, ComputerUse):
                    tools_item = tools_item_data.to_dict()
                elif isinstance(tools_item_data, Retrieval):
                    tools_item = tools_item_data.to_dict()
                else:
                    tools_item = tools_item_data.to_dict()

                tools.append(tools_item)

        response_format: dict[str, Any] | list[dict[str, Any]] | Unset
        if isinstance(self.response_format, Unset):
            response_format = UNSET
        elif isinstance(self.response_format, TextResponseFormat):
            response_format = self.response_format.to_dict()
        elif isinstance(self.response_format, ImageResponseFormat):
            response_format = self.response_format.to_dict()
        elif isinstance(self.response_format, AudioResponseFormat):
            response_format = self.response_format.to_dict()
        elif isinstance(self.response_format, VideoResponseFormat):
            response_format = self.response_format.to_dict()
        elif isinstance(self.response_format, JSONSchemaResponseFormat):
            response_format = self.response_format.to_dict()
        else:
            response_format = []
            for componentsschemas_response_formats_type_1_item_data in self.response_format:
                componentsschemas_response_formats_type_1_item: dict[str, Any]
                if isinstance(componentsschemas_response_formats_type_1_item_data, TextResponseFormat):
                    componentsschemas_response_formats_type_1_item = (
                        componentsschemas_response_formats_type_1_item_data.to_dict()
                    )
                elif isinstance(componentsschemas_response_formats_type_1_item_data, ImageResponseFormat):
                    componentsschemas_response_formats_type_1_item = (
                        componentsschemas_response_formats_type_1_item_data.to_dict()
                    )
                elif isinstance(componentsschemas_response_formats_type_1_item_data, AudioResponseFormat):
                    componentsschemas_response_formats_type_1_item = (
                        componentsschemas_response_formats_type_1_item_data.to_dict()
                    )
                elif isinstance(componentsschemas_response_formats_type_1_item_data, VideoResponseFormat):
                    componentsschemas_response_formats_type_1_item = (
                        componentsschemas_response_formats_type_1_item_data.to_dict()
                    )
                else:
                    componentsschemas_response_formats_type_1_item = (
                        componentsschemas_response_formats_type_1_item_data.to_dict()
                    )

                response_format.append(componentsschemas_response_formats_type_1_item)

        response_mime_type = self.response_mime_type

        response_modalities: list[str] | Unset = UNSET
        if not isinstance(self.response_modalities, Unset):
            response_modalities = []
            for response_modalities_item_data in self.response_modalities:
                response_modalities_item: str = response_modalities_item_data
                response_modalities.append(response_modalities_item)

        stream = self.stream

        store = self.store

        background = self.background

        previous_interaction_id = self.previous_interaction_id

        continuation_token = self.continuation_token

        environment: dict[str, Any] | str | Unset
        if isinstance(self.environment, Unset):
            environment = UNSET
        elif isinstance(self.environment, Environment):
            environment = self.environment.to_dict()
        else:
            environment = self.environment

        safety_settings: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.safety_settings, Unset):
            safety_settings = []
            for safety_settings_item_data in self.safety_settings:
                safety_settings_item = safety_settings_item_data.to_dict()
                safety_settings.append(safety_settings_item)

        service_tier: str | Unset = UNSET
        if not isinstance(self.service_tier, Unset):
            service_tier = self.service_tier

        labels: dict[str, Any] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels.to_dict()

        webhook_config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.webhook_config, Unset):
            webhook_config = self.webhook_config.to_dict()

        agent_config: dict[str, Any] | Unset
        if isinstance(self.agent_config, Unset):
            agent_config = UNSET
        elif isinstance(self.agent_config, DynamicAgentConfig):
            agent_config = self.agent_config.to_dict()
        elif isinstance(self.agent_config, DeepResearchAgentConfig):
            agent_config = self.agent_config.to_dict()
        elif isinstance(self.agent_config, AntigravityAgentConfig):
            agent_config = self.agent_config.to_dict()
        else:
            agent_config = self.agent_config.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "agent": agent,
            }
        )
        if input_ is not UNSET:
            field_dict["input"] = input_
        if system_instruction is not UNSET:
            field_dict["system_instruction"] = system_instruction
        if tools is not UNSET:
            field_dict["tools"] = tools
        if response_format is not UNSET:
            field_dict["response_format"] = response_format
        if response_mime_type is not UNSET:
            field_dict["response_mime_type"] = response_mime_type
        if response_modalities is not UNSET:
            field_dict["response_modalities"] = response_modalities
        if stream is not UNSET:
            field_dict["stream"] = stream
        if store is not UNSET:
            field_dict["store"] = store
        if background is not UNSET:
            field_dict["background"] = background
        if previous_interaction_id is not UNSET:
            field_dict["previous_interaction_id"] = previous_interaction_id
        if continuation_token is not UNSET:
            field_dict["continuation_token"] = continuation_token
        if environment is not UNSET:
            field_dict["environment"] = environment
        if safety_settings is not UNSET:
            field_dict["safety_settings"] = safety_settings
        if service_tier is not UNSET:
            field_dict["service_tier"] = service_tier
        if labels is not UNSET:
            field_dict["labels"] = labels
        if webhook_config is not UNSET:
            field_dict["webhook_config"] = webhook_config
        if agent_config is not UNSET:
            field_dict["agent_config"] = agent_config

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.antigravity_agent_config import AntigravityAgentConfig  # noqa: PLC0415
        from ..models.audio_content import AudioContent  # noqa: PLC0415
        from ..models.audio_response_format import AudioResponseFormat  # noqa: PLC0415
        from ..models.code_execution import CodeExecution  # noqa: PLC0415
        from ..models.code_execution_call_step import CodeExecutionCallStep  # noqa: PLC0415
        from ..models.code_execution_result_step import CodeExecutionResultStep  # noqa: PLC0415
        from ..models.code_mender_agent_config import CodeMenderAgentConfig  # noqa: PLC0415
        from ..models.computer_use import ComputerUse  # noqa: PLC0415
        from ..models.create_interaction_base_labels import CreateInteractionBaseLabels  # noqa: PLC0415
        from ..models.deep_research_agent_config import DeepResearchAgentConfig  # noqa: PLC0415
        from ..models.document_content import DocumentContent  # noqa: PLC0415
        from ..models.dynamic_agent_config import DynamicAgentConfig  # noqa: PLC0415
        from ..models.environment import Environment  # noqa: PLC0415
        from ..models.file_search import FileSearch  # noqa: PLC0415
        from ..models.file_search_call_step import FileSearchCallStep  # noqa: PLC0415
        from ..models.file_search_result_step import FileSearchResultStep  # noqa: PLC0415
        from ..models.function import Function  # noqa: PLC0415
        from ..models.function_call_step import FunctionCallStep  # noqa: PLC0415
        from ..models.function_result_step import FunctionResultStep  # noqa: PLC0415
        from ..models.google_maps import GoogleMaps  # noqa: PLC0415
        from ..models.google_maps_call_step import GoogleMapsCallStep  # noqa: PLC0415
        from ..models.google_maps_result_step import GoogleMapsResultStep  # noqa: PLC0415
        from ..models.google_search import GoogleSearch  # noqa: PLC0415
        from ..models.google_search_call_step import GoogleSearchCallStep  # noqa: PLC0415
        from ..models.google_search_result_step import GoogleSearchResultStep  # noqa: PLC0415
        from ..models.image_content import ImageContent  # noqa: PLC0415
        from ..models.image_response_format import ImageResponseFormat  # noqa: PLC0415
        from ..models.json_schema_response_format import JSONSchemaResponseFormat  # noqa: PLC0415
        from ..models.mcp_server import MCPServer  # noqa: PLC0415
        from ..models.mcp_server_tool_call_step import MCPServerToolCallStep  # noqa: PLC0415
        from ..models.mcp_server_tool_result_step import MCPServerToolResultStep  # noqa: PLC0415
        from ..models.model_output_step import ModelOutputStep  # noqa: PLC0415
        from ..models.processing_call_step import ProcessingCallStep  # noqa: PLC0415
        from ..models.processing_result_step import ProcessingResultStep  # noqa: PLC0415
        from ..models.retrieval import Retrieval  # noqa: PLC0415
        from ..models.retrieval_call_step import RetrievalCallStep  # noqa: PLC0415
        from ..models.retrieval_result_step import RetrievalResultStep  # noqa: PLC0415
        from ..models.safety_setting import SafetySetting  # noqa: PLC0415
        from ..models.text_content import TextContent  # noqa: PLC0415
        from ..models.text_response_format import TextResponseFormat  # noqa: PLC0415
        from ..models.thought_step import ThoughtStep  # noqa: PLC0415
        from ..models.tool_search import ToolSearch  # noqa: PLC0415
        from ..models.tool_search_call_step import ToolSearchCallStep  # noqa: PLC0415
        from ..models.tool_search_result_step import ToolSearchResultStep  # noqa: PLC0415
        from ..models.turn import Turn  # noqa: PLC0415
        from ..models.url_context import URLContext  # noqa: PLC0415
        from ..models.url_context_call_step import URLContextCallStep  # noqa: PLC0415
        from ..models.url_context_result_step import URLContextResultStep  # noqa: PLC0415
        from ..models.user_input_step import UserInputStep  # noqa: PLC0415
        from ..models.video_content import VideoContent  # noqa: PLC0415
        from ..models.video_response_format import VideoResponseFormat  # noqa: PLC0415
        from ..models.webhook_config import WebhookConfig  # noqa: PLC0415

        d = dict(src_dict)
        agent = d.pop("agent")

        def _parse_input_(
            data: object,
        ) -> (
            AudioContent
            | DocumentContent
            | ImageContent
            | list[AudioContent | DocumentContent | ImageContent | TextContent | VideoContent]
            | list[
                CodeExecutionCallStep
                | CodeExecutionResultStep
                | FileSearchCallStep
                | FileSearchResultStep
                | FunctionCallStep
                | FunctionResultStep
                | GoogleMapsCallStep
                | GoogleMapsResultStep
                | GoogleSearchCallStep
                | GoogleSearchResultStep
                | MCPServerToolCallStep
                | MCPServerToolResultStep
                | ModelOutputStep
                | ProcessingCallStep
                | ProcessingResultStep
                | RetrievalCallStep
                | RetrievalResultStep
                | ThoughtStep
                | ToolSearchCallStep
                | ToolSearchResultStep
                | URLContextCallStep
                | URLContextResultStep
                | UserInputStep
            ]
            | list[Turn]
            | str
            | TextContent
            | Unset
            | VideoContent
        ):
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_content_type_0 = TextContent.from_dict(data)

                return componentsschemas_content_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_content_type_1 = ImageContent.from_dict(data)

                return componentsschemas_content_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_content_type_2 = AudioContent.from_dict(data)

                return componentsschemas_content_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_content_type_3 = DocumentContent.from_dict(data)

                return componentsschemas_content_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_content_type_4 = VideoContent.from_dict(data)

                return componentsschemas_content_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                componentsschemas_interactions_input_type_2 = []
                _componentsschemas_interactions_input_type_2 = data
                for componentsschemas_content_list_item_data in _componentsschemas_interactions_input_type_2:

                    def _parse_componentsschemas_content_list_item(
                        data: object,
                    ) -> AudioContent | DocumentContent | ImageContent | TextContent | VideoContent:
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_content_type_0 = TextContent.from_dict(data)

                            return componentsschemas_content_type_0
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_content_type_1 = ImageContent.from_dict(data)

                            return componentsschemas_content_type_1
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_content_type_2 = AudioContent.from_dict(data)

                            return componentsschemas_content_type_2
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_content_type_3 = DocumentContent.from_dict(data)

                            return componentsschemas_content_type_3
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_content_type_4 = VideoContent.from_dict(data)

                        return componentsschemas_content_type_4

                    componentsschemas_content_list_item = _parse_componentsschemas_content_list_item(
                        componentsschemas_content_list_item_data
                    )

                    componentsschemas_interactions_input_type_2.append(componentsschemas_content_list_item)

                return componentsschemas_interactions_input_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                componentsschemas_interactions_input_type_3 = []
                _componentsschemas_interactions_input_type_3 = data
                for componentsschemas_step_list_item_data in _componentsschemas_interactions_input_type_3:

                    def _parse_componentsschemas_step_list_item(
                        data: object,
                    ) -> (
                        CodeExecutionCallStep
                        | CodeExecutionResultStep
                        | FileSearchCallStep
                        | FileSearchResultStep
                        | FunctionCallStep
                        | FunctionResultStep
                        | GoogleMapsCallStep
                        | GoogleMapsResultStep
                        | GoogleSearchCallStep
                        | GoogleSearchResultStep
                        | MCPServerToolCallStep
                        | MCPServerToolResultStep
                        | ModelOutputStep
                        | ProcessingCallStep
                        | ProcessingResultStep
                        | RetrievalCallStep
                        | RetrievalResultStep
                        | ThoughtStep
                        | ToolSearchCallStep
                        | ToolSearchResultStep
                        | URLContextCallStep
                        | URLContextResultStep
                        | UserInputStep
                    ):
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_0 = UserInputStep.from_dict(data)

                            return componentsschemas_step_type_0
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_1 = ModelOutputStep.from_dict(data)

                            return componentsschemas_step_type_1
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_2 = ThoughtStep.from_dict(data)

                            return componentsschemas_step_type_2
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_3 = FunctionCallStep.from_dict(data)

                            return componentsschemas_step_type_3
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_4 = FunctionResultStep.from_dict(data)

                            return componentsschemas_step_type_4
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_5 = CodeExecutionCallStep.from_dict(data)

                            return componentsschemas_step_type_5
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_6 = CodeExecutionResultStep.from_dict(data)

                            return componentsschemas_step_type_6
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_7 = GoogleSearchCallStep.from_dict(data)

                            return componentsschemas_step_type_7
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_8 = GoogleSearchResultStep.from_dict(data)

                            return componentsschemas_step_type_8
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_9 = URLContextCallStep.from_dict(data)

                            return componentsschemas_step_type_9
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_10 = URLContextResultStep.from_dict(data)

                            return componentsschemas_step_type_10
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_11 = GoogleMapsCallStep.from_dict(data)

                            return componentsschemas_step_type_11
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_12 = GoogleMapsResultStep.from_dict(data)

                            return componentsschemas_step_type_12
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_13 = FileSearchCallStep.from_dict(data)

                            return componentsschemas_step_type_13
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_14 = FileSearchResultStep.from_dict(data)

                            return componentsschemas_step_type_14
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_15 = MCPServerToolCallStep.from_dict(data)

                            return componentsschemas_step_type_15
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_16 = MCPServerToolResultStep.from_dict(data)

                            return componentsschemas_step_type_16
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_17 = RetrievalCallStep.from_dict(data)

                            return componentsschemas_step_type_17
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_18 = RetrievalResultStep.from_dict(data)

                            return componentsschemas_step_type_18
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_19 = ToolSearchCallStep.from_dict(data)

                            return componentsschemas_step_type_19
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_20 = ToolSearchResultStep.from_dict(data)

                            return componentsschemas_step_type_20
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            componentsschemas_step_type_21 = ProcessingCallStep.from_dict(data)

                            return componentsschemas_step_type_21
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_step_type_22 = ProcessingResultStep.from_dict(data)

                        return componentsschemas_step_type_22

                    componentsschemas_step_list_item = _parse_componentsschemas_step_list_item(
                        componentsschemas_step_list_item_data
                    )

                    componentsschemas_interactions_input_type_3.append(componentsschemas_step_list_item)

                return componentsschemas_interactions_input_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                componentsschemas_interactions_input_type_4 = []
                _componentsschemas_interactions_input_type_4 = data
                for (
                    componentsschemas_interactions_input_type_4_item_data
                ) in _componentsschemas_interactions_input_type_4:
                    componentsschemas_interactions_input_type_4_item = Turn.from_dict(
                        componentsschemas_interactions_input_type_4_item_data
                    )

                    componentsschemas_interactions_input_type_4.append(
                        componentsschemas_interactions_input_type_4_item
                    )

                return componentsschemas_interactions_input_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                AudioContent
                | DocumentContent
                | ImageContent
                | list[AudioContent | DocumentContent | ImageContent | TextContent | VideoContent]
                | list[
                    CodeExecutionCallStep
                    | CodeExecutionResultStep
                    | FileSearchCallStep
                    | FileSearchResultStep
                    | FunctionCallStep
                    | FunctionResultStep
                    | GoogleMapsCallStep
                    | GoogleMapsResultStep
                    | GoogleSearchCallStep
                    | GoogleSearchResultStep
                    | MCPServerToolCallStep
                    | MCPServerToolResultStep
                    | ModelOutputStep
                    | ProcessingCallStep
                    | ProcessingResultStep
                    | RetrievalCallStep
                    | RetrievalResultStep
                    | ThoughtStep
                    | ToolSearchCallStep
                    | ToolSearchResultStep
                    | URLContextCallStep
                    | URLContextResultStep
                    | UserInputStep
                ]
                | list[Turn]
                | str
                | TextContent
                | Unset
                | VideoContent,
                data,
            )

        input_ = _parse_input_(d.pop("input", UNSET))

        system_instruction = d.pop("system_instruction", UNSET)

        _tools = d.pop("tools", UNSET)
        tools: (
            list[
                CodeExecution
                | ComputerUse
                | FileSearch
                | Function
                | GoogleMaps
                | GoogleSearch
                | MCPServer
                | Retrieval
                | ToolSearch
                | URLContext
            ]
            | Unset
        ) = UNSET
        if _tools is not UNSET:
            tools = []
            for tools_item_data in _tools:

                def _parse_tools_item(
                    data: object,
                ) -> (
                    CodeExecution
                    | ComputerUse
                    | FileSearch
                    | Function
                    | GoogleMaps
                    | GoogleSearch
                    | MCPServer
                    | Retrieval
                    | ToolSearch
                    | URLContext
                ):
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_tool_type_0 = Function.from_dict(data)

                        return componentsschemas_tool_type_0
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_tool_type_1 = CodeExecution.from_dict(data)

                        return componentsschemas_tool_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_tool_type_2 = URLContext.from_dict(data)

                        return componentsschemas_tool_type_2
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_tool_type_3 = GoogleSearch.from_dict(data)

                        return componentsschemas_tool_type_3
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_tool_type_4 = GoogleMaps.from_dict(data)

                        return componentsschemas_tool_type_4
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_tool_type_5 = FileSearch.from_dict(data)

                        return componentsschemas_tool_type_5
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_tool_type_6 = MCPServer.from_dict(data)

                        return componentsschemas_tool_type_6
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_tool_type_7 = ComputerUse.from_dict(data)

                        return componentsschemas_tool_type_7
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_tool_type_8 = Retrieval.from_dict(data)

                        return componentsschemas_tool_type_8
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_tool_type_9 = ToolSearch.from_dict(data)

                    return componentsschemas_tool_type_9

                tools_item = _parse_tools_item(tools_item_data)

                tools.append(tools_item)

        def _parse_response_format(
            data: object,
        ) -> (
            AudioResponseFormat
            | ImageResponseFormat
            | JSONSchemaResponseFormat
            | list[
                AudioResponseFormat
                | ImageResponseFormat
                | JSONSchemaResponseFormat
                | TextResponseFormat
                | VideoResponseFormat
            ]
            | TextResponseFormat
            | Unset
            | VideoResponseFormat
        ):
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_typed_response_format_type_0 = TextResponseFormat.from_dict(data)

                return componentsschemas_typed_response_format_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_typed_response_format_type_1 = ImageResponseFormat.from_dict(data)

                return componentsschemas_typed_response_format_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_typed_response_format_type_2 = AudioResponseFormat.from_dict(data)

                return componentsschemas_typed_response_format_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_typed_response_format_type_3 = VideoResponseFormat.from_dict(data)

                return componentsschemas_typed_response_format_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_response_format_type_1 = JSONSchemaResponseFormat.from_dict(data)

                return componentsschemas_response_format_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, list):
                raise TypeError()
            componentsschemas_response_formats_type_1 = []
            _componentsschemas_response_formats_type_1 = data
            for (
                componentsschemas_response_formats_type_1_item_data
            ) in _componentsschemas_response_formats_type_1:

                def _parse_componentsschemas_response_formats_type_1_item(
                    data: object,
                ) -> (
                    AudioResponseFormat
                    | ImageResponseFormat
                    | JSONSchemaResponseFormat
                    | TextResponseFormat
                    | VideoResponseFormat
                ):
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_typed_response_format_type_0 = TextResponseFormat.from_dict(data)

                        return componentsschemas_typed_response_format_type_0
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_typed_response_format_type_1 = ImageResponseFormat.from_dict(data)

                        return componentsschemas_typed_response_format_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_typed_response_format_type_2 = AudioResponseFormat.from_dict(data)

                        return componentsschemas_typed_response_format_type_2
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        componentsschemas_typed_response_format_type_3 = VideoResponseFormat.from_dict(data)

                        return componentsschemas_typed_response_format_type_3
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_response_format_type_1 = JSONSchemaResponseFormat.from_dict(data)

                    return componentsschemas_response_format_type_1

                componentsschemas_response_formats_type_1_item = (
                    _parse_componentsschemas_response_formats_type_1_item(
                        componentsschemas_response_formats_type_1_item_data
                    )
                )

                componentsschemas_response_formats_type_1.append(
                    componentsschemas_response_formats_type_1_item
                )

            return componentsschemas_response_formats_type_1

        response_format = _parse_response_format(d.pop("response_format", UNSET))

        response_mime_type = d.pop("response_mime_type", UNSET)

        _response_modalities = d.pop("response_modalities", UNSET)
        response_modalities: list[Modality] | Unset = UNSET
        if _response_modalities is not UNSET:
            response_modalities = []
            for response_modalities_item_data in _response_modalities:
                response_modalities_item = check_modality(response_modalities_item_data)

                response_modalities.append(response_modalities_item)

        stream = d.pop("stream", UNSET)

        store = d.pop("store", UNSET)

        background = d.pop("background", UNSET)

        previous_interaction_id = d.pop("previous_interaction_id", UNSET)

        continuation_token = d.pop("continuation_token", UNSET)

        def _parse_environment(data: object) -> Environment | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_environment_ref_type_0 = Environment.from_dict(data)

                return componentsschemas_environment_ref_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Environment | str | Unset, data)

        environment = _parse_environment(d.pop("environment", UNSET))

        _safety_settings = d.pop("safety_settings", UNSET)
        safety_settings: list[SafetySetting] | Unset = UNSET
        if _safety_settings is not UNSET:
            safety_settings = []
            for safety_settings_item_data in _safety_settings:
                safety_settings_item = SafetySetting.from_dict(safety_settings_item_data)

                safety_settings.append(safety_settings_item)

        _service_tier = d.pop("service_tier", UNSET)
        service_tier: ServiceTier | Unset
        if isinstance(_service_tier, Unset):
            service_tier = UNSET
        else:
            service_tier = check_service_tier(_service_tier)

        _labels = d.pop("labels", UNSET)
        labels: CreateInteractionBaseLabels | Unset
        if isinstance(_labels, Unset):
            labels = UNSET
        else:
            labels = CreateInteractionBaseLabels.from_dict(_labels)

        _webhook_config = d.pop("webhook_config", UNSET)
        webhook_config: WebhookConfig | Unset
        if isinstance(_webhook_config, Unset):
            webhook_config = UNSET
        else:
            webhook_config = WebhookConfig.from_dict(_webhook_config)

        def _parse_agent_config(
            data: object,
        ) -> (
            AntigravityAgentConfig
            | CodeMenderAgentConfig
            | DeepResearchAgentConfig
            | DynamicAgentConfig
            | Unset
        ):
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_agent_config_type_0 = DynamicAgentConfig.from_dict(data)

                return componentsschemas_agent_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_agent_config_type_1 = DeepResearchAgentConfig.from_dict(data)

                return componentsschemas_agent_config_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_agent_config_type_2 = AntigravityAgentConfig.from_dict(data)

                return componentsschemas_agent_config_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_agent_config_type_3 = CodeMenderAgentConfig.from_dict(data)

            return componentsschemas_agent_config_type_3

        agent_config = _parse_agent_config(d.pop("agent_config", UNSET))

        create_agent_interaction = cls(
            agent=agent,
            input_=input_,
            system_instruction=system_instruction,
            tools=tools,
            response_format=response_format,
            response_mime_type=response_mime_type,
            response_modalities=response_modalities,
            stream=stream,
            store=store,
            background=background,
            previous_interaction_id=previous_interaction_id,
            continuation_token=continuation_token,
            environment=environment,
            safety_settings=safety_settings,
            service_tier=service_tier,
            labels=labels,
            webhook_config=webhook_config,
            agent_config=agent_config,
        )

        create_agent_interaction.additional_properties = d
        return create_agent_interaction

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
