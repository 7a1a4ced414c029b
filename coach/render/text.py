"""Words shown to people, shared by the overlay and the HTML report (Qt-free)."""

from __future__ import annotations


def display_name(identifier: str) -> str:
    """A technique or step identifier as people read it: 'forehead_smooth' → 'Forehead smooth'.

    Names that already have capitals or spaces are taken to be written for people and kept.
    """
    if not identifier or " " in identifier or identifier != identifier.lower():
        return identifier
    words = identifier.replace("_", " ").strip()
    return words[:1].upper() + words[1:]

