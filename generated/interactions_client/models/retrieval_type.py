from typing import Literal

RetrievalType = Literal["exa_ai_search", "parallel_ai_search", "rag_store", "vertex_ai_search"]

RETRIEVAL_TYPE_VALUES: set[RetrievalType] = {
    "exa_ai_search",
    "parallel_ai_search",
    "rag_store",
    "vertex_ai_search",
}


def check_retrieval_type(value: str) -> RetrievalType:
    if value in RETRIEVAL_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RETRIEVAL_TYPE_VALUES!r}")
