"""Charts drawn for chat and the dashboard: :mod:`adapters.charts.draw` (matplotlib)."""
