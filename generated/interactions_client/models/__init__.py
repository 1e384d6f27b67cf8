"""Contains all the data models used in inputs/outputs"""

from .allowed_tools import AllowedTools
from .allowlist_entry import AllowlistEntry
from .allowlist_entry_transform_type_0 import AllowlistEntryTransformType0
from .allowlist_entry_transform_type_1_item import AllowlistEntryTransformType1Item
from .antigravity_agent_config import AntigravityAgentConfig
from .api_version import ApiVersion
from .arguments_delta import ArgumentsDelta
from .audio_content import AudioContent
from .audio_content_processing_type_0 import AudioContentProcessingType0
from .audio_delta import AudioDelta
from .audio_response_format import AudioResponseFormat
from .code_execution import CodeExecution
from .code_execution_call_arguments import CodeExecutionCallArguments
from .code_execution_call_delta import CodeExecutionCallDelta
from .code_execution_call_step import CodeExecutionCallStep
from .code_execution_result_delta import CodeExecutionResultDelta
from .code_execution_result_step import CodeExecutionResultStep
from .code_language import CodeLanguage
from .code_mender_agent_config import CodeMenderAgentConfig
from .code_mender_agent_config_session_config import CodeMenderAgentConfigSessionConfig
from .code_mender_mode import CodeMenderMode
from .code_mender_request import CodeMenderRequest
from .computer_use import ComputerUse
from .computer_use_environment import ComputerUseEnvironment
from .create_agent_interaction import CreateAgentInteraction
from .create_interaction_base import CreateInteractionBase
from .create_interaction_base_labels import CreateInteractionBaseLabels
from .create_model_interaction import CreateModelInteraction
from .deep_research_agent_config import DeepResearchAgentConfig
from .deep_research_visualization import DeepResearchVisualization
from .disabled_safety_policy import DisabledSafetyPolicy
from .document_content import DocumentContent
from .document_content_processing_type_0 import DocumentContentProcessingType0
from .document_delta import DocumentDelta
from .document_static_processing import DocumentStaticProcessing
from .document_static_processing_type import DocumentStaticProcessingType
from .dynamic_agent_config import DynamicAgentConfig
from .egress_allowlist import EgressAllowlist
from .egress_allowlist_allowlist_type_1 import EgressAllowlistAllowlistType1
from .empty import Empty
from .env_var import EnvVar
from .environment import Environment
from .environment_custom_config import EnvironmentCustomConfig
from .environment_env import EnvironmentEnv
from .environment_mode import EnvironmentMode
from .environment_network_type_0 import EnvironmentNetworkType0
from .environment_source import EnvironmentSource
from .environment_source_type import EnvironmentSourceType
from .environment_type import EnvironmentType
from .error import Error
from .error_event import ErrorEvent
from .error_response import ErrorResponse
from .external_search_config import ExternalSearchConfig
from .external_search_config_custom_config import ExternalSearchConfigCustomConfig
from .file_citation import FileCitation
from .file_citation_custom_metadata import FileCitationCustomMetadata
from .file_search import FileSearch
from .file_search_call_delta import FileSearchCallDelta
from .file_search_call_step import FileSearchCallStep
from .file_search_result_delta import FileSearchResultDelta
from .file_search_result_delta_result_item import FileSearchResultDeltaResultItem
from .file_search_result_step import FileSearchResultStep
from .function import Function
from .function_call_step import FunctionCallStep
from .function_call_step_arguments import FunctionCallStepArguments
from .function_parameters import FunctionParameters
from .function_result_delta import FunctionResultDelta
from .function_result_step import FunctionResultStep
from .generation_config import GenerationConfig
from .google_maps import GoogleMaps
from .google_maps_call_arguments import GoogleMapsCallArguments
from .google_maps_call_delta import GoogleMapsCallDelta
from .google_maps_call_step import GoogleMapsCallStep
from .google_maps_place import GoogleMapsPlace
from .google_maps_result import GoogleMapsResult
from .google_maps_result_delta import GoogleMapsResultDelta
from .google_maps_result_step import GoogleMapsResultStep
from .google_search import GoogleSearch
from .google_search_call_arguments import GoogleSearchCallArguments
from .google_search_call_delta import GoogleSearchCallDelta
from .google_search_call_step import GoogleSearchCallStep
from .google_search_result import GoogleSearchResult
from .google_search_result_delta import GoogleSearchResultDelta
from .google_search_result_step import GoogleSearchResultStep
from .google_search_type import GoogleSearchType
from .grounding_tool_count import GroundingToolCount
from .grounding_tool_type import GroundingToolType
from .harm_block_method import HarmBlockMethod
from .harm_block_threshold import HarmBlockThreshold
from .harm_category import HarmCategory
from .health_status import HealthStatus
from .health_status_checks import HealthStatusChecks
from .image_config import ImageConfig
from .image_content import ImageContent
from .image_delta import ImageDelta
from .image_response_format import ImageResponseFormat
from .image_size import ImageSize
from .interaction import Interaction
from .interaction_completed_event import InteractionCompletedEvent
from .interaction_created_event import InteractionCreatedEvent
from .interaction_labels import InteractionLabels
from .interaction_object import InteractionObject
from .interaction_role import InteractionRole
from .interaction_sse_event_interaction import InteractionSSEEventInteraction
from .interaction_sse_event_interaction_object import InteractionSSEEventInteractionObject
from .interaction_sse_frame import InteractionSSEFrame
from .interaction_sse_frame_data_type_0 import InteractionSSEFrameDataType0
from .interaction_status import InteractionStatus
from .interaction_status_update import InteractionStatusUpdate
from .json_schema_response_format import JSONSchemaResponseFormat
from .json_schema_type import JSONSchemaType
from .mcp_server import MCPServer
from .mcp_server_headers import MCPServerHeaders
from .mcp_server_tool_call_delta import MCPServerToolCallDelta
from .mcp_server_tool_call_delta_arguments import MCPServerToolCallDeltaArguments
from .mcp_server_tool_call_step import MCPServerToolCallStep
from .mcp_server_tool_call_step_arguments import MCPServerToolCallStepArguments
from .mcp_server_tool_result_delta import MCPServerToolResultDelta
from .mcp_server_tool_result_step import MCPServerToolResultStep
from .media_delivery import MediaDelivery
from .media_resolution import MediaResolution
from .modality import Modality
from .modality_tokens import ModalityTokens
from .model_output_step import ModelOutputStep
from .page_content_layer import PageContentLayer
from .page_processing_options import PageProcessingOptions
from .place_citation import PlaceCitation
from .processing_call_delta import ProcessingCallDelta
from .processing_call_step import ProcessingCallStep
from .processing_result_delta import ProcessingResultDelta
from .processing_result_step import ProcessingResultStep
from .rag_resource import RagResource
from .rag_retrieval_config import RagRetrievalConfig
from .rag_retrieval_config_filter import RagRetrievalConfigFilter
from .rag_retrieval_config_hybrid_search import RagRetrievalConfigHybridSearch
from .rag_retrieval_config_ranking import RagRetrievalConfigRanking
from .rag_retrieval_config_ranking_rank_service import RagRetrievalConfigRankingRankService
from .rag_store_config import RagStoreConfig
from .retrieval import Retrieval
from .retrieval_call_arguments import RetrievalCallArguments
from .retrieval_call_delta import RetrievalCallDelta
from .retrieval_call_step import RetrievalCallStep
from .retrieval_result_delta import RetrievalResultDelta
from .retrieval_result_step import RetrievalResultStep
from .retrieval_type import RetrievalType
from .review_snippet import ReviewSnippet
from .rpc_status import RpcStatus
from .rpc_status_details_item import RpcStatusDetailsItem
from .safety_setting import SafetySetting
from .service_tier import ServiceTier
from .smart_transcription_mode import SmartTranscriptionMode
from .source_file import SourceFile
from .speaker_config import SpeakerConfig
from .speech_annotation import SpeechAnnotation
from .speech_config import SpeechConfig
from .spreadsheet_content_layer import SpreadsheetContentLayer
from .spreadsheet_processing_options import SpreadsheetProcessingOptions
from .static_offsets_processing import StaticOffsetsProcessing
from .static_offsets_processing_type import StaticOffsetsProcessingType
from .step_delta import StepDelta
from .step_delta_metadata import StepDeltaMetadata
from .step_start import StepStart
from .step_stop import StepStop
from .text_annotation_delta import TextAnnotationDelta
from .text_content import TextContent
from .text_delta import TextDelta
from .text_response_format import TextResponseFormat
from .text_response_format_schema import TextResponseFormatSchema
from .text_response_mime_type import TextResponseMimeType
from .thinking_level import ThinkingLevel
from .thinking_summaries import ThinkingSummaries
from .thought_signature_delta import ThoughtSignatureDelta
from .thought_step import ThoughtStep
from .thought_summary_delta import ThoughtSummaryDelta
from .tool_choice_config import ToolChoiceConfig
from .tool_choice_type import ToolChoiceType
from .tool_result_type_2 import ToolResultType2
from .tool_search import ToolSearch
from .tool_search_call_arguments import ToolSearchCallArguments
from .tool_search_call_delta import ToolSearchCallDelta
from .tool_search_call_step import ToolSearchCallStep
from .tool_search_execution import ToolSearchExecution
from .tool_search_parameters import ToolSearchParameters
from .tool_search_result_delta import ToolSearchResultDelta
from .tool_search_result_step import ToolSearchResultStep
from .transcription_config import TranscriptionConfig
from .transcription_mode_name import TranscriptionModeName
from .turn import Turn
from .turn_role import TurnRole
from .url_citation import URLCitation
from .url_context import URLContext
from .url_context_call_arguments import URLContextCallArguments
from .url_context_call_delta import URLContextCallDelta
from .url_context_call_step import URLContextCallStep
from .url_context_result import URLContextResult
from .url_context_result_delta import URLContextResultDelta
from .url_context_result_step import URLContextResultStep
from .url_context_status import URLContextStatus
from .usage import Usage
from .user_input_step import UserInputStep
from .verbatim_transcription_mode import VerbatimTranscriptionMode
from .vertex_ai_search_config import VertexAISearchConfig
from .video_aspect_ratio import VideoAspectRatio
from .video_config import VideoConfig
from .video_content import VideoContent
from .video_content_layer import VideoContentLayer
from .video_delta import VideoDelta
from .video_processing_mode import VideoProcessingMode
from .video_resolution import VideoResolution
from .video_response_format import VideoResponseFormat
from .video_static_processing import VideoStaticProcessing
from .video_static_processing_type import VideoStaticProcessingType
from .video_task import VideoTask
from .webhook_config import WebhookConfig
from .webhook_config_user_metadata import WebhookConfigUserMetadata
from .word_info import WordInfo

__all__ = (
    "AllowedTools",
    "AllowlistEntry",
    "AllowlistEntryTransformType0",
    "AllowlistEntryTransformType1Item",
    "AntigravityAgentConfig",
    "ApiVersion",
    "ArgumentsDelta",
    "AudioContent",
    "AudioContentProcessingType0",
    "AudioDelta",
    "AudioResponseFormat",
    "CodeExecution",
    "CodeExecutionCallArguments",
    "CodeExecutionCallDelta",
    "CodeExecutionCallStep",
    "CodeExecutionResultDelta",
    "CodeExecutionResultStep",
    "CodeLanguage",
    "CodeMenderAgentConfig",
    "CodeMenderAgentConfigSessionConfig",
    "CodeMenderMode",
    "CodeMenderRequest",
    "ComputerUse",
    "ComputerUseEnvironment",
    "CreateAgentInteraction",
    "CreateInteractionBase",
    "CreateInteractionBaseLabels",
    "CreateModelInteraction",
    "DeepResearchAgentConfig",
    "DeepResearchVisualization",
    "DisabledSafetyPolicy",
    "DocumentContent",
    "DocumentContentProcessingType0",
    "DocumentDelta",
    "DocumentStaticProcessing",
    "DocumentStaticProcessingType",
    "DynamicAgentConfig",
    "EgressAllowlist",
    "EgressAllowlistAllowlistType1",
    "Empty",
    "Environment",
    "EnvironmentCustomConfig",
    "EnvironmentEnv",
    "EnvironmentMode",
    "EnvironmentNetworkType0",
    "EnvironmentSource",
    "EnvironmentSourceType",
    "EnvironmentType",
    "EnvVar",
    "Error",
    "ErrorEvent",
    "ErrorResponse",
    "ExternalSearchConfig",
    "ExternalSearchConfigCustomConfig",
    "FileCitation",
    "FileCitationCustomMetadata",
    "FileSearch",
    "FileSearchCallDelta",
    "FileSearchCallStep",
    "FileSearchResultDelta",
    "FileSearchResultDeltaResultItem",
    "FileSearchResultStep",
    "Function",
    "FunctionCallStep",
    "FunctionCallStepArguments",
    "FunctionParameters",
    "FunctionResultDelta",
    "FunctionResultStep",
    "GenerationConfig",
    "GoogleMaps",
    "GoogleMapsCallArguments",
    "GoogleMapsCallDelta",
    "GoogleMapsCallStep",
    "GoogleMapsPlace",
    "GoogleMapsResult",
    "GoogleMapsResultDelta",
    "GoogleMapsResultStep",
    "GoogleSearch",
    "GoogleSearchCallArguments",
    "GoogleSearchCallDelta",
    "GoogleSearchCallStep",
    "GoogleSearchResult",
    "GoogleSearchResultDelta",
    "GoogleSearchResultStep",
    "GoogleSearchType",
    "GroundingToolCount",
    "GroundingToolType",
    "HarmBlockMethod",
    "HarmBlockThreshold",
    "HarmCategory",
    "HealthStatus",
    "HealthStatusChecks",
    "ImageConfig",
    "ImageContent",
    "ImageDelta",
    "ImageResponseFormat",
    "ImageSize",
    "Interaction",
    "InteractionCompletedEvent",
    "InteractionCreatedEvent",
    "InteractionLabels",
    "InteractionObject",
    "InteractionRole",
    "InteractionSSEEventInteraction",
    "InteractionSSEEventInteractionObject",
    "InteractionSSEFrame",
    "InteractionSSEFrameDataType0",
    "InteractionStatus",
    "InteractionStatusUpdate",
    "JSONSchemaResponseFormat",
    "JSONSchemaType",
    "MCPServer",
    "MCPServerHeaders",
    "MCPServerToolCallDelta",
    "MCPServerToolCallDeltaArguments",
    "MCPServerToolCallStep",
    "MCPServerToolCallStepArguments",
    "MCPServerToolResultDelta",
    "MCPServerToolResultStep",
    "MediaDelivery",
    "MediaResolution",
    "Modality",
    "ModalityTokens",
    "ModelOutputStep",
    "PageContentLayer",
    "PageProcessingOptions",
    "PlaceCitation",
    "ProcessingCallDelta",
    "ProcessingCallStep",
    "ProcessingResultDelta",
    "ProcessingResultStep",
    "RagResource",
    "RagRetrievalConfig",
    "RagRetrievalConfigFilter",
    "RagRetrievalConfigHybridSearch",
    "RagRetrievalConfigRanking",
    "RagRetrievalConfigRankingRankService",
    "RagStoreConfig",
    "Retrieval",
    "RetrievalCallArguments",
    "RetrievalCallDelta",
    "RetrievalCallStep",
    "RetrievalResultDelta",
    "RetrievalResultStep",
    "RetrievalType",
    "ReviewSnippet",
    "RpcStatus",
    "RpcStatusDetailsItem",
    "SafetySetting",
    "ServiceTier",
    "SmartTranscriptionMode",
    "SourceFile",
    "SpeakerConfig",
    "SpeechAnnotation",
    "SpeechConfig",
    "SpreadsheetContentLayer",
    "SpreadsheetProcessingOptions",
    "StaticOffsetsProcessing",
    "StaticOffsetsProcessingType",
    "StepDelta",
    "StepDeltaMetadata",
    "StepStart",
    "StepStop",
    "TextAnnotationDelta",
    "TextContent",
    "TextDelta",
    "TextResponseFormat",
    "TextResponseFormatSchema",
    "TextResponseMimeType",
    "ThinkingLevel",
    "ThinkingSummaries",
    "ThoughtSignatureDelta",
    "ThoughtStep",
    "ThoughtSummaryDelta",
    "ToolChoiceConfig",
    "ToolChoiceType",
    "ToolResultType2",
    "ToolSearch",
    "ToolSearchCallArguments",
    "ToolSearchCallDelta",
    "ToolSearchCallStep",
    "ToolSearchExecution",
    "ToolSearchParameters",
    "ToolSearchResultDelta",
    "ToolSearchResultStep",
    "TranscriptionConfig",
    "TranscriptionModeName",
    "Turn",
    "TurnRole",
    "URLCitation",
    "URLContext",
    "URLContextCallArguments",
    "URLContextCallDelta",
    "URLContextCallStep",
    "URLContextResult",
    "URLContextResultDelta",
    "URLContextResultStep",
    "URLContextStatus",
    "Usage",
    "UserInputStep",
    "VerbatimTranscriptionMode",
    "VertexAISearchConfig",
    "VideoAspectRatio",
    "VideoConfig",
    "VideoContent",
    "VideoContentLayer",
    "VideoDelta",
    "VideoProcessingMode",
    "VideoResolution",
    "VideoResponseFormat",
    "VideoStaticProcessing",
    "VideoStaticProcessingType",
    "VideoTask",
    "WebhookConfig",
    "WebhookConfigUserMetadata",
    "WordInfo",
)
