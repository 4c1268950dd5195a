"""Shared resources for pages, built once per server process (st.cache_resource)."""

from __future__ import annotations

import streamlit as st

from core.config import Settings, load_settings
from core.gateway import Gateway
from core.models import Registry
from core.warehouse import Warehouse


@st.cache_resource
def settings() -> Settings:
    return load_settings()


@st.cache_resource
def registry() -> Registry:
    return Registry.from_settings(settings())


@st.cache_resource
def warehouse() -> Warehouse:
    return Warehouse.from_settings(settings())


@st.cache_resource
def gateway() -> Gateway:
    return Gateway(settings(), registry=registry(), warehouse=warehouse())
