"""The posted form of a self-service page as plain values."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request


async def posted_form(request: Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Single values (the last one given) and repeated values of a posted form, as text."""
    form = await request.form()
    single = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    lists: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            lists.setdefault(key, []).append(value)
    return single, lists


FormDep = Annotated[tuple[dict[str, str], dict[str, list[str]]], Depends(posted_form)]
