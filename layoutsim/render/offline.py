"""Render a folium map to ONE self-contained HTML page that needs no network.

Our maps are opened on government networks and meeting-room laptops with no
internet, so no CDN may be referenced. :func:`offline_html` renders a folium map
(or its branca ``Figure``) with every script/stylesheet that folium would load from
a CDN replaced by the inlined contents of a vendored file under ``static/``.

How it works
------------
folium elements declare their assets as ``default_js`` / ``default_css`` lists of
``(name, url)`` on :class:`folium.elements.JSCSSMixin` subclasses (``folium.Map``,
plugins, ...). Before rendering, every such element in the tree gets an instance-level
copy of those lists in which

* a name in :data:`ASSETS` points to a placeholder URL that is swapped, after
  rendering, for an inline ``<script>`` / ``<style>`` made from the registered files;
* a name in :data:`OMITTED` (bootstrap, font-awesome, awesome-markers) is dropped;
* any other name with a remote URL raises :class:`OfflineAssetError` -- a folium
  upgrade or a new plugin that brings a CDN asset is caught, not silently shipped.

After rendering, any remaining ``<script src>``, ``<link href>``, ``@import`` or
remote ``url()`` raises too. The map object is restored afterwards (no placeholder
URL leaks into a later ``m.save()``).

To support a new plugin (e.g. ``folium.plugins.Search``): vendor its files under
``static/<package>/`` with their LICENSE, then map the link names folium uses for it
(see the plugin's ``default_js`` / ``default_css``) with :func:`register_asset`, or add
them to :data:`ASSETS` below.

Data text (school names, ...) put into popups, tooltips or GeoJSON properties must
go through :func:`esc`: folium inserts popup and tooltip text as raw HTML inside a
JavaScript template literal.
"""
from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.elements import JSCSSMixin

__all__ = [
    "ASSETS",
    "OMITTED",
    "STATIC_DIR",
    "OfflineAssetError",
    "esc",
    "inlined_bytes",
    "offline_html",
    "check_self_contained",
    "inline_asset",
    "register_asset",
]

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: folium link name -> files under STATIC_DIR, inlined in this order. Whether a name is
#: a script or a stylesheet follows from the list (default_js / default_css) naming it.
ASSETS: dict[str, tuple[str, ...]] = {
    "leaflet": ("leaflet/leaflet.js", "shims/leaflet-icon-default.js"),
    "leaflet_css": ("leaflet/leaflet.css",),
    # folium.Popup parses its HTML with $(`...`)[0]; a 40-line shim, not jQuery.
    "jquery": ("shims/jquery-shim.js",),
    # layoutsim's own map code (plain JS over Leaflet) for the map, report and compare pages.
    "layoutsim_map": ("layoutsim/planmap.js",),
    "layoutsim_map_css": ("layoutsim/planmap.css",),
    # the province page's choropleth (plain JS over Leaflet)
    "layoutsim_province": ("layoutsim/province.js",),
}

#: folium link names dropped on purpose, with the reason. Elements that would need
#: them (folium.Icon) are refused by offline_html.
OMITTED: dict[str, str] = {
    "bootstrap": "not used by our maps",
    "bootstrap_css": "not used by our maps",
    "glyphicons_css": "only for folium.Icon (awesome-markers)",
    "awesome_markers": "only for folium.Icon (awesome-markers)",
    "awesome_markers_css": "only for folium.Icon (awesome-markers)",
    "awesome_markers_font_css": "font-awesome, only for folium.Icon",
    "awesome_rotate_css": "only for folium.Icon (awesome-markers)",
}

_PLACEHOLDER = "layoutsim-asset:"
_REMOTE = re.compile(r"^\s*(?:https?:)?//", re.I)
_DATA_URI_TOKEN = re.compile(r"\{\{data_uri:([^}]+)\}\}")
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""", re.I)
_SOURCEMAP = re.compile(r"^\s*(?://|/\*)#\s*sourceMappingURL=.*$", re.M)
_FIGURE_META = '<meta http-equiv="content-type" content="text/html; charset=UTF-8" />'


class OfflineAssetError(RuntimeError):
    """The page would need a file from the network, or a vendored file is missing.

    A programming error (a new folium feature or plugin without vendored assets),
    not a user error, hence not a LayoutsimError.
    """


def register_asset(name: str, *files: str) -> None:
    """Map the folium link ``name`` to vendored files (paths relative to STATIC_DIR)."""
    if not files:
        raise ValueError("register_asset needs at least one file")
    for rel in files:
        _static_path(rel)  # fail now, not at render time
    ASSETS[name] = tuple(files)


def inline_asset(name: str, kind: str) -> str:
    """The inlined text of the registered asset ``name`` (``kind`` 'js' or 'css'), ready to go between
    ``<script>`` / ``<style>`` tags: CSS ``url()`` become data URIs, ``</script`` is neutralised."""
    if name not in ASSETS:
        raise OfflineAssetError(f"asset {name!r} is not registered")
    if kind not in ("js", "css"):
        raise ValueError(f"kind must be 'js' or 'css', not {kind!r}")
    return _inline_code(name, kind)


def check_self_contained(html: str) -> None:
    """Raise OfflineAssetError if ``html`` would load a script or stylesheet from outside the page."""
    _check_self_contained(html)


def esc(value: Any) -> str:
    """Escape data text for a folium popup, tooltip or GeoJSON property.

    HTML-escapes ``& < > " '`` and also turns the characters that are special inside
    the JavaScript template literals folium wraps popups and tooltips in
    (backtick, ``$``, backslash) into HTML entities, so the text shows as typed and
    never runs. ``None`` becomes ``""``.
    """
    if value is None:
        return ""
    text = str(value)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
        .replace("`", "&#96;")
        .replace("$", "&#36;")
        .replace("\\", "&#92;")
    )


def inlined_bytes(html: str) -> dict[str, int]:
    """Bytes (UTF-8) of each asset offline_html inlined into ``html``, by asset name."""
    pattern = r'<(script|style) data-asset="([^"]+)">(.*?)</\1>'
    return {m.group(2): len(m.group(3).encode()) for m in re.finditer(pattern, html, re.S)}


def offline_html(
    fmap: folium.Map | Figure,
    *,
    lang: str = "zh-CN",
    title: str | None = None,
    allow_remote_tiles: bool = False,
) -> str:
    """Render ``fmap`` to a single self-contained HTML page (no CDN, no network).

    ``fmap`` is a ``folium.Map`` (or any element in a Figure) or the branca
    ``Figure`` itself. ``lang`` goes on ``<html lang>``; ``title`` (escaped) becomes
    ``<title>`` unless the figure already has one. Raster tile layers with a remote
    URL (folium's default OpenStreetMap tiles: build maps with ``tiles=None``) raise
    OfflineAssetError unless ``allow_remote_tiles=True``.

    Raises OfflineAssetError if any script or stylesheet would still come from
    outside the page.
    """
    figure = fmap if isinstance(fmap, Figure) else fmap.get_root()
    if not isinstance(figure, Figure):
        raise TypeError(f"offline_html needs a folium.Map or a branca Figure, got {type(fmap).__name__}")

    elements = list(_walk(figure))
    _refuse_network_features(elements, allow_remote_tiles=allow_remote_tiles)

    saved_links: list[tuple[JSCSSMixin, dict[str, Any]]] = []
    # Rendering adds children to the figure's header/html/script (and folium adds some
    # anew on every render): put them back as they were so the map object is unchanged.
    saved_parts = {part: dict(getattr(figure, part)._children) for part in ("header", "html", "script")}
    try:
        for el in elements:
            if isinstance(el, JSCSSMixin):
                saved_links.append((el, {k: el.__dict__[k] for k in ("default_js", "default_css") if k in el.__dict__}))
                el.default_js = _offline_links(el, el.default_js)
                el.default_css = _offline_links(el, el.default_css)
        # Links left in the header by an earlier render (m.save(), notebook display).
        for name, child in list(figure.header._children.items()):
            if _is_link(child) and not str(getattr(child, "url", "")).startswith(_PLACEHOLDER):
                del figure.header._children[name]
        html = figure.render()
    finally:
        for el, attrs in saved_links:
            for key in ("default_js", "default_css"):
                el.__dict__.pop(key, None)
            el.__dict__.update(attrs)
        for part, children in saved_parts.items():
            getattr(figure, part)._children.clear()
            getattr(figure, part)._children.update(children)

    html = _inline_placeholders(html)
    html = _fix_head(html, lang=lang, title=title)
    _check_self_contained(html)
    return html


# --------------------------------------------------------------------------- internals


def _walk(root: Element) -> Iterator[Element]:
    seen: set[int] = set()
    stack: list[Element] = [root]
    while stack:
        el = stack.pop()
        if id(el) in seen:
            continue
        seen.add(id(el))
        yield el
        stack.extend(reversed(list(getattr(el, "_children", {}).values())))
        for attr in ("header", "html", "script"):
            sub = getattr(el, attr, None)
            if isinstance(sub, Element):
                stack.append(sub)


def _refuse_network_features(elements: list[Element], *, allow_remote_tiles: bool) -> None:
    problems: list[str] = []
    for el in elements:
        if isinstance(el, folium.Icon):
            problems.append(
                "folium.Icon needs awesome-markers and font-awesome, which are not vendored: "
                "use CircleMarker / DivIcon, or vendor them and register_asset()"
            )
        if not allow_remote_tiles and isinstance(el, (folium.TileLayer, folium.WmsTileLayer)):
            url = str(getattr(el, "tiles", None) or getattr(el, "url", ""))
            if _REMOTE.match(url):
                problems.append(
                    f"tile layer {url!r} loads from the network: build the map with tiles=None "
                    "(or pass allow_remote_tiles=True)"
                )
        if isinstance(el, folium.raster_layers.ImageOverlay) and isinstance(el.url, str) and _REMOTE.match(el.url):
            problems.append(f"ImageOverlay {el.url!r} loads from the network: pass the image data instead")
    if problems:
        raise OfflineAssetError("map is not offline-safe:\n  - " + "\n  - ".join(sorted(set(problems))))


def _offline_links(el: JSCSSMixin, links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, url in links:
        if name in OMITTED:
            continue
        if name in ASSETS:
            out.append((name, _PLACEHOLDER + name))
        elif str(url).startswith("data:"):
            out.append((name, url))
        else:
            raise OfflineAssetError(
                f"{type(el).__module__}.{type(el).__name__} needs asset {name!r} from {url}, "
                "which is not vendored: put the file under layoutsim/render/static/ with its LICENSE "
                f"and register_asset({name!r}, ...)"
            )
    return out


def _is_link(el: Element) -> bool:
    return isinstance(el, (CssLink, JavascriptLink))


def _static_path(rel: str) -> Path:
    path = (STATIC_DIR / rel).resolve()
    if STATIC_DIR not in path.parents or not path.is_file():
        raise OfflineAssetError(f"vendored file missing: {STATIC_DIR / rel}")
    return path


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


_CODE_CACHE: dict[tuple[str, tuple[str, ...], str], str] = {}


def _inline_code(name: str, kind: str) -> str:
    files = ASSETS[name]
    key = (name, files, kind)
    if key not in _CODE_CACHE:
        parts = []
        for rel in files:
            path = _static_path(rel)
            text = path.read_text(encoding="utf-8")
            if kind == "js":
                text = _SOURCEMAP.sub("", text)
                text = _DATA_URI_TOKEN.sub(lambda m: _data_uri(_static_path(m.group(1).strip())), text)
                # Keep the HTML parser inside the <script> element.
                text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.I).replace("<!--", "<\\!--")
            else:
                text = _SOURCEMAP.sub("", text)
                text = _CSS_URL.sub(lambda m, p=path: _css_url(m, p), text)  # type: ignore[misc]
                if re.search(r"</style", text, re.I):
                    raise OfflineAssetError(f"{rel} contains '</style'")
            parts.append(f"/* {rel} (vendored, see its LICENSE) */\n{text.strip()}\n")
        _CODE_CACHE[key] = "\n".join(parts)
    return _CODE_CACHE[key]


def _css_url(match: re.Match[str], css_path: Path) -> str:
    ref = match.group(2).strip()
    if ref.startswith(("#", "data:")):
        return match.group(0)
    if _REMOTE.match(ref):
        raise OfflineAssetError(f"{css_path.name} references {ref} on the network")
    target = (css_path.parent / ref.split("?")[0].split("#")[0]).resolve()
    if STATIC_DIR not in target.parents or not target.is_file():
        raise OfflineAssetError(f"{css_path.name} references {ref}, not found under {STATIC_DIR}")
    return f'url("{_data_uri(target)}")'


_PLACEHOLDER_TAG = re.compile(
    r'<script src="' + re.escape(_PLACEHOLDER) + r'([^"]+)"></script>'
    r'|<link rel="stylesheet" href="' + re.escape(_PLACEHOLDER) + r'([^"]+)"\s*/?>'
)


def _inline_placeholders(html: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(1):
            return f'<script data-asset="{m.group(1)}">\n{_inline_code(m.group(1), "js")}</script>'
        return f'<style data-asset="{m.group(2)}">\n{_inline_code(m.group(2), "css")}</style>'

    return _PLACEHOLDER_TAG.sub(repl, html)


def _fix_head(html: str, *, lang: str, title: str | None) -> str:
    html = html.replace(_FIGURE_META, "", 1)
    html, n = re.subn(r"<html(\s[^>]*)?>", lambda m: f'<html lang="{esc(lang)}">', html, count=1)
    head = re.search(r"<head[^>]*>", html)
    if not n or not head:
        raise OfflineAssetError("rendered page has no <html> or <head> tag (branca template changed?)")
    extra = '\n<meta charset="utf-8">'
    if title is not None and "<title>" not in html:
        extra += f"\n<title>{esc(title)}</title>"
    return html[: head.end()] + extra + html[head.end():]


_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc\s*=[^>]*>", re.I)
_LINK_HREF = re.compile(r"<link\b[^>]*\bhref\s*=\s*['\"]?(?!data:)[^>]*>", re.I)
_CSS_REMOTE = re.compile(r"@import\b|url\(\s*['\"]?\s*(?:https?:)?//", re.I)


def _check_self_contained(html: str) -> None:
    found = [m.group(0) for m in _SCRIPT_SRC.finditer(html)]
    found += [m.group(0) for m in _LINK_HREF.finditer(html)]
    for style in re.finditer(r"<style\b[^>]*>(.*?)</style>", html, re.I | re.S):
        found += [f"<style>...{m.group(0)}..." for m in _CSS_REMOTE.finditer(style.group(1))]
    if _PLACEHOLDER in html:
        found.append(f"unreplaced {_PLACEHOLDER} placeholder (branca link template changed?)")
    if found:
        raise OfflineAssetError(
            "offline page would still load from outside:\n  - " + "\n  - ".join(dict.fromkeys(found))
        )
