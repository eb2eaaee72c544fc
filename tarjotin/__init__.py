"""Composition roots: the ASGI app factory, the `tarjotin` command line and the migrations environment.

They sit above every other package (../shared/DESIGN.md §2), so they may import anything while `app/`
imports nothing of ours.
"""
