"""Fixtures of this app's tests (the shared ones are in wangge/conftest.py)."""

from wangge.api.testing import fast_password_hashing  # noqa: F401  (autouse)
