"""Import MCP servers from Claude Desktop and Continue configurations into ``mcp.servers`` of our YAML config.

Reads:
- Claude Desktop ``claude_desktop_config.json`` (and any JSON with ``mcpServers``): ``{"mcpServers": {name:
  {command, args, env, cwd} | {type: "http", url, headers} | {type: "sse", ...}}}``. Entries that run ``npx
  [-y] mcp-remote[@version] URL [--header "K: V"]...`` are remote servers behind a local bridge: they become
  direct HTTP servers with those headers.
- Continue ``config.yaml`` (``mcpServers: [{name, type: stdio|sse|streamable-http, command, args, env, cwd,
  url, requestOptions: {headers}}]``) and ``.continue/mcpServers/*.yaml`` (one server per file, a list, or a
  block with ``mcpServers:``); a directory imports every ``*.yaml``/``*.yml``/``*.json`` in it.
  ``${{ secrets.X }}`` (and ``${{ inputs.X }}``) becomes ``${X}``.

Secrets stay environment references: an ``env`` or header value that looks like a secret literal (``ghp_…``,
``sk-…``, ``xoxb-…``, a long random string, or any value of a key named like *TOKEN*, *KEY*, *SECRET*,
*PASSWORD*) is replaced by ``${NAME}`` (the env key; for a header, ``<SERVER>_<HEADER>``) and reported, so the
user exports it. The literal itself is never written or printed. SSE-only servers are skipped with a reason:
TravelOps speaks stdio and streamable HTTP.

``write_servers`` merges servers into the YAML file under ``mcp.servers``: the rest of the file is kept, but
PyYAML does not keep comments or formatting, so the file is backed up to ``<file>.bak`` first. Existing names
are left alone unless ``replace=True``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from core.config import McpServerConfig, find_config_file
from core.errors import ConfigError

__all__ = [
    "ConfigImportReport",
    "ImportResult",
    "SecretRef",
    "WriteResult",
    "import_config",
    "run_import",
    "write_servers",
]

Format = Literal["claude_desktop", "continue"]
_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CONTINUE_REF = re.compile(r"\$\{\{\s*(?:secrets|inputs)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_SECRET_KEY = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|(^|_)PAT($|_)", re.IGNORECASE)
_SECRET_PREFIX = re.compile(
    r"^(gh[pousr]_|github_pat_|sk-|sk_(live|test)_|rk_(live|test)_|xox[abposr]-|glpat-|AKIA|ASIA|AIza|ya29\.|"
    r"eyJ[A-Za-z0-9_-]{10,}\.|hf_|pk_(live|test)_|shpat_|npm_|dop_v1_|pat-)"
)
_NOT_SECRET_VALUE = re.compile(r"^(true|false|yes|no|on|off|null|none|\d+(\.\d+)?)$", re.IGNORECASE)
_AUTH_SCHEME = re.compile(r"^(Bearer|Basic|Token|Bot|ApiKey)\s+(.+)$", re.IGNORECASE)
_HTTP_TYPES = {"http", "streamable-http", "streamable_http", "streamablehttp", "streamableHttp"}
_LAUNCHERS = {"npx", "npx.cmd", "bunx", "pnpx", "pnpm", "yarn", "npm"}


class SecretRef(BaseModel):
    """A secret the import turned into an environment reference: export ``env`` before starting TravelOps."""

    model_config = ConfigDict(frozen=True)
    server: str
    where: str  # "env.GITHUB_TOKEN" / "headers.Authorization"
    env: str  # the variable to export
    was_literal: bool  # True: the file held the secret itself; False: it already referenced a secret/input


class ImportResult(BaseModel):
    """What a configuration file holds as ``mcp.servers`` entries (validated dicts), and what was left out."""

    source: Path
    format: Format
    servers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    skipped: list[tuple[str, str]] = Field(
        default_factory=list[tuple[str, str]]
    )  # (entry name, reason with the fix)
    secrets: list[SecretRef] = Field(default_factory=list[SecretRef])
    notes: list[str] = Field(
        default_factory=list
    )  # per-server remarks (renamed, converted from mcp-remote, ...)


class WriteResult(BaseModel):
    config_path: Path
    added: list[str] = Field(default_factory=list)
    replaced: list[str] = Field(default_factory=list)
    kept: list[str] = Field(default_factory=list)  # already configured, left alone (no replace)
    backup: Path | None = None
    dry_run: bool = False
    text: str = ""  # the file as written (or as it would be written)


class ConfigImportReport(BaseModel):
    """The result of ``travelops mcp import FILE``: what was read and what was written."""

    imported: ImportResult
    written: WriteResult

    def render(self) -> str:
        imp, wr = self.imported, self.written
        lines: list[str] = []
        verb = "Would import" if wr.dry_run else "Imported"
        new = [n for n in imp.servers if n in wr.added or n in wr.replaced]
        lines.append(
            f"{verb} {len(new)} MCP server(s) from {imp.source} ({imp.format.replace('_', ' ')}) "
            f"into {wr.config_path}:"
        )
        for name in new:
            srv = imp.servers[name]
            how = (
                f"http: {srv['url']}"
                if "url" in srv
                else "stdio: " + " ".join([srv["command"], *srv.get("args", [])])
            )
            tag = " (replaced)" if name in wr.replaced else ""
            lines.append(f"  + {name}{tag} — {how}")
        if not new:
            lines.append("  (none)")
        for note in imp.notes:
            lines.append(f"    note: {note}")
        if wr.kept:
            lines.append(
                f"Already configured, left unchanged (use --replace to overwrite): {', '.join(wr.kept)}"
            )
        if imp.skipped:
            lines.append(f"Skipped {len(imp.skipped)}:")
            lines.extend(f"  - {name}: {reason}" for name, reason in imp.skipped)
        if imp.secrets:
            lines.append("Secrets are environment references; export these before starting TravelOps:")
            for ref in imp.secrets:
                origin = "was a literal in the file" if ref.was_literal else "referenced there, not stored"
                lines.append(f"  export {ref.env}=...   # {ref.server}.{ref.where} ({origin})")
        if wr.dry_run:
            lines.append("Dry run: nothing was written.")
        elif wr.added or wr.replaced:
            backup = f" The previous file is at {wr.backup}." if wr.backup else ""
            lines.append(f"Wrote {wr.config_path} (comments and formatting are not preserved).{backup}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------------------------


def _object(value: object) -> dict[str, Any] | None:
    """``value`` if it is a JSON/YAML object, else None (a parsed file is untyped until each part is checked)."""
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def _array(value: object) -> list[Any] | None:
    """``value`` if it is a JSON/YAML list, else None."""
    return cast("list[Any]", value) if isinstance(value, list) else None


def import_config(path: str | os.PathLike[str]) -> ImportResult:
    """Read a Claude Desktop or Continue configuration (file or ``.continue/mcpServers`` folder).

    Raises ``ConfigError`` when the file cannot be read or parsed at all; problems of single entries go to
    ``skipped`` with the reason and the fix."""
    source = Path(path)
    if source.is_dir():
        files = sorted(
            p for p in source.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json") and p.is_file()
        )
        if not files:
            raise ConfigError(
                f"{source} holds no .yaml, .yml or .json files to import.",
                hint="Fix: point at claude_desktop_config.json, a Continue config.yaml, "
                "or a .continue/mcpServers folder with server files.",
            )
        merged = ImportResult(source=source, format="continue")
        for file in files:
            _merge(merged, _import_file(file))
        return merged
    return _import_file(source)


def _import_file(source: Path) -> ImportResult:
    if not source.is_file():
        raise ConfigError(
            f"{source} does not exist.",
            hint="Fix: give the path of claude_desktop_config.json "
            "(e.g. ~/.config/Claude/claude_desktop_config.json or "
            "~/Library/Application Support/Claude/claude_desktop_config.json) or of Continue's config.yaml.",
        )
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"Could not read {source}: {e}.", hint="Fix: check the file's permissions.") from e
    if source.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError(
                f"{source} is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}.",
                hint="Fix: correct the JSON there (a trailing comma or a missing quote is the usual cause).",
            ) from e
        return _from_claude(source, data)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError(
            f"{source} is not valid YAML{at}: {getattr(e, 'problem', None) or e}.",
            hint="Fix: check the indentation and quoting on that line.",
        ) from e
    mapping = _object(data)
    if mapping is not None and _object(mapping.get("mcpServers")) is not None:
        return _from_claude(source, data)  # Claude-style mapping written as YAML
    return _from_continue(source, data)


def _merge(into: ImportResult, part: ImportResult) -> None:
    for name, server in part.servers.items():
        if name in into.servers:
            into.skipped.append(
                (name, f"a server named '{name}' was already imported from another file; rename one")
            )
            continue
        into.servers[name] = server
    into.skipped.extend(part.skipped)
    into.secrets.extend(part.secrets)
    into.notes.extend(part.notes)


def _from_claude(source: Path, data: Any) -> ImportResult:
    result = ImportResult(source=source, format="claude_desktop")
    mapping = _object(data)
    servers = _object(mapping.get("mcpServers")) if mapping is not None else None
    if servers is None:
        raise ConfigError(
            f'{source} has no "mcpServers" object, so it is not a Claude Desktop configuration.',
            hint='Fix: give the file that holds {"mcpServers": {"name": {"command": ..., "args": [...]}}}.',
        )
    conv = _Converter(result)
    for raw_name, entry in servers.items():
        conv.add(str(raw_name), entry, f"mcpServers.{raw_name}")
    return result


def _from_continue(source: Path, data: Any) -> ImportResult:
    result = ImportResult(source=source, format="continue")
    entries: list[Any] | None
    mapping = _object(data)
    if mapping is not None and "mcpServers" in mapping:
        listed: object = mapping["mcpServers"]
        entries = [] if listed is None else _array(listed)
        if entries is None:
            raise ConfigError(
                f"{source}: mcpServers must be a list of servers ('- name: ...' items), "
                f"not a {type(listed).__name__}.",
                hint="Fix: write each server as a list item with name, type, command/url.",
            )
    elif mapping is not None and ("command" in mapping or "url" in mapping):
        entries = [mapping]  # one server per file
    elif (entries := _array(data)) is not None:
        pass
    else:
        raise ConfigError(
            f"{source} holds no MCP servers: expected a Continue config with 'mcpServers:', a server "
            "(name, command or url) or a list of servers.",
            hint="Fix: point at Continue's config.yaml or a file in .continue/mcpServers/.",
        )
    conv = _Converter(result)
    for i, entry in enumerate(entries):
        fields = _object(entry)
        name: object = fields.get("name") if fields is not None else None
        if not isinstance(name, str) or not name.strip():
            name = source.stem if len(entries) == 1 and fields is not None else f"entry {i + 1}"
            if fields is None or name.startswith("entry "):
                result.skipped.append(
                    (name, f"mcpServers[{i}] in {source.name} has no 'name'. Fix: add 'name: <server name>'.")
                )
                continue
        conv.add(name, _continue_to_claude(entry), f"mcpServers[{i}] ({name})")
    return result


def _continue_to_claude(entry: Any) -> Any:
    """A Continue server entry in Claude's vocabulary (type, url, headers), its references rewritten."""
    fields = _object(entry)
    if fields is None:
        return entry
    out: dict[str, Any] = {k: v for k, v in fields.items() if k not in ("name", "requestOptions")}
    options = _object(fields.get("requestOptions"))
    if options is not None and _object(options.get("headers")) is not None:
        out["headers"] = options["headers"]
    return _rewrite_continue_refs(out)


def _rewrite_continue_refs(value: Any) -> Any:
    if isinstance(value, str):
        return _CONTINUE_REF.sub(lambda m: "${" + m.group(1) + "}", value)
    if (items := _array(value)) is not None:
        return [_rewrite_continue_refs(v) for v in items]
    if (fields := _object(value)) is not None:
        return {k: _rewrite_continue_refs(v) for k, v in fields.items()}
    return value


class _Converter:
    """Turns one Claude-vocabulary entry into an ``mcp.servers`` entry, recording skips, secrets and notes."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result
        self.file = result.source.name
        self._secret_values: dict[str, int] = {}  # env name -> hash of the literal it stands for

    def skip(self, name: str, reason: str) -> None:
        self.result.skipped.append((name, reason))

    def add(self, raw_name: str, entry: Any, where: str) -> None:
        where = f"{where} in {self.file}"
        name = _config_name(raw_name)
        fields = _object(entry)
        if fields is None:
            self.skip(raw_name, f'{where} is not an object. Fix: write it as {{"command": ...}}.')
            return
        if name in self.result.servers:
            self.skip(
                raw_name,
                f"{where}: a server named '{name}' is already in this file. Fix: rename one of them.",
            )
            return
        kind = str(fields.get("type") or fields.get("transport") or "").strip()
        server = self._convert(raw_name, name, fields, kind, where)
        if server is None:
            return
        try:
            McpServerConfig.model_validate(server)
        except PydanticValidationError as e:
            problem = "; ".join(err["msg"].removeprefix("Value error, ") for err in e.errors())
            self.skip(raw_name, f"{where} is not a valid server: {problem}.")
            return
        if name != raw_name:
            self.result.notes.append(f"{raw_name}: renamed to '{name}' (names are used in commands and ids)")
        self.result.servers[name] = server

    def _convert(
        self, raw_name: str, name: str, entry: dict[str, Any], kind: str, where: str
    ) -> dict[str, Any] | None:
        lowered = kind.lower()
        if lowered == "sse" or (not kind and _looks_like_sse(entry.get("url"))):
            self.skip(
                raw_name,
                f"{where} uses the SSE transport, which TravelOps does not speak "
                "(stdio and streamable HTTP only). Fix: if the server also serves streamable HTTP (often the "
                "same address ending in /mcp instead of /sse), add it by hand with that url.",
            )
            return None
        if kind and lowered not in ("stdio", *{t.lower() for t in _HTTP_TYPES}):
            self.skip(
                raw_name,
                f"{where} has unknown type '{kind}'. Fix: use 'stdio' (command), "
                "'http' / 'streamable-http' (url) or 'sse' (not supported).",
            )
            return None
        if lowered in {t.lower() for t in _HTTP_TYPES} or (
            not kind and "url" in entry and "command" not in entry
        ):
            url = entry.get("url")
            if not isinstance(url, str) or not url:
                self.skip(raw_name, f"{where} is an HTTP server without 'url'. Fix: add url: https://…/mcp.")
                return None
            headers = _object(entry.get("headers") or {})
            if headers is None:
                self.skip(raw_name, f"{where}: headers must be an object of name: value. Fix: correct it.")
                return None
            return self._http(name, url, {str(k): str(v) for k, v in headers.items()}, {}, entry)
        command = entry.get("command")
        if not isinstance(command, str) or not command.strip():
            self.skip(
                raw_name,
                f"{where} has no 'command' (and no 'url'). "
                'Fix: add "command" (with "args") for a local server, or "url" for a remote one.',
            )
            return None
        given_args = _array(entry.get("args") or [])
        if given_args is None:
            self.skip(raw_name, f'{where}: args must be a list of strings. Fix: write "args": ["a", "b"].')
            return None
        args = [str(a) for a in given_args]
        given_env = _object(entry.get("env") or {})
        if given_env is None:
            self.skip(raw_name, f"{where}: env must be an object of NAME: value. Fix: correct it.")
            return None
        env = {str(k): str(v) for k, v in given_env.items()}
        remote = _mcp_remote(command, args)
        if remote is not None:
            url, headers, transport = remote
            if transport == "sse-only" or (transport != "http-only" and _looks_like_sse(url)):
                self.skip(
                    raw_name,
                    f"{where} runs mcp-remote for {url}, an SSE endpoint (TravelOps speaks stdio and "
                    "streamable HTTP only). Fix: if the server also serves streamable HTTP (often the same "
                    "address ending in /mcp instead of /sse), add it by hand with that url.",
                )
                return None
            self.result.notes.append(
                f"{name}: was `{command} … mcp-remote {url}`; now a direct HTTP server. mcp-remote also "
                "did OAuth sign-in: a server that needs OAuth rather than a header will refuse the connection"
            )
            return self._http(name, url, headers, env, entry)
        server: dict[str, Any] = {"command": command, "args": self._args(name, args)}
        if env:
            server["env"] = {k: self._secret(name, f"env.{k}", k, v, key_is_env=True) for k, v in env.items()}
        if isinstance(entry.get("cwd"), str):
            server["cwd"] = entry["cwd"]
        self._common(server, entry)
        return server

    def _args(self, name: str, args: list[str]) -> list[str]:
        """Arguments with token-shaped literals replaced (``--api-key sk-…`` -> ``${SERVER_API_KEY}``)."""
        out: list[str] = []
        for i, arg in enumerate(args):
            flag, eq, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
            if not _looks_secret(value) or "${" in value:
                out.append(arg)
                continue
            label = flag if eq else (args[i - 1] if i > 0 and args[i - 1].startswith("-") else f"arg{i + 1}")
            env = _env_name(f"{name}_{label.lstrip('-')}")
            ref = self._secret(name, f"args[{i}]", env, value, key_is_env=False, force=True)
            out.append(f"{flag}={ref}" if eq else ref)
        return out

    def _http(
        self, name: str, url: str, headers: dict[str, str], env: dict[str, str], entry: dict[str, Any]
    ) -> dict[str, Any]:
        # mcp-remote headers may name variables of the entry's env ("Authorization:${AUTH}"): those must be
        # exported too, and a literal there is a secret under that name.
        for key, value in env.items():
            if any(f"${{{key}}}" in h or f"${key}" in h for h in headers.values()):
                self._secret(name, f"env.{key}", key, value, key_is_env=True)
        server: dict[str, Any] = {"url": url}
        if headers:
            server["headers"] = {
                k: self._secret(name, f"headers.{k}", _env_name(f"{name}_{k}"), v, key_is_env=False)
                for k, v in headers.items()
            }
        self._common(server, entry)
        return server

    def _common(self, server: dict[str, Any], entry: dict[str, Any]) -> None:
        if entry.get("disabled") is True:
            server["enabled"] = False
        timeout = entry.get("connectionTimeout")  # Continue, in ms
        if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0:
            server["start_timeout_s"] = round(timeout / 1000.0, 3)

    def _secret(
        self, server: str, where: str, env_name: str, value: str, *, key_is_env: bool, force: bool = False
    ) -> str:
        """The value to write: itself, or with its secret part replaced by ``${NAME}`` (reported)."""
        refs = re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", value)
        if refs:  # already references the environment (Continue secrets were rewritten to ${X} above)
            for ref in refs:
                self._report(server, where, ref, was_literal=False)
            return value
        scheme = ""
        secret = value
        match = _AUTH_SCHEME.match(value)
        if match and not key_is_env:
            scheme, secret = match.group(1) + " ", match.group(2)
        key = where.split(".", 1)[-1]
        if not (force or _looks_secret(secret) or (_SECRET_KEY.search(key) and _could_be_secret(secret))):
            return value
        name = env_name
        digest = hash(secret)
        if self._secret_values.get(name, digest) != digest:  # same name, another value: keep them apart
            name = _env_name(f"{server}_{env_name}")
        self._secret_values[name] = digest
        self._report(server, where, name, was_literal=True)
        return scheme + "${" + name + "}"

    def _report(self, server: str, where: str, env: str, *, was_literal: bool) -> None:
        if not any(r.server == server and r.env == env for r in self.result.secrets):
            ref = SecretRef(server=server, where=where, env=env, was_literal=was_literal)
            self.result.secrets.append(ref)


def _config_name(raw: str) -> str:
    if _NAME_OK.match(raw):
        return raw
    slug = re.sub(r"[^a-z0-9_.-]+", "-", raw.strip().lower()).strip("-.")
    return slug or "server"


def _env_name(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()
    return name if name and not name[0].isdigit() else f"MCP_{name}"


def _looks_like_sse(url: Any) -> bool:
    return isinstance(url, str) and url.rstrip("/").split("?")[0].endswith("/sse")


def _looks_secret(value: str) -> bool:
    """A token by its shape: a known prefix, or a long random-looking string."""
    value = value.strip()
    if _SECRET_PREFIX.match(value):
        return True
    if (
        len(value) < 24
        or any(c.isspace() for c in value)
        or value.startswith(("/", "~", "http://", "https://"))
    ):
        return False
    if not re.fullmatch(r"[A-Za-z0-9_\-+/=.:]+", value):
        return False
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    return classes >= 2 and _entropy(value) >= 3.5


def _could_be_secret(value: str) -> bool:
    """Under a key named like a secret, anything but an empty/boolean/number/path/URL value is one."""
    value = value.strip()
    return (
        bool(value)
        and not _NOT_SECRET_VALUE.match(value)
        and not value.startswith(("/", "~", "http://", "https://"))
    )


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _mcp_remote(command: str, args: list[str]) -> tuple[str, dict[str, str], str | None] | None:
    """(url, headers, --transport) when the entry runs mcp-remote through a package runner, else None."""
    if Path(command).name.lower() not in _LAUNCHERS and command.lower() not in _LAUNCHERS:
        return None
    position = next((i for i, a in enumerate(args) if _package_name(a) == "mcp-remote"), None)
    if position is None:
        return None
    rest = args[position + 1 :]
    url = next((a for a in rest if re.match(r"^https?://", a)), None)
    if url is None:
        return None
    headers: dict[str, str] = {}
    transport: str | None = None
    i = 0
    while i < len(rest):
        arg = rest[i]
        value: str | None = None
        if arg in ("--header", "-H") and i + 1 < len(rest):
            value = rest[i + 1]
            i += 1
        elif arg.startswith("--header="):
            value = arg.split("=", 1)[1]
        elif arg == "--transport" and i + 1 < len(rest):
            transport = rest[i + 1]
            i += 1
        if value is not None and ":" in value:
            key, _, val = value.partition(":")
            headers[key.strip()] = val.strip()
        i += 1
    return url, headers, transport


def _package_name(arg: str) -> str:
    """'mcp-remote@latest' -> 'mcp-remote'; '@scope/pkg@1.2' -> '@scope/pkg'."""
    if arg.startswith("@"):
        scope, _, rest = arg.partition("/")
        return scope + "/" + rest.split("@", 1)[0]
    return arg.split("@", 1)[0]


# ----------------------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------------------


def write_servers(
    config_path: str | os.PathLike[str],
    servers: dict[str, dict[str, Any]],
    *,
    dry_run: bool = False,
    replace: bool = False,
) -> WriteResult:
    """Merge ``servers`` into ``mcp.servers`` of the YAML config at ``config_path`` (created if missing).

    Keeps every other key; comments and formatting are lost (PyYAML), so the file is copied to ``<file>.bak``
    first. A name already configured is left unchanged (reported in ``kept``) unless ``replace``. With
    ``dry_run`` nothing is written; ``text`` shows what would be."""
    path = Path(config_path)
    data: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise ConfigError(
                f"Cannot add MCP servers to {path}: "
                f"it is not valid YAML ({getattr(e, 'problem', None) or e}).",
                hint="Fix: correct the file first (`travelops config check` shows where).",
            ) from e
        top = _object(loaded)
        if loaded is not None and top is None:
            raise ConfigError(
                f"Cannot add MCP servers to {path}: "
                f"it holds a {type(loaded).__name__}, not a mapping of keys.",
                hint="Fix: start the file with top-level keys such as 'models:'.",
            )
        data = top or {}
    if data.get("mcp") is None:
        data["mcp"] = {}
    mcp = _object(data.get("mcp"))
    if mcp is None:
        raise ConfigError(
            f"{path}: 'mcp' must be a mapping (mcp: {{servers: ...}}).", hint="Fix: correct it."
        )
    if mcp.get("servers") is None:
        mcp["servers"] = {}
    existing = _object(mcp.get("servers"))
    if existing is None:
        raise ConfigError(f"{path}: mcp.servers must be a mapping of name: server.", hint="Fix: correct it.")
    result = WriteResult(config_path=path, dry_run=dry_run)
    for name, server in servers.items():
        if name in existing and not replace:
            result.kept.append(name)
            continue
        (result.replaced if name in existing else result.added).append(name)
        existing[name] = server
    result.text = yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=110
    )
    if dry_run or not (result.added or result.replaced):
        return result
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        result.backup = path.with_name(path.name + ".bak")
        shutil.copy2(path, result.backup)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(result.text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return result


def run_import(
    settings_path: str | os.PathLike[str] | None,
    file: str | os.PathLike[str],
    *,
    dry_run: bool = False,
    replace: bool = False,
) -> ConfigImportReport:
    """``travelops mcp import FILE [--dry-run] [--replace]``: read FILE, merge its servers into the config
    file (``settings_path``, else the one ``find_config_file`` finds, else ``config/travelops.yml``)."""
    target = (
        Path(settings_path) if settings_path else (find_config_file() or Path("config") / "travelops.yml")
    )
    imported = import_config(file)
    written = write_servers(target, imported.servers, dry_run=dry_run, replace=replace)
    return ConfigImportReport(imported=imported, written=written)
