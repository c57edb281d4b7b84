"""The per-process memory of rows read on every request (`wangge.lib.memo`)."""

import time

from wangge.cases.models import Category
from wangge.lib import memo


def test_a_value_is_loaded_once_until_it_expires():
    remembered: memo.Memo[str] = memo.Memo(ttl=0.2)
    loads: list[str] = []

    def load() -> str:
        loads.append("x")
        return f"value {len(loads)}"

    assert remembered.get("k", load) == remembered.get("k", load) == "value 1"
    time.sleep(0.25)
    assert remembered.get("k", load) == "value 2"
    assert len(loads) == 2


def test_nothing_found_is_not_remembered():
    remembered: memo.Memo[str] = memo.Memo()
    answers = iter([None, "created meanwhile"])
    assert remembered.get("k", lambda: next(answers)) is None
    assert remembered.get("k", lambda: next(answers)) == "created meanwhile"


def test_a_full_memo_starts_afresh():
    remembered: memo.Memo[int] = memo.Memo(size=2)
    for n in range(3):
        remembered.get(n, lambda n=n: n)
    assert remembered.get(0, lambda: -1) == -1  # forgotten when the third key came


def test_saving_a_watched_model_here_forgets_everything(small, catalogue):
    remembered: memo.Memo[str] = memo.Memo()
    memo.forget_on_change(Category)
    remembered.get("k", lambda: "old")
    category = catalogue["HJ01"]
    category.name = "改名"
    category.save()
    assert remembered.get("k", lambda: "new") == "new"
