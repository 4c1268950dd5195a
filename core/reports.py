"""Reports: execute a notebook from ``notebooks/`` with papermill into ``<data_dir>/reports/`` and export it as
self-contained HTML (code hidden, plotly charts inlined so they show offline). Papermill runs as its own process
(``python -m papermill``): core never imports it.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel

from core.errors import TravelOpsError, ValidationError

if TYPE_CHECKING:
    from core.config import Settings

__all__ = [
    "NOTEBOOKS_DIR",
    "ReportResult",
    "cron_line",
    "install_cron_line",
    "list_reports",
    "parse_value",
    "run_report",
]

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"


class ReportResult(BaseModel):
    name: str
    notebook: str
    html: str
    parameters: dict[str, Any]
    seconds: float


def available() -> list[str]:
    return sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb"))


def _notebook(name: str) -> Path:
    path = NOTEBOOKS_DIR / f"{name.removesuffix('.ipynb')}.ipynb"
    if not path.exists():
        raise ValidationError(
            f"Unknown report '{name}'. Known: {', '.join(available()) or '(none)'}.",
            hint=f"Reports are the notebooks in {NOTEBOOKS_DIR}.",
        )
    return path


def parse_value(text: str) -> Any:
    """A ``-p key value`` value as YAML (numbers, true/false, null, lists), else the string itself."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def run_report(
    settings: Settings,
    name: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    out_dir: Path | None = None,
    config_path: str | None = None,
    timeout_s: int = 900,
) -> ReportResult:
    """Execute notebook ``name`` with ``parameters`` (plus ``config``) and write ``.ipynb`` and ``.html``."""
    from nbconvert import HTMLExporter

    source = _notebook(name)
    out = Path(out_dir) if out_dir else settings.data_dir / "reports"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    executed = out / f"{source.stem}-{stamp}.ipynb"
    params = dict(parameters or {})
    if config_path is not None or settings.source is not None:
        params.setdefault("config", str(config_path or settings.source))
    started = datetime.now(UTC)
    # papermill runs as its own process: core never imports it (layers point down), and a report's kernel
    # cannot take the caller down with it.
    command = [
        sys.executable, "-m", "papermill", str(source), str(executed),
        "-y", yaml.safe_dump(params), "-k", "python3", "--no-progress-bar",
        "--execution-timeout", str(timeout_s), "--cwd", str(NOTEBOOKS_DIR),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s * 4, check=False)
    except subprocess.TimeoutExpired as e:
        raise TravelOpsError(
            f"Report '{name}' did not finish within {timeout_s * 4} s.",
            hint=f"The partly executed notebook is {executed}; run it in `make lab` to see where it stalls.",
        ) from e
    if done.returncode != 0:
        tail = " ".join(line.strip() for line in done.stderr.strip().splitlines()[-6:])
        raise TravelOpsError(
            f"Report '{name}' failed: {tail[-600:]}",
            hint=f"The partly executed notebook is {executed}; open it to see the traceback.",
        )
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_filename(str(executed))
    html = executed.with_suffix(".html")
    html.write_text(body, encoding="utf-8")
    return ReportResult(
        name=source.stem,
        notebook=str(executed),
        html=str(html),
        parameters=params,
        seconds=(datetime.now(UTC) - started).total_seconds(),
    )


def list_reports(settings: Settings) -> list[dict[str, Any]]:
    """The HTML reports in ``<data_dir>/reports``, newest first (for the app's Analytics → Reports)."""
    folder = settings.data_dir / "reports"
    files = (
        sorted(folder.glob("*.html"), key=lambda p: p.stat().st_mtime, reverse=True)
        if folder.exists()
        else []
    )
    return [
        {
            "name": p.stem.rsplit("-", 2)[0],
            "file": str(p),
            "size": p.stat().st_size,
            "created": datetime.fromtimestamp(p.stat().st_mtime, UTC),
        }
        for p in files
    ]


def cron_line(
    name: str, cron: str, parameters: Mapping[str, str] | None = None, config: str | None = None
) -> str:
    """The crontab line that runs ``travelops report run NAME`` on schedule ``cron`` (5 fields)."""
    _notebook(name)
    if len(cron.split()) != 5:
        raise ValidationError(
            f"Cron schedule {cron!r} must have 5 fields (minute hour day month weekday).",
            hint='Example: --cron "0 6 * * 1" (Mondays at 06:00).',
        )
    travelops = Path(sys.executable).with_name("travelops")
    cmd = [str(travelops)]
    if config:
        cmd += ["--config", str(Path(config).resolve())]
    cmd += ["report", "run", name]
    for k, v in (parameters or {}).items():
        cmd += ["-p", k, v]
    return f"{cron} {shlex.join(cmd)} >> /tmp/travelops-report-{name}.log 2>&1"


def install_cron_line(line: str) -> bool:
    """Add ``line`` to this user's crontab (through the ``crontab`` command); False when it is there already."""
    import shutil

    if shutil.which("crontab") is None:
        raise TravelOpsError(
            "No crontab command on this machine, so the schedule cannot be installed.",
            hint="Install cron (Debian: apt-get install cron), or add the printed line to your scheduler by hand.",
        )
    current = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    existing = current.stdout if current.returncode == 0 else ""  # "no crontab for <user>" exits 1
    if line in existing.splitlines():
        return False
    if existing and not existing.endswith("\n"):
        existing += "\n"
    done = subprocess.run(
        ["crontab", "-"], input=existing + line + "\n", capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise TravelOpsError(
            f"crontab refused the new line: {done.stderr.strip() or 'exit code ' + str(done.returncode)}.",
            hint="Install it by hand with `crontab -e`.",
        )
    return True
