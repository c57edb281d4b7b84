"""The stable error codes of the dashboard, each with its HTTP status and a one-line meaning."""

from wangge.lib.errors import ErrorCode


class DashboardError(ErrorCode):
    DASHBOARD_PERIOD_INVALID = (
        "dashboard_period_invalid",
        400,
        "give a year, and at most one of a quarter (1–4) or a month (1–12)",
    )
    FIGURE_UNKNOWN = "figure_unknown", 404, "no headline figure has this key"
