"""Imported only by the benchmark workers' fork server (see ``core.bench._workers``): the one-time work of a
process's first litellm Router and first call, done once there instead of in every worker it forks.

Measured in a worker: without it the first cells waited ~0.25 s for lazy imports and ~0.1 s for pydantic to
build the schemas of litellm's router and response types. Nothing here may call a model: litellm's native
runtime refuses to run in a process forked after its first call. A module that a newer litellm no longer has
is skipped (the worker then imports what it needs itself).
"""

from __future__ import annotations

import contextlib
import importlib

# What a first call imports lazily (litellm 1.110), besides what building a Router imports.
_LAZY = (
    "duckdb",
    "rapidfuzz",
    "core.gateway.offline",
    "litellm.llms.github_copilot.per_user_auth",
    "litellm.llms.openai.chat.gpt_audio_transformation",
    "litellm.proxy._types",
    "litellm.proxy.mcp_server.stdio_gate",
    "litellm.proxy.openai_files_endpoints.common_utils",
    "litellm.router_rust.invoke.prompt_management",
    "litellm.router_strategy.auto_router.baseline_request",
    "litellm.router_utils.client_initalization_utils",
    "litellm.router_utils.pre_call_checks.continuation_prefill_check",
)


def warm_up() -> None:
    for name in _LAZY:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    import litellm
    from litellm.router import Router
    from openai.types.chat import ChatCompletion

    # A Router with one deployment (no prices: those would be registered in litellm's global cost map).
    Router(
        model_list=[{"model_name": "warm-up", "litellm_params": {"model": "openai/warm-up", "api_key": "-"}}]
    )
    answer = {
        "id": "warm-up",
        "object": "chat.completion",
        "created": 0,
        "model": "warm-up",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "-"}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    ChatCompletion.model_validate(answer)
    litellm.ModelResponse(**answer)


warm_up()
