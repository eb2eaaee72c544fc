"""Small-count suppression: no count from 1 to 4 shown, nor recoverable by subtraction."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from referrals.suppression import suppress_funnel, suppress_partition, suppress_share


def test_small_cells_and_their_partner_are_hidden() -> None:
    cells, total = suppress_partition({"a": 40, "b": 3, "c": 12}, 55)
    assert cells == {"a": 40, "b": None, "c": None} and total == 55
    cells, total = suppress_partition({"a": 40, "b": 0, "c": 12}, 52)
    assert cells == {"a": 40, "b": 0, "c": 12} and total == 52
    cells, total = suppress_partition({"a": 3}, 3)
    assert cells == {"a": None} and total is None
    cells, total = suppress_partition({"a": 2, "b": 2, "c": 30}, 34)
    assert cells["a"] is None and cells["b"] is None and cells["c"] is None


def test_funnel_hides_small_drops() -> None:
    assert suppress_funnel([("sent", 100), ("accepted", 98), ("started", 60), ("completed", 3)]) == [
        ("sent", 100),
        ("accepted", None),
        ("started", 60),
        ("completed", None),
    ]


def test_share_needs_five_on_each_side() -> None:
    assert suppress_share(3, 40) is None
    assert suppress_share(37, 40) is None
    assert suppress_share(20, 40) == 0.5
    assert suppress_share(0, 3) is None


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.integers(min_value=0, max_value=60), min_size=1))
def test_no_hidden_cell_can_be_recovered_by_subtraction(cells: dict[str, int]) -> None:
    total = sum(cells.values())
    shown, shown_total = suppress_partition(cells, total)
    assert all(value is None or not 0 < value < 5 for value in shown.values())
    assert shown_total is None or not 0 < shown_total < 5
    hidden = [k for k, v in shown.items() if v is None]
    if shown_total is not None and hidden:
        # What the hidden cells add up to is known; it must not single out a small count.
        assert len(hidden) >= 2 or cells[hidden[0]] == 0
        assert sum(cells[k] for k in hidden) >= 5 or all(cells[k] == 0 for k in hidden)
