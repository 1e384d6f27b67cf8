from typing import Literal

InteractionSSEFrameDataType0 = Literal["[DONE]"]

INTERACTION_SSE_FRAME_DATA_TYPE_0_VALUES: set[InteractionSSEFrameDataType0] = {
    "[DONE]",
}


def check_interaction_sse_frame_data_type_0(value: str) -> InteractionSSEFrameDataType0:
    if value in INTERACTION_SSE_FRAME_DATA_TYPE_0_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {INTERACTION_SSE_FRAME_DATA_TYPE_0_VALUES!r}"
    )
