"""Widgets and charts the pages share: error and empty states, formatting, filters, plotly figures."""
