"""The one console on standard error that progress bars and messages share (rich nests the live displays
of one console; two consoles would draw over each other). Standard output carries only results."""
from __future__ import annotations

from rich.console import Console

STDERR = Console(stderr=True)
