"""Small-count suppression for the follow-up figures (pure): no resident can be picked out of a table.

Every count from 1 to 4 is hidden (None), and so is any further cell from which a hidden one could be
recovered by subtraction: in a table whose cells add up to a shown total, a lone hidden cell gets a partner
(the next smallest non-zero cell, or the total itself); in a funnel, where each stage is a subset of the
one before, a stage whose drop from the last shown stage is 1 to 4 is hidden too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SMALLEST_SHOWN = 5


def is_small(count: int) -> bool:
    return 0 < count < SMALLEST_SHOWN


def suppress_partition(
    cells: Mapping[str, int], total: int | None
) -> tuple[dict[str, int | None], int | None]:
    """Cells that add up to `total` (None: no total is shown, the cells overlap or are a sample)."""
    shown: dict[str, int | None] = {key: (None if is_small(value) else value) for key, value in cells.items()}
    shown_total: int | None = total
    if total is not None:
        if is_small(total):
            return {key: None for key in cells}, None
        hidden = [key for key, value in shown.items() if value is None]
        if len(hidden) == 1 or (hidden and sum(cells[k] for k in hidden) < SMALLEST_SHOWN):
            # One hidden cell (or hidden cells adding up to a small number) would be total minus the rest:
            # hide the smallest shown non-zero cell as well, or else the total.
            candidates = sorted((value, key) for key, value in shown.items() if value)
            if candidates:
                shown[candidates[0][1]] = None
            else:
                shown_total = None
    return shown, shown_total


def suppress_funnel(stages: Sequence[tuple[str, int]]) -> list[tuple[str, int | None]]:
    """Nested counts (each a subset of the one before): hide small ones and small drops."""
    result: list[tuple[str, int | None]] = []
    last_shown: int | None = None
    for name, count in stages:
        hide = is_small(count) or (last_shown is not None and is_small(last_shown - count))
        result.append((name, None if hide else count))
        if not hide:
            last_shown = count
    return result


def suppress_share(numerator: int, denominator: int) -> float | None:
    """A share is shown only when both it and its complement rest on at least five people."""
    if denominator < SMALLEST_SHOWN or is_small(numerator) or is_small(denominator - numerator):
        return None
    return numerator / denominator
