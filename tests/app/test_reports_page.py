"""The Reports page: on an empty data folder it says how to make a report and how to schedule one; a report file
in ``<data_dir>/reports`` is listed newest first with when it was made, its size and a download."""

from __future__ import annotations

import os

from app_helpers import AppEnv, open_page, problems, texts

from app import state

HTML = "<html><body><h1>Cost report</h1></body></html>"


def test_with_no_report_yet_the_page_says_how_to_make_one_and_how_to_schedule_one(empty_env: AppEnv) -> None:
    at = open_page("reports")

    assert problems(at) == []
    [info] = texts(at.info)
    assert "No reports yet" in info
    assert "travelops report run cost_report" in info and "make lab" in info
    assert 'travelops report schedule cost_report --cron "0 6 * * 1"' in info
    assert len(at.download_button) == 0


def test_a_report_file_is_listed_with_when_and_size_and_offered_for_download(empty_env: AppEnv) -> None:
    folder = empty_env.data_dir / "reports"
    folder.mkdir(parents=True)
    report = folder / "x-20261126-101010.html"
    report.write_text(HTML, encoding="utf-8")

    at = open_page("reports")

    assert problems(at) == []
    assert texts(at.info) == []
    assert any(t.startswith("**x**") and "x-20261126-101010.html" in t for t in texts(at.markdown))
    assert any(t.endswith(f"UTC · {len(HTML)} B") for t in texts(at.caption)), texts(at.caption)
    download = at.download_button(key=state.REPORTS_DOWNLOAD_PREFIX + report.name)
    assert download.label == "Download"
    assert download.proto.deferred_file_id or download.proto.url  # the file is read when it is downloaded


def test_reports_are_listed_newest_first(empty_env: AppEnv) -> None:
    folder = empty_env.data_dir / "reports"
    folder.mkdir(parents=True)
    old, new = folder / "cost_report-20261101-060000.html", folder / "compare_models-20261126-060000.html"
    for i, path in enumerate((old, new)):
        path.write_text(HTML, encoding="utf-8")
        os.utime(path, (1_790_000_000 + i * 3600, 1_790_000_000 + i * 3600))

    at = open_page("reports")

    assert problems(at) == []
    keys = [b.key for b in at.download_button]
    assert keys == [state.REPORTS_DOWNLOAD_PREFIX + new.name, state.REPORTS_DOWNLOAD_PREFIX + old.name]
