"""Shared resources for pages, built once per server process (``st.cache_resource``), the acting user, and the
dashboards' queries cached for a short while (``st.cache_data``) so moving between pages is quick.

Every cached query takes the data folder as its first argument (``data_key()``), so two configurations never
share an entry; ``reset()`` drops everything (after the configuration file changes, and between tests).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from core import analytics, routing
from core.agent import Agent
from core.analytics import (
    BudgetStatus,
    CacheSavings,
    Dimension,
    FilterOptions,
    OutcomeSummary,
    UsageFilter,
)
from core.config import Settings, load_settings
from core.gateway import Gateway
from core.models import Registry
from core.planning import AGENT_COST_CAP_USD, AGENT_MAX_STEPS
from core.routing import RoutingPolicy, WhatIfResult
from core.security import Principal
from core.travel import TravelService
from core.warehouse import UsageSummary, Warehouse, p95_by_task

if TYPE_CHECKING:
    from core.mcp import McpManager

QUERY_TTL_S = 60  # dashboards show new usage within a minute; "Refresh" clears them at once


def _close_warehouse(wh: Warehouse) -> None:
    wh.close()


def _close_travel(service: TravelService) -> None:
    service.close()


def _close_gateway(gw: Gateway) -> None:
    gw.caches.close()


def _stop_mcp(manager: McpManager | None) -> None:
    if manager is not None:
        manager.stop()


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return load_settings()


@st.cache_resource(show_spinner=False)
def registry() -> Registry:
    return Registry.from_settings(settings())


@st.cache_resource(show_spinner=False, on_release=_close_warehouse)
def warehouse() -> Warehouse:
    return Warehouse.from_settings(settings())


@st.cache_resource(show_spinner=False, on_release=_close_gateway)
def gateway() -> Gateway:
    return Gateway(settings(), registry=registry(), warehouse=warehouse())


@st.cache_resource(show_spinner=False, on_release=_close_travel)
def travel() -> TravelService:
    """The travel services over ``<data_dir>/travel.db`` (thread-safe; one per process)."""
    return TravelService.open(settings())


@st.cache_resource(show_spinner="Starting the MCP servers…", on_release=_stop_mcp)
def mcp() -> McpManager | None:
    """The MCP manager over every server in ``mcp.servers``, started once per process; None when none is
    configured (the assistant then runs without tools). Its calls are recorded in the app's warehouse."""
    configured = settings()
    if not configured.mcp.servers:
        return None
    from core.mcp import McpManager  # the MCP SDK loads only when a server is configured

    manager = McpManager(configured, warehouse())
    manager.start()  # a server that fails keeps being retried in the background; the MCP page shows it
    return manager


@st.cache_resource(show_spinner=False)
def agent() -> Agent:
    """The agent loop for the Plan page's assistant: the Gateway with the MCP servers' tools (if any)."""
    return Agent(gateway(), mcp(), max_steps=AGENT_MAX_STEPS, cost_cap_usd=AGENT_COST_CAP_USD)


def principal() -> Principal:
    """Who is acting. Until the login gate lands, everyone is the store's administrator."""
    return Principal.default_admin()


def data_key() -> str:
    """What cached queries are keyed by: the data folder of the current settings."""
    return str(settings().data_dir)


def reset() -> None:
    """Forget every resource and cached query (the next call rebuilds them from the configuration file)."""
    st.cache_data.clear()
    st.cache_resource.clear()


def refresh_queries() -> None:
    """Drop cached dashboard queries (resources stay)."""
    st.cache_data.clear()


# ------------------------------------------------------------------------------------------------------------
# Cached queries (warehouse). Arguments must be hashable by Streamlit: frozen pydantic models and plain values.
# ------------------------------------------------------------------------------------------------------------


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def filter_options(key: str) -> FilterOptions:
    return analytics.filter_options(warehouse())


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def usage_summary(key: str, since: date | None) -> UsageSummary:
    return warehouse().usage_summary(since)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def budget(key: str) -> tuple[BudgetStatus, pd.DataFrame]:
    status = analytics.budget_status(warehouse(), settings().cost_optimization)
    return status, analytics.month_forecast(warehouse(), status)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def spend_by_day(key: str, by: Dimension, flt: UsageFilter) -> pd.DataFrame:
    return analytics.spend_by_day(warehouse(), by, flt)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def budget_alerts(key: str) -> pd.DataFrame:
    return analytics.budget_alerts(warehouse())


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def expensive_requests(key: str, flt: UsageFilter) -> pd.DataFrame:
    return analytics.expensive_requests(warehouse(), flt)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def cache_savings(key: str, flt: UsageFilter) -> CacheSavings:
    return analytics.cache_savings(warehouse(), flt)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def latency(key: str, flt: UsageFilter) -> pd.DataFrame:
    return analytics.latency_by_model(warehouse(), flt)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def p95_task(key: str, since: date | None) -> pd.DataFrame:
    return p95_by_task(warehouse(), since)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def outcomes(key: str, flt: UsageFilter) -> tuple[OutcomeSummary, pd.DataFrame]:
    return analytics.outcome_summary(warehouse(), flt), analytics.outcome_rates(warehouse(), flt)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def quality(key: str, flt: UsageFilter) -> pd.DataFrame:
    return analytics.quality_matrix(warehouse(), flt)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def model_catalog(key: str) -> pd.DataFrame:
    return analytics.model_catalog(registry(), warehouse())


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def mcp_calls(key: str, since: date | None) -> pd.DataFrame:
    return analytics.mcp_call_stats(warehouse(), since)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def what_if(key: str, policy: RoutingPolicy, days: int) -> WhatIfResult:
    return routing.what_if(warehouse(), settings(), registry(), policy, days=days)
