"""Pages from jinja2 templates with every script and stylesheet inlined (no CDN, works offline).

Data reach a page two ways, both safe for hostile text (a school named ``<img src=x onerror=…>``):
HTML text through jinja2's autoescape, and map data as JSON in ``<script type="application/json">``
(``<``, ``>``, ``&`` written as ``\\u003c`` …) that planmap.js puts on the page with ``textContent`` only.
"""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .offline import check_self_contained, inline_asset

FONT_STACK = '"Noto Sans CJK SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif'

_ENV = Environment(loader=PackageLoader("layoutsim.render", "templates"), autoescape=True,
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _finite(value: Any) -> Any:
    """Replace non-finite floats (NaN, inf) by None, recursively: JSON has no NaN."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def json_script(obj: Any) -> Markup:
    """``obj`` as JSON text that is safe inside ``<script type="application/json">``."""
    text = json.dumps(_finite(obj), ensure_ascii=False, default=_default, separators=(",", ":"), allow_nan=False)
    for ch, rep in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return Markup(text)


def assets(*, leaflet: bool = True) -> dict[str, Markup]:
    """The inlined scripts and styles a page template puts in its head."""
    out = {"planmap_css": Markup(inline_asset("layoutsim_map_css", "css"))}
    if leaflet:
        out |= {"leaflet_js": Markup(inline_asset("leaflet", "js")),
                "leaflet_css": Markup(inline_asset("leaflet_css", "css")),
                "planmap_js": Markup(inline_asset("layoutsim_map", "js"))}
    return out


def render_page(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with the inlined assets; refuse a page that would need the network."""
    html = _ENV.get_template(template).render(font_stack=FONT_STACK, json_script=json_script,
                                              **assets(leaflet=context.pop("leaflet", True)), **context)
    check_self_contained(html)
    return html
