/* layoutsim planmap.js -- builds a Leaflet map from a JSON spec embedded in the page.
 * Plain JS, no other library than Leaflet. Part of layoutsim (MIT).
 * Data text is only ever put into the page with textContent / createTextNode, never innerHTML,
 * so a school name like <img src=x onerror=...> shows as text and runs nothing.
 */
(function () {
  "use strict";
  var ICONS = { "new": "+", "exp": "\u2191", "close": "\u00d7", "find": "!", "tmp": "\u4e34", "conv": "\u8c03" };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function popupNode(sections) {
    var box = el("div", "ls-popup");
    (sections || []).forEach(function (sec) {
      var part = el("div", "ls-sec" + (sec.c ? " " + sec.c : ""));
      if (sec.h) part.appendChild(el("div", "ls-ph", sec.h));
      if (sec.r && sec.r.length) {
        var tb = el("table", "ls-pt");
        sec.r.forEach(function (row) {
          var tr = el("tr", row[2] || "");
          tr.appendChild(el("th", "", row[0]));
          tr.appendChild(el("td", "", row[1]));
          tb.appendChild(tr);
        });
        part.appendChild(tb);
      }
      (sec.q || []).forEach(function (q) { part.appendChild(el("blockquote", "ls-quote", q)); });
      if (sec.n) part.appendChild(el("div", "ls-src", sec.n));
      box.appendChild(part);
    });
    return box;
  }

  function pointLayer(feature, latlng) {
    var s = (feature.properties && feature.properties.s) || {};
    if (s.icon) {
      var size = s.size || 18;
      var html = el("span", "", ICONS[s.icon] || "");
      return L.marker(latlng, {
        icon: L.divIcon({ className: "ls-icon ls-icon-" + s.icon, html: html, iconSize: [size, size] }),
        keyboard: false, riseOnHover: true
      });
    }
    return L.circleMarker(latlng, s);
  }

  function geojsonLayer(spec) {
    return L.geoJSON(spec.features, {
      pointToLayer: pointLayer,
      style: function (f) { return (f.properties && f.properties.s) || {}; },
      onEachFeature: function (f, layer) {
        var p = f.properties || {};
        if (p.t) layer.bindTooltip(el("span", "", p.t), { sticky: false });
        if (p.p) layer.bindPopup(function () { return popupNode(p.p); }, { maxWidth: 380 });
      }
    });
  }

  function gapColour(gap, seats, steps) {
    if (seats <= 0 && gap <= 0) return steps.none;
    var ratio = seats > 0 ? gap / seats : 1;
    for (var i = 0; i < steps.breaks.length; i++) {
      if (ratio < steps.breaks[i]) return steps.colours[i];
    }
    return steps.colours[steps.colours.length - 1];
  }

  function gapLayer(map, spec, labels, control) {
    var state = { level: spec.start_level || spec.levels[0].key, year: spec.start_year || spec.years[0] };
    var fmt = function (v) { return Math.round(v).toLocaleString(); };
    function cell(p) {
      var g = (p.g[state.level] || {})[String(state.year)];
      return g || [0, 0];
    }
    var layer = L.geoJSON(spec.features, {
      style: function (f) {
        var c = cell(f.properties);
        return { color: "#555", weight: 0.8, fillOpacity: 0.6, fillColor: gapColour(c[0] - c[1], c[1], spec.steps),
                 className: "ls-gap" };
      },
      onEachFeature: function (f, lyr) {
        lyr.bindTooltip(el("span", "", f.properties.t));
        lyr.bindPopup(function () {
          var c = cell(f.properties);
          var lv = spec.levels.filter(function (x) { return x.key === state.level; })[0].label;
          return popupNode([{ h: f.properties.t, r: [[labels.level, lv], [labels.year, String(state.year)],
            [labels.pupils, fmt(c[0])], [labels.seats, fmt(c[1])],
            [labels.seat_gap, fmt(c[0] - c[1])]] }]);
        });
      }
    });
    var panel = L.control({ position: "topright" });
    panel.onAdd = function () {
      var box = el("div", "ls-panel ls-years leaflet-bar");
      box.appendChild(el("div", "ls-panel-title", spec.name));
      var sel = el("select", "ls-level");
      spec.levels.forEach(function (lv) {
        var o = el("option", "", lv.label); o.value = lv.key; o.selected = lv.key === state.level;
        sel.appendChild(o);
      });
      var range = el("input", "ls-year-range");
      range.type = "range"; range.min = 0; range.max = spec.years.length - 1; range.step = 1;
      range.value = Math.max(0, spec.years.indexOf(state.year));
      range.setAttribute("aria-label", labels.year);
      var out = el("span", "ls-year", String(state.year));
      var play = el("button", "ls-play", "\u25b6");
      play.type = "button"; play.title = labels.play;
      var timer = null;
      function redraw() { layer.setStyle(layer.options.style); map.fire("ls:gap", state); }
      sel.onchange = function () { state.level = sel.value; redraw(); };
      range.oninput = function () {
        state.year = spec.years[+range.value]; out.textContent = String(state.year); redraw();
      };
      play.onclick = function () {
        if (timer) { clearInterval(timer); timer = null; play.textContent = "\u25b6"; return; }
        play.textContent = "\u25a0";
        timer = setInterval(function () {
          range.value = (+range.value + 1) % spec.years.length; range.oninput();
        }, 900);
      };
      box.appendChild(sel);
      var row = el("div", "ls-year-row");
      row.appendChild(play); row.appendChild(range); row.appendChild(out);
      box.appendChild(row);
      var leg = el("div", "ls-gap-legend");
      spec.legend.forEach(function (item) {
        var r = el("div");
        var sw = el("span", "ls-sw ls-sw-square"); sw.style.background = item[0];
        r.appendChild(sw); r.appendChild(document.createTextNode(item[1])); leg.appendChild(r);
      });
      box.appendChild(leg);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    layer.on("add", function () { panel.addTo(map); });
    layer.on("remove", function () { panel.remove(); });
    layer.lsState = state;
    return layer;
  }

  /* A layer whose features carry years (y0: from, y1: until) shows each only in its years: the plan's
   * network year by year, driven by the seat gap's year slider. Null when no feature is dated. */
  function yearFilter(layer) {
    var all = layer.getLayers ? layer.getLayers().slice() : [];
    var dated = all.some(function (l) { return l.feature && l.feature.properties.y0 !== undefined; });
    if (!dated) return null;
    return function (year) {
      all.forEach(function (l) {
        var p = l.feature.properties;
        var on = p.y0 === undefined || (p.y0 <= year && (p.y1 === undefined || year <= p.y1));
        if (on && !layer.hasLayer(l)) layer.addLayer(l);
        if (!on && layer.hasLayer(l)) layer.removeLayer(l);
      });
    };
  }

  function searchControl(map, entries, labels) {
    var ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var box = el("div", "ls-search leaflet-bar");
      var input = el("input", "ls-search-input");
      input.type = "search"; input.placeholder = labels.search; input.setAttribute("aria-label", labels.search);
      var list = el("ul", "ls-search-list");
      input.oninput = function () {
        while (list.firstChild) list.removeChild(list.firstChild);
        var q = input.value.trim().toLowerCase();
        if (!q) return;
        var hits = entries.filter(function (e) { return e.key.indexOf(q) >= 0; }).slice(0, 12);
        if (!hits.length) list.appendChild(el("li", "ls-none", labels.no_match));
        hits.forEach(function (h) {
          var li = el("li", "ls-hit");
          li.appendChild(el("span", "", h.name));
          li.appendChild(el("small", "", " " + h.group));
          li.onclick = function () {
            if (!map.hasLayer(h.group_layer)) map.addLayer(h.group_layer);
            map.setView(h.layer.getLatLng ? h.layer.getLatLng() : h.layer.getBounds().getCenter(),
                        Math.max(map.getZoom(), 15));
            h.layer.openPopup();
          };
          list.appendChild(li);
        });
      };
      box.appendChild(input); box.appendChild(list);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return ctl;
  }

  function legendControl(spec) {
    var ctl = L.control({ position: "bottomleft" });
    ctl.onAdd = function () {
      var box = el("div", "ls-legend");
      if (!document.getElementById("ls-legend")) box.id = "ls-legend";
      box.appendChild(el("b", "", spec.labels.legend_title));
      spec.legend.forEach(function (item) {
        var r = el("div", "ls-legend-row");
        var sw = el("span", "ls-sw ls-sw-" + (item.shape || "dot"));
        if (item.shape === "icon") {
          sw = el("span", "ls-icon ls-icon-" + item.icon + " ls-sw-icon", ICONS[item.icon] || "");
        } else {
          sw.style.background = item.fill || "transparent";
          if (item.stroke) sw.style.border = "2.5px solid " + item.stroke;
        }
        r.appendChild(sw); r.appendChild(document.createTextNode(item.label)); box.appendChild(r);
      });
      (spec.notes || []).forEach(function (n) { box.appendChild(el("div", "ls-note " + (n.c || ""), n.text)); });
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return ctl;
  }

  function build(container, spec) {
    var map = L.map(container, { zoomControl: true, preferCanvas: false });
    L.control.scale({ imperial: false }).addTo(map);
    var base = {};
    var overlays = {};
    (spec.tiles || []).forEach(function (t, i) {
      var tl = L.tileLayer(t.url, t.options || {});
      if (t.overlay) overlays[t.name] = tl; else base[t.name] = tl;
      tl.addTo(map);
    });
    var entries = [];
    var byId = {};
    var filters = [];
    var startYear = null;
    (spec.layers || []).forEach(function (ls) {
      var layer = ls.kind === "gap" ? gapLayer(map, ls, spec.labels) : geojsonLayer(ls);
      if (ls.kind === "gap") startYear = layer.lsState.year;
      else { var f = yearFilter(layer); if (f) filters.push(f); }
      overlays[ls.name] = layer;
      byId[ls.id] = layer;
      if (ls.show) layer.addTo(map);
      if (ls.search) {
        layer.eachLayer(function (l) {
          var p = l.feature.properties;
          if (p && p.k) entries.push({ key: p.k.toLowerCase(), name: p.k, group: ls.name, layer: l, group_layer: layer });
        });
      }
    });
    if (startYear !== null && filters.length) {
      filters.forEach(function (f) { f(startYear); });
      map.on("ls:gap", function (e) { filters.forEach(function (f) { f(e.year); }); });
    }
    L.control.layers(base, overlays, { collapsed: !!spec.collapsed_layers }).addTo(map);
    if (entries.length) searchControl(map, entries, spec.labels).addTo(map);
    if (spec.legend) legendControl(spec).addTo(map);
    map.fitBounds(spec.bounds);
    var handle = { map: map, spec: spec, layers: byId };
    window.LayoutsimMaps = window.LayoutsimMaps || [];
    window.LayoutsimMaps.push(handle);
    return handle;
  }

  /* Keep the views of several maps in step: moving one moves the others. */
  function sync(handles) {
    var busy = false;
    handles.forEach(function (h) {
      h.map.on("move moveend zoomend", function () {
        if (busy) return;
        busy = true;
        handles.forEach(function (o) {
          if (o !== h) o.map.setView(h.map.getCenter(), h.map.getZoom(), { animate: false });
        });
        busy = false;
      });
    });
    if (handles.length) handles[0].map.fire("move");
  }

  function start() {
    var nodes = document.querySelectorAll("[data-ls-spec]");
    var handles = [];
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var spec = JSON.parse(document.getElementById(node.getAttribute("data-ls-spec")).textContent);
      handles.push(build(node, spec));
    }
    if (handles.length > 1 && document.body.hasAttribute("data-ls-sync")) sync(handles);
  }

  window.LayoutsimMap = { build: build, sync: sync, popupNode: popupNode };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
