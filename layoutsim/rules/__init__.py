"""The plans' rules as data (rulebooks) and the audit of a layout against them."""
from __future__ import annotations

from layoutsim.rules.audit import FINDING_COLUMNS, audit, summarize
from layoutsim.rules.book import Rulebook, load_rulebook, packaged_books
from layoutsim.rules.params import KINDS

__all__ = ["FINDING_COLUMNS", "KINDS", "Rulebook", "audit", "load_rulebook", "packaged_books", "summarize"]
