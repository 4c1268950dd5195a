"""A local OpenAI-compatible provider for tests and benchmarks: paid APIs are faked over the wire only.

The server is a small Starlette app served by uvicorn in its own process::

    python -m core.testing.fake_provider --host 127.0.0.1 --port 0 [--config JSON_OR_PATH]

It prints one line, ``READY http://127.0.0.1:PORT``, once it accepts connections. Endpoints:

- ``POST /v1/chat/completions``: OpenAI chat completions, plain or ``stream: true`` (SSE chunks ending with
  ``data: [DONE]``, and a final usage chunk when ``stream_options.include_usage`` is true).
- ``GET /v1/models``: the configured model names.
- ``POST /_control/configure``: ``{"model-name": {behaviour fields}, ...}``; replaces those models' behaviour.
- ``POST /_control/reset``: back to the startup behaviours; counts and recorded requests cleared.
- ``GET /_control/stats``: request counts per model and outcome, plus the last requests (body and headers,
  never ``Authorization``).

Each model behaves as its ``Behaviour`` says; models without one use the behaviour of ``"*"``, else the
defaults. In tests, use :class:`FakeProvider` (or the ``fake_provider`` pytest fixture): it starts and stops
the process.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Literal, Self, cast

import httpx
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from core.errors import ConfigError, TravelOpsError

if TYPE_CHECKING:
    import socket

    import uvicorn

__all__ = [
    "Behaviour",
    "FakeProvider",
    "FakeProviderError",
    "FakeStats",
    "RecordedRequest",
    "ToolCallSpec",
    "build_app",
    "main",
    "parse_behaviours",
]

WILDCARD = "*"
_REDACTED_HEADERS = frozenset({"authorization", "api-key", "x-api-key"})
_DEFAULT_KEEP_REQUESTS = 100
_ERROR_KINDS: dict[int, tuple[str, str]] = {
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", "internal_error"),
    503: ("server_error", "service_unavailable"),
}
_CONFIG_EXAMPLE = '{"*": {"latency_ms": 5}, "gpt-4o-mini": {"reply": "Hi", "fail_first": 1}}'


class FakeProviderError(TravelOpsError):
    """The fake provider process could not be started, reached or stopped."""


class ToolCallSpec(BaseModel):
    """One tool call the fake model makes: the function name and its arguments (sent JSON-encoded)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    arguments: dict[str, Any] = Field(default_factory=dict)


class Behaviour(BaseModel):
    """How the fake provider answers requests for one model. Every field has a harmless default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency_ms: float = Field(default=0.0, ge=0, description="Delay before answering (errors too).")
    reply: str | None = Field(
        default=None,
        description="Reply text; '{prompt}' is replaced by the last user message. "
        "Default: a short deterministic answer naming the model.",
    )
    prompt_tokens: int | None = Field(default=None, ge=0, description="Default: ~4 characters per token.")
    completion_tokens: int | None = Field(default=None, ge=0, description="Default: ~4 characters per token.")
    cached_tokens: int = Field(
        default=0, ge=0, description="Sent as usage.prompt_tokens_details.cached_tokens."
    )
    cache_creation_tokens: int | None = Field(
        default=None,
        ge=0,
        description="Sent as usage.cache_creation_input_tokens (Anthropic-style cache writes).",
    )
    fail_first: int = Field(default=0, ge=0, description="The first N requests to the model fail.")
    fail_every: int = Field(default=0, ge=0, description="Every k-th request to the model fails (0: never).")
    fail_status: Literal[429, 500, 503] = Field(default=500, description="HTTP status of injected failures.")
    timeout: bool = Field(
        default=False, description="Hang for hang_s before answering, so the client times out."
    )
    hang_s: float = Field(default=30.0, gt=0, description="How long a 'timeout' request hangs.")
    tool_calls: list[ToolCallSpec] | None = Field(
        default=None,
        description="Returned as tool_calls if the request has tools and its last message is no tool result.",
    )
    json_reply: dict[str, Any] | None = Field(default=None, description="Returned as JSON text content.")
    quality: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Probability that a text reply starts with 'CORRECT:' (else 'INCORRECT:'), "
        "deterministic per model and prompt.",
    )


def parse_behaviours(raw: object, *, source: str) -> dict[str, Behaviour]:
    """Validate a ``{model: behaviour}`` mapping, raising :class:`ConfigError` that names every bad field."""
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"{source} must be a JSON object mapping model names to behaviours, got {type(raw).__name__}.",
            hint=f"Example: {_CONFIG_EXAMPLE}",
        )
    behaviours: dict[str, Behaviour] = {}
    problems: list[str] = []
    for model, fields in cast("Mapping[object, object]", raw).items():
        if isinstance(fields, Behaviour):
            behaviours[str(model)] = fields
            continue
        try:
            behaviours[str(model)] = Behaviour.model_validate(fields)
        except PydanticValidationError as e:
            problems.extend(_describe(e, prefix=str(model)))
    if problems:
        raise ConfigError(
            f"Invalid fake-provider behaviour in {source}:",
            problems=problems,
            hint=f"Known fields: {', '.join(Behaviour.model_fields)}.",
        )
    return behaviours


def _describe(error: PydanticValidationError, *, prefix: str) -> list[str]:
    lines: list[str] = []
    for item in error.errors():
        where = ".".join([prefix, *(str(p) for p in item["loc"])])
        lines.append(f"{where}: {item['msg']} (got {item.get('input')!r})")
    return lines


# ---------------------------------------------------------------------------------------------- the server


def _as_dict(value: object) -> dict[str, Any] | None:
    """A JSON object from a request body as a dict, else None."""
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def _text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [_as_dict(part) for part in cast("list[object]", content)]
        return " ".join(str(part.get("text", "")) for part in parts if part is not None)
    return ""


def _tokens(chars: int) -> int:
    return max(1, (chars + 3) // 4)


class _ServerState:
    """Behaviours, counters and recorded requests; all mutation happens on the event loop thread."""

    def __init__(self, behaviours: Mapping[str, Behaviour], keep_requests: int) -> None:
        self.initial = dict(behaviours)
        self.behaviours = dict(behaviours)
        self.default = self.behaviours.get(WILDCARD, Behaviour())
        self.seen: dict[str, int] = {}  # per model, since its last configure: drives fail_first / fail_every
        self.by_model: Counter[str] = Counter()
        self.by_outcome: Counter[str] = Counter()
        self.by_model_outcome: dict[str, Counter[str]] = {}
        self.recent: deque[dict[str, Any]] = deque(maxlen=keep_requests)
        self.next_id = 0

    def reset(self) -> None:
        self.behaviours = dict(self.initial)
        self.default = self.behaviours.get(WILDCARD, Behaviour())
        self.seen.clear()
        self.by_model.clear()
        self.by_outcome.clear()
        self.by_model_outcome.clear()
        self.recent.clear()

    def configure(self, behaviours: Mapping[str, Behaviour]) -> None:
        for model, behaviour in behaviours.items():
            self.behaviours[model] = behaviour
            if model == WILDCARD:
                self.default = behaviour
                for seen_model in [m for m in self.seen if m not in self.behaviours]:
                    del self.seen[seen_model]
            else:
                self.seen.pop(model, None)

    def record(self, model: str, outcome: str, path: str, body: object, request: Request) -> None:
        self.by_model[model] += 1
        self.by_outcome[outcome] += 1
        self.by_model_outcome.setdefault(model, Counter())[outcome] += 1
        headers = {k: v for k, v in request.headers.items() if k not in _REDACTED_HEADERS}
        self.recent.append(
            {"model": model, "outcome": outcome, "path": path, "body": body, "headers": headers}
        )

    def stats(self) -> dict[str, Any]:
        return {
            "total": sum(self.by_outcome.values()),
            "by_model": dict(self.by_model),
            "by_outcome": dict(self.by_outcome),
            "by_model_outcome": {m: dict(c) for m, c in self.by_model_outcome.items()},
            "last_requests": list(self.recent),
        }


def _json(payload: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(payload), status_code=status, headers=headers, media_type="application/json")


def _error(
    status: int, message: str, kind: str, code: str, headers: Mapping[str, str] | None = None
) -> Response:
    return _json({"error": {"message": message, "type": kind, "param": None, "code": code}}, status, headers)


async def _hang(request: Request, seconds: float) -> None:
    """Wait ``seconds``, or less if the client hangs up first (so no handler outlives its connection)."""
    deadline = asyncio.get_running_loop().time() + seconds
    receive = request.receive
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            message = await asyncio.wait_for(receive(), timeout=left)
        except TimeoutError:
            return
        if message["type"] == "http.disconnect":
            return


class _Answer:
    """What one chat request gets back: text or tool calls, and its usage."""

    __slots__ = ("content", "finish_reason", "tool_calls", "usage")

    def __init__(self, model: str, body: dict[str, Any], behaviour: Behaviour) -> None:
        messages: list[object] = body["messages"]
        last = (_as_dict(messages[-1]) if messages else None) or {}
        chat = [m for m in map(_as_dict, messages) if m is not None]
        prompt = next((_text(m.get("content")) for m in reversed(chat) if m.get("role") == "user"), "")
        self.tool_calls: list[dict[str, Any]] | None = None
        self.content: str | None = None
        if behaviour.tool_calls and body.get("tools") and last.get("role") != "tool":
            self.tool_calls = [
                {
                    "id": f"call_fake_{i}",
                    "type": "function",
                    "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                }
                for i, call in enumerate(behaviour.tool_calls)
            ]
            self.finish_reason = "tool_calls"
            out_chars = sum(
                len(c["function"]["name"]) + len(c["function"]["arguments"]) for c in self.tool_calls
            )
        else:
            self.content = self._content(model, prompt, messages, last, behaviour)
            self.finish_reason = "stop"
            out_chars = len(self.content)
        in_chars = sum(len(_text(m.get("content"))) for m in chat)
        prompt_tokens = behaviour.prompt_tokens if behaviour.prompt_tokens is not None else _tokens(in_chars)
        completion_tokens = (
            behaviour.completion_tokens if behaviour.completion_tokens is not None else _tokens(out_chars)
        )
        self.usage: dict[str, Any] = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": behaviour.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
        if behaviour.cache_creation_tokens is not None:
            self.usage["cache_creation_input_tokens"] = behaviour.cache_creation_tokens

    @staticmethod
    def _content(model: str, prompt: str, messages: list[object], last: dict[str, Any], b: Behaviour) -> str:
        if b.json_reply is not None:
            return json.dumps(b.json_reply)
        text = b.reply.replace("{prompt}", prompt) if b.reply is not None else f"Fake answer from {model}."
        if b.quality is not None:
            digest = hashlib.blake2b(f"{model}\n{prompt}".encode(), digest_size=8).digest()
            correct = int.from_bytes(digest, "big") / 2**64 < b.quality
            text = ("CORRECT: " if correct else "INCORRECT: ") + text
        if last.get("role") == "tool":
            results: list[str] = []
            for message in map(_as_dict, reversed(messages)):
                if message is None or message.get("role") != "tool":
                    break
                results.append(_text(message.get("content")))
            text += "\nTool results: " + " | ".join(reversed(results))
        return text


class _FakeProviderApp:
    def __init__(self, state: _ServerState) -> None:
        self.state = state

    async def chat_completions(self, request: Request) -> Response:
        state = self.state
        try:
            raw: object = json.loads(await request.body())
        except ValueError as e:
            state.record("?", "bad_request", request.url.path, None, request)
            return _error(
                400, f"Request body is not valid JSON: {e}.", "invalid_request_error", "invalid_json"
            )
        body = _as_dict(raw)
        if (
            body is None
            or not isinstance(body.get("model"), str)
            or not isinstance(body.get("messages"), list)
        ):
            state.record("?", "bad_request", request.url.path, raw, request)
            return _error(
                400,
                "A chat completion request needs 'model' (string) and 'messages' (list).",
                "invalid_request_error",
                "invalid_request",
            )
        model: str = body["model"]
        behaviour = state.behaviours.get(model, state.default)
        seen = state.seen[model] = state.seen.get(model, 0) + 1
        failing = seen <= behaviour.fail_first or (
            behaviour.fail_every > 0 and seen % behaviour.fail_every == 0
        )
        outcome = f"error_{behaviour.fail_status}" if failing else "timeout" if behaviour.timeout else "ok"
        state.record(model, outcome, request.url.path, body, request)

        if behaviour.latency_ms:
            await asyncio.sleep(behaviour.latency_ms / 1000)
        if failing:
            status = behaviour.fail_status
            kind, code = _ERROR_KINDS[status]
            return _error(
                status,
                f"Injected failure {status} for model '{model}' (request {seen}; fail_first="
                f"{behaviour.fail_first}, fail_every={behaviour.fail_every}).",
                kind,
                code,
                {"retry-after": "0"} if status == 429 else None,
            )
        if behaviour.timeout:
            await _hang(request, behaviour.hang_s)

        answer = _Answer(model, body, behaviour)
        state.next_id += 1
        completion_id = f"chatcmpl-fake{state.next_id}"
        if body.get("stream"):
            options = _as_dict(body.get("stream_options"))
            include_usage = options is not None and bool(options.get("include_usage"))
            return StreamingResponse(
                _chunks(completion_id, model, answer, include_usage),
                media_type="text/event-stream",
                headers={"cache-control": "no-cache"},
            )
        message: dict[str, Any] = {"role": "assistant", "content": answer.content, "refusal": None}
        if answer.tool_calls is not None:
            message["tool_calls"] = answer.tool_calls
        return _json(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [
                    {"index": 0, "message": message, "logprobs": None, "finish_reason": answer.finish_reason}
                ],
                "usage": answer.usage,
            }
        )

    async def models(self, request: Request) -> Response:
        names = sorted(m for m in self.state.behaviours if m != WILDCARD)
        return _json(
            {
                "object": "list",
                "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "fake-provider"} for m in names
                ],
            }
        )

    async def configure(self, request: Request) -> Response:
        try:
            behaviours = parse_behaviours(json.loads(await request.body()), source="POST /_control/configure")
        except ValueError as e:  # JSONDecodeError
            return _error(422, f"Body is not valid JSON: {e}.", "invalid_request_error", "invalid_json")
        except ConfigError as e:
            return _error(422, str(e), "invalid_request_error", "invalid_behaviour")
        self.state.configure(behaviours)
        return _json({"configured": sorted(behaviours)})

    async def reset(self, request: Request) -> Response:
        self.state.reset()
        return _json({"reset": True})

    async def stats(self, request: Request) -> Response:
        return _json(self.state.stats())


async def _chunks(
    completion_id: str, model: str, answer: _Answer, include_usage: bool
) -> AsyncIterator[bytes]:
    created = int(time.time())
    head = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model}
    head["system_fingerprint"] = "fp_fake"
    extra: dict[str, Any] = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return b"data: " + json.dumps({**head, "choices": [choice], **extra}).encode() + b"\n\n"

    if answer.tool_calls is not None:
        for i, call in enumerate(answer.tool_calls):
            delta: dict[str, Any] = {"tool_calls": [{"index": i, **call}]}
            if i == 0:
                delta = {"role": "assistant", "content": None, **delta}
            yield chunk(delta)
    else:
        yield chunk({"role": "assistant", "content": "", "refusal": None})
        text = answer.content or ""
        for start in range(0, len(text), 16):
            yield chunk({"content": text[start : start + 16]})
    yield chunk({}, answer.finish_reason)
    if include_usage:
        yield b"data: " + json.dumps({**head, "choices": [], "usage": answer.usage}).encode() + b"\n\n"
    yield b"data: [DONE]\n\n"


def build_app(
    behaviours: Mapping[str, Behaviour] | None = None, *, keep_requests: int = _DEFAULT_KEEP_REQUESTS
) -> Starlette:
    """The ASGI app; ``behaviours`` are the startup behaviours that ``/_control/reset`` returns to."""
    app = _FakeProviderApp(_ServerState(behaviours or {}, keep_requests))
    return Starlette(
        routes=[
            Route("/v1/chat/completions", app.chat_completions, methods=["POST"]),
            Route("/chat/completions", app.chat_completions, methods=["POST"]),
            Route("/v1/models", app.models, methods=["GET"]),
            Route("/_control/configure", app.configure, methods=["POST"]),
            Route("/_control/reset", app.reset, methods=["POST"]),
            Route("/_control/stats", app.stats, methods=["GET"]),
        ]
    )


def _load_config(value: str | None) -> dict[str, Behaviour]:
    """``--config`` is inline JSON (starts with '{') or the path of a JSON file."""
    if value is None:
        return {}
    source = "--config"
    text = value
    if not value.lstrip().startswith("{"):
        source = f"--config file {value}"
        try:
            text = Path(value).read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(
                f"{source} could not be read: {e.strerror}.",
                hint=f"Pass inline JSON such as '{_CONFIG_EXAMPLE}' or the path of a JSON file.",
            ) from e
    try:
        raw = json.loads(text)
    except ValueError as e:
        raise ConfigError(
            f"{source} is not valid JSON: {e}.", hint=f"Example of a valid value: '{_CONFIG_EXAMPLE}'."
        ) from e
    return parse_behaviours(raw, source=source)


def _make_server(config: uvicorn.Config, ready_url: str, parent_pid: int | None) -> uvicorn.Server:
    import uvicorn

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                print(f"READY {ready_url}", flush=True)
                if parent_pid is not None:
                    self._watchdog = asyncio.ensure_future(self._exit_with_parent(parent_pid))

        async def _exit_with_parent(self, pid: int) -> None:
            while os.getppid() == pid:
                await asyncio.sleep(0.5)
            self.should_exit = True

    return _Server(config)


def main(argv: list[str] | None = None) -> int:
    """Run the server until SIGINT/SIGTERM (or, with ``--parent-pid``, until that process is gone)."""
    import socket

    import uvicorn

    parser = argparse.ArgumentParser(
        prog="python -m core.testing.fake_provider", description="Local OpenAI-compatible fake provider."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=0, help="0 picks a free port (printed on the READY line)."
    )
    parser.add_argument("--config", help=f"JSON object (or path of a JSON file), e.g. '{_CONFIG_EXAMPLE}'.")
    parser.add_argument(
        "--keep-requests", type=int, default=_DEFAULT_KEEP_REQUESTS, help="Requests kept in stats."
    )
    parser.add_argument("--parent-pid", type=int, help="Exit when this process is no longer our parent.")
    args = parser.parse_args(argv)
    try:
        behaviours = _load_config(args.config)
    except ConfigError as e:
        print(f"fake_provider: {e}", file=sys.stderr, flush=True)
        return 2

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on those (else Nagle adds ~40 ms a reply).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as e:
        print(
            f"fake_provider: cannot bind {args.host}:{args.port}: {e.strerror}.", file=sys.stderr, flush=True
        )
        return 2
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if family == socket.AF_INET6 else args.host
    config = uvicorn.Config(
        build_app(behaviours, keep_requests=args.keep_requests),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
        # httptools (a dependency) parses HTTP in C: half the CPU per request of uvicorn's pure-Python h11
        # (measured 0.5 -> 0.24 ms), which matters because the fake shares the machine with what it serves.
        http="httptools",
    )
    server = _make_server(config, f"http://{host}:{port}", args.parent_pid)
    server.run(sockets=[sock])
    return 0


# ----------------------------------------------------------------------------------------- the client handle


class RecordedRequest(BaseModel):
    """One request as the server saw it (headers without Authorization)."""

    model: str
    outcome: str
    path: str
    body: Any
    headers: dict[str, str]


class FakeStats(BaseModel):
    """Request counts since the last reset, and the most recent requests (oldest first)."""

    total: int
    by_model: dict[str, int]
    by_outcome: dict[str, int]
    by_model_outcome: dict[str, dict[str, int]]
    last_requests: list[RecordedRequest]

    def count(self, model: str | None = None, outcome: str | None = None) -> int:
        """Requests for ``model`` with ``outcome`` ('ok', 'error_429', 'timeout', ...); None means any."""
        if model is None:
            return self.total if outcome is None else self.by_outcome.get(outcome, 0)
        if outcome is None:
            return self.by_model.get(model, 0)
        return self.by_model_outcome.get(model, {}).get(outcome, 0)


class FakeProvider:
    """A running fake provider process.

    ``with FakeProvider.start() as fp:``
    ``    litellm.completion(model="openai/m", api_base=fp.base_url, api_key="x", messages=...)``
    """

    def __init__(self, process: subprocess.Popen[bytes], url: str, stderr: IO[bytes]) -> None:
        self._process = process
        self._stderr = stderr
        self.url = url
        self.base_url = f"{url}/v1"
        self._http = httpx.Client(base_url=url, timeout=10, trust_env=False)

    @classmethod
    def start(
        cls,
        behaviours: Mapping[str, Behaviour | Mapping[str, Any]] | None = None,
        timeout_s: float = 10,
        *,
        config: str | None = None,
        keep_requests: int = _DEFAULT_KEEP_REQUESTS,
    ) -> FakeProvider:
        """Start the server on a free port and wait (at most ``timeout_s``) until it accepts requests.

        ``behaviours`` maps model names ('*' for the rest) to behaviours; ``config`` instead passes a raw
        ``--config`` value (inline JSON or the path of a JSON file) for the server to validate.
        """
        if behaviours is not None and config is not None:
            raise ConfigError(
                "FakeProvider.start takes behaviours or config, not both.", hint="Pass one of them."
            )
        if config is None:
            parsed = parse_behaviours(behaviours or {}, source="FakeProvider.start(behaviours=...)")
            config = json.dumps(
                {m: b.model_dump(mode="json", exclude_defaults=True) for m, b in parsed.items()}
            )
        command = [sys.executable, "-m", "core.testing.fake_provider", "--host", "127.0.0.1", "--port", "0"]
        command += [
            "--config",
            config,
            "--keep-requests",
            str(keep_requests),
            "--parent-pid",
            str(os.getpid()),
        ]
        env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONUNBUFFERED": "1"}
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - kept open for the process's life; stop() closes it
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=env)
        try:
            url = _wait_ready(process, timeout_s)
        except FakeProviderError as e:
            _stop_process(process)
            stderr.seek(0)
            output = stderr.read().decode(errors="replace").strip() or "(nothing)"
            stderr.close()
            raise FakeProviderError(
                f"{e.message} Its stderr:\n{output}", hint=f"Command: {command}"
            ) from None
        return cls(process, url, stderr)

    def configure(self, model: str, **behaviour: Any) -> Behaviour:
        """Replace ``model``'s behaviour ('*': any model without its own); omitted fields take defaults."""
        parsed = parse_behaviours({model: behaviour}, source=f"configure({model!r}, ...)")[model]
        self._post("/_control/configure", {model: parsed.model_dump(mode="json", exclude_defaults=True)})
        return parsed

    def reset(self) -> None:
        """Back to the startup behaviours; counts and recorded requests cleared."""
        self._post("/_control/reset", {})

    def stats(self) -> FakeStats:
        return FakeStats.model_validate(self._call("GET", "/_control/stats", None))

    @property
    def pid(self) -> int:
        return self._process.pid

    def stop(self) -> None:
        """Terminate the process (kill it if it lingers) and wait for it. Safe to call twice."""
        self._http.close()
        _stop_process(self._process)
        self._stderr.close()

    def _post(self, path: str, payload: object) -> None:
        self._call("POST", path, payload)

    def _call(self, method: str, path: str, payload: object) -> Any:
        try:
            response = self._http.request(method, path, json=payload)
        except httpx.HTTPError as e:
            alive = "running" if self._process.poll() is None else f"exited ({self._process.returncode})"
            raise FakeProviderError(
                f"Cannot reach the fake provider at {self.url}{path}: {e!r}. The process is {alive}."
            ) from e
        if response.status_code != 200:
            raise FakeProviderError(f"{method} {path} failed with {response.status_code}: {response.text}")
        return response.json()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _wait_ready(process: subprocess.Popen[bytes], timeout_s: float) -> str:
    """The URL on the READY line; FakeProviderError if the process exits first or takes over ``timeout_s``."""
    stdout = process.stdout
    assert stdout is not None
    found: queue.Queue[str] = queue.Queue()

    def read() -> None:  # a thread, because a pipe read has no timeout
        for raw in stdout:
            line = raw.decode(errors="replace").strip()
            if line.startswith("READY "):
                found.put(line.removeprefix("READY "))
                return
        found.put("")  # end of output: the process is exiting

    threading.Thread(target=read, name="fake-provider-ready", daemon=True).start()
    try:
        url = found.get(timeout=timeout_s)
    except queue.Empty:
        raise FakeProviderError(f"The fake provider did not print READY within {timeout_s:g} s.") from None
    if not url:
        try:
            code = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        raise FakeProviderError(f"The fake provider exited before it was ready (exit code {code}).")
    return url


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    if process.stdout is not None:
        process.stdout.close()


if __name__ == "__main__":
    sys.exit(main())
