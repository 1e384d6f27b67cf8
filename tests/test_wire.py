"""The small wire helpers every path relies on: input forms, stream accumulation, statuses."""

from __future__ import annotations

import re
import time

import pytest

from parley.errors import ApiError
from parley.wire import (
    StepAccumulator,
    estimated_usage,
    input_to_steps,
    legacy_outputs,
    new_id,
    output_text,
    settled_status,
)

TEXT = [{"type": "text", "text": "hi"}]


@pytest.mark.parametrize(
    "value",
    [
        "hi",
        {"type": "text", "text": "hi"},
        TEXT,
        [{"type": "user_input", "content": TEXT}],
        [{"type": "user_input", "content": "hi"}],  # REST samples send string content
        [{"role": "user", "content": "hi"}],  # the legacy Turn list
    ],
)
def test_every_input_form_becomes_the_same_user_step(value):
    assert input_to_steps(value) == [{"type": "user_input", "content": TEXT}]


def test_mixed_content_and_steps_are_refused():
    with pytest.raises(ApiError) as caught:
        input_to_steps([{"type": "text", "text": "a"}, {"type": "user_input", "content": TEXT}])
    assert caught.value.status == 400 and "mixes" in caught.value.message


def test_the_accumulator_rebuilds_steps_from_deltas():
    acc = StepAccumulator()
    for event in [
        {"event_type": "step.start", "index": 0, "step": {"type": "thought"}},
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "thought_summary", "content": {"type": "text", "text": "Pun "}},
        },
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "thought_summary", "content": {"type": "text", "text": "ahead."}},
        },
        {"event_type": "step.delta", "index": 0, "delta": {"type": "thought_signature", "signature": "c2ln"}},
        {"event_type": "step.stop", "index": 0},
        {"event_type": "step.start", "index": 1, "step": {"type": "model_output"}},
        {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "Hel"}},
        {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "lo"}},
        {"event_type": "step.stop", "index": 1},
        {
            "event_type": "step.start",
            "index": 2,
            "step": {"type": "function_call", "id": "c1", "name": "f", "arguments": {}},
        },
        {"event_type": "step.delta", "index": 2, "delta": {"type": "arguments_delta", "arguments": '{"a": '}},
        {"event_type": "step.delta", "index": 2, "delta": {"type": "arguments_delta", "arguments": "1}"}},
        {"event_type": "step.stop", "index": 2},
    ]:
        acc.apply(event)
    assert acc.steps == [
        {"type": "thought", "summary": [{"type": "text", "text": "Pun ahead."}], "signature": "c2ln"},
        {"type": "model_output", "content": [{"type": "text", "text": "Hello"}]},
        {"type": "function_call", "id": "c1", "name": "f", "arguments": {"a": 1}},
    ]
    assert output_text(acc.steps[:2]) == "Hello"
    assert legacy_outputs(acc.steps)[1] == {"type": "text", "text": "Hello"}


def test_text_deltas_accumulate_in_linear_time_and_in_order():
    # A 20 MB answer in 100k deltas: copying the text at every delta (what `text += delta`
    # does) takes minutes; joining once takes well under a second.
    acc = StepAccumulator()
    acc.apply({"event_type": "step.start", "index": 0, "step": {"type": "model_output", "content": TEXT}})
    piece = "x" * 199 + "\n"
    started = time.process_time()
    for _ in range(100_000):
        acc.apply({"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": piece}})
    text = acc.steps[0]["content"][0]["text"]
    assert time.process_time() - started < 5
    assert text == "hi" + piece * 100_000
    # Deltas that are not text see the text whole, and a new text part starts after them.
    for delta in (
        {"type": "text", "text": " more"},
        {"type": "text_annotation_delta", "annotations": [{"type": "url_citation", "url": "u"}]},
        {"type": "text", "text": " and"},
        {"type": "image", "data": "aW1n", "mime_type": "image/png"},
        {"type": "text", "text": "after"},
        {"type": "text", "text": " image"},
    ):
        acc.apply({"event_type": "step.delta", "index": 0, "delta": delta})
    acc.apply({"event_type": "step.stop", "index": 0})
    content = acc.steps[0]["content"]
    assert [part["type"] for part in content] == ["text", "image", "text"]
    assert content[0]["text"].endswith(piece + " more and")
    assert content[0]["annotations"] == [{"type": "url_citation", "url": "u"}]
    assert content[2] == {"type": "text", "text": "after image"}


@pytest.mark.parametrize(
    "status, steps, expected",
    [
        (
            "completed",
            [{"type": "function_call", "id": "c1", "name": "f", "arguments": {}}],
            "requires_action",
        ),
        (
            "completed",
            [
                {"type": "function_call", "id": "c1", "name": "f", "arguments": {}},
                {"type": "function_result", "call_id": "c1", "result": "ok"},
                {"type": "model_output", "content": TEXT},
            ],
            "completed",
        ),
        ("completed", [{"type": "model_output", "content": TEXT}], "completed"),
        ("incomplete", [{"type": "function_call", "id": "c1", "name": "f", "arguments": {}}], "incomplete"),
    ],
)
def test_a_turn_ending_in_an_unanswered_call_requires_action(status, steps, expected):
    assert settled_status(status, steps) == expected


def test_ids_sort_by_the_time_they_were_made_and_keep_96_random_bits():
    batches = []
    for _ in range(3):
        batches.append([new_id() for _ in range(50)])
        time.sleep(0.002)  # the next batch is a later millisecond
    ids = [ident for batch in batches for ident in batch]
    assert all(re.fullmatch(r"v1_[A-Za-z0-9_-]{24}", ident) for ident in ids)
    assert len(set(ids)) == len(ids)
    # As text (SQLite compares bytes), a later millisecond's ids sort after an earlier one's: the
    # store's keys grow at their B-trees' edge.
    for earlier, later in zip(batches, batches[1:], strict=False):
        assert max(earlier) < min(later)
    # Within a millisecond only the random part differs, and it does.
    assert len({ident[11:] for ident in batches[0]}) == 50
    assert new_id("req_").startswith("req_") and len(new_id("req_")) == 28


def test_an_estimated_usage_counts_text_not_media_or_ids():
    image = {"type": "image", "mime_type": "image/png", "data": "A" * 4000}
    prompt = ["Be brief.", [{"type": "user_input", "content": [{"type": "text", "text": "x" * 10}, image]}]]
    output = [{"type": "model_output", "id": "s1", "content": [{"type": "text", "text": "y" * 9}]}]
    usage = estimated_usage(prompt, output)
    # 9 + 10 characters in, 9 out, at 4 a token, rounded up
    assert usage == {"total_input_tokens": 5, "total_output_tokens": 3, "total_tokens": 8}
    assert estimated_usage([None, []], []) == {
        "total_input_tokens": 0,
        "total_output_tokens": 0,
        "total_tokens": 0,
    }
