"""What a request cost, in USD, from its usage and the deployment's prices.

Prices come from the `genai-prices` package's bundled table (no network: its auto-update is never
started), or from `litellm_params.input_cost_per_token` / `output_cost_per_token` on a deployment,
which win. The local llama.cpp model is free. A deployment without a known price costs `None`
(unknown), never a made-up 0; a key with a budget may not use it (parley.keys).

genai-prices' own `calc_price` takes ~0.9 ms (it decomposes the usage into priced units every
time), so it is asked only a few times per price version: a flat price is linear in input, cached
and output tokens, and those three rates are read off it once and memoised. Tiered prices (e.g.
per context length) keep calling the library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from genai_prices import Usage, data_snapshot
from genai_prices.types import ModelInfo, ModelPrice, Provider, TieredPrices

from parley.providers import Deployment

# Parley's adapter key -> genai-prices provider id.
_PROVIDER_IDS = {
    "gemini": "google",
    "openai": "openai",
    "openai_chat": "openai",
    "anthropic": "anthropic",
    "azure": "azure",
}
_MTOK = 1_000_000


@dataclass(frozen=True)
class Tokens:
    """The billable token counts of one request."""

    input: int = 0  # all input tokens, cached ones included
    cached: int = 0  # the part of `input` read from a cache
    output: int = 0  # output and thought tokens (both billed as output)

    @classmethod
    def of(cls, usage: Mapping[str, Any]) -> Tokens:
        def count(name: str) -> int:
            value = usage.get(name)
            return int(value) if isinstance(value, int | float) and value > 0 else 0

        return cls(
            input=count("total_input_tokens") or count("input_tokens"),
            cached=count("total_cached_tokens"),
            output=(count("total_output_tokens") or count("output_tokens")) + count("total_thought_tokens"),
        )


@dataclass(frozen=True)
class _Rates:
    """USD per token: input (uncached), the extra for a cached input token (usually negative), output."""

    input: float
    cached_delta: float
    output: float

    def cost(self, tokens: Tokens) -> float:
        return tokens.input * self.input + tokens.cached * self.cached_delta + tokens.output * self.output


class _TablePrice:
    """A deployment priced by the genai-prices table."""

    def __init__(self, provider: Provider, model: ModelInfo):
        self.provider, self.model = provider, model
        self._rates: dict[int, tuple[ModelPrice, _Rates | None]] = {}

    def _library(self, tokens: Tokens) -> float:
        usage = Usage(input_tokens=tokens.input, cache_read_tokens=tokens.cached, output_tokens=tokens.output)
        return float(self.model.calc_price(usage, self.provider).total_price)

    def cost(self, tokens: Tokens) -> float:
        price = self.model.get_prices(datetime.now(UTC))
        known = self._rates.get(id(price))
        if known is None or known[0] is not price:
            flat = not any(isinstance(v, TieredPrices) for v in vars(price).values())
            rates = None
            if flat:
                base = self._library(Tokens(input=_MTOK))
                rates = _Rates(
                    input=base / _MTOK,
                    cached_delta=(self._library(Tokens(input=_MTOK, cached=_MTOK)) - base) / _MTOK,
                    output=self._library(Tokens(output=_MTOK)) / _MTOK,
                )
            known = self._rates[id(price)] = (price, rates)
        rates = known[1]
        return rates.cost(tokens) if rates is not None else self._library(tokens)


class _FixedPrice:
    """`input_cost_per_token` / `output_cost_per_token` from the deployment's litellm_params."""

    def __init__(self, input_rate: float, output_rate: float):
        self.rates = _Rates(input=input_rate, cached_delta=0.0, output=output_rate)

    def cost(self, tokens: Tokens) -> float:
        return self.rates.cost(tokens)


_FREE = _FixedPrice(0.0, 0.0)


def _price_for(dep: Deployment) -> _TablePrice | _FixedPrice | None:
    params = dep.params
    fixed_in, fixed_out = params.get("input_cost_per_token"), params.get("output_cost_per_token")
    if fixed_in is not None or fixed_out is not None:
        return _FixedPrice(float(fixed_in or 0.0), float(fixed_out or 0.0))
    if dep.provider == "local":
        return _FREE
    provider_id = _PROVIDER_IDS.get(dep.provider)
    # An OpenAI-compatible server (Groq, Together, …) is recognised by its URL.
    by_url = dep.api_base if dep.provider == "openai_chat" and dep.api_base else None
    try:
        provider, model = data_snapshot.get_snapshot().find_provider_model(
            dep.model, None, None if by_url else provider_id, by_url
        )
    except LookupError:
        return None
    return _TablePrice(provider, model)


class Pricing:
    """Per-deployment prices, resolved once at start-up."""

    def __init__(self, deployments: list[Deployment]):
        self._prices = {dep.id: _price_for(dep) for dep in deployments}

    def known(self, dep: Deployment) -> bool:
        return self._prices.get(dep.id) is not None

    def cost(self, dep: Deployment | None, usage: Mapping[str, Any]) -> float | None:
        """USD for this usage on this deployment; None when its price is unknown."""
        if dep is None:
            return 0.0  # no deployment answered: nothing was billed
        price = self._prices.get(dep.id)
        if price is None:
            return None
        return round(price.cost(Tokens.of(usage)), 10)


def usd(value: float | Decimal | None) -> str:
    """A cost as the header and log write it: plain decimal, no exponent."""
    return "" if value is None else f"{float(value):.10f}".rstrip("0").rstrip(".") or "0"


__all__ = ["Pricing", "Tokens", "usd"]
