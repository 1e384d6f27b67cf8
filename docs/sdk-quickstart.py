import asyncio

import parley

# No setup: the embedded default config answers every model name with SmolLM2 running on this
# machine (no API key, no network). To reach Gemini, OpenAI, Anthropic, ... use the gateway's
# config.yaml: parley.configure("config.yaml"), or set PARLEY_CONFIG=config.yaml.
interaction = parley.create_interaction(
    model="gemini-3-flash-preview",
    input="What color is the sky?",
    generation_config={"max_output_tokens": 40},
)
print(interaction.status, [step.type for step in interaction.steps])
print(parley.output_text(interaction))  # the same text as interaction.outputs[-1].text (deprecated)

# Continue the conversation: Parley keeps the history.
follow_up = parley.create_interaction(
    model="gemini-3-flash-preview",
    input="And at night?",
    previous_interaction_id=interaction.id,
    generation_config={"max_output_tokens": 40},
)
print(parley.output_text(follow_up))

# Stream typed events.
for event in parley.create_interaction(model="gemini-3-flash-preview", input="Count to five.", stream=True):
    if event.event_type == "step.delta" and event.delta.type == "text":
        print(event.delta.text, end="", flush=True)
print()


# Async twins: parley.acreate_interaction, parley.interactions.aget / adelete / acancel.
async def main() -> None:
    answer = await parley.acreate_interaction(model="gemini-3-flash-preview", input="Say hi.")
    print(answer.status, parley.output_text(answer))
    try:
        await parley.interactions.aget("v1_no-such-id")
    except parley.ApiError as error:
        print(error.status, error.code, error.message)


asyncio.run(main())
