"""The notice texts the calendar's tests read."""

from pathlib import Path

NOTICES = Path(__file__).parent / "notices"
# Next year's notice as the tests paste it: invented from 2027's lunar dates, not the real one.
EXAMPLE_2027 = NOTICES / "example-2027.txt"
