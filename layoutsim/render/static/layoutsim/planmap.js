/* layoutsim planmap.js -- builds a Leaflet map from a JSON spec embedded in the page.
 * Plain JS, no other library than Leaflet. Part of layoutsim (MIT).
 * Data text is only ever put into the page with textContent / createTextNode, never innerHTML,
 * so a school name like <img src=x onerror=...> shows as text and runs nothing.
 */
(function () {
  "use strict";
  var ICONS = { "new": "+", "exp": "\u2191", "close": "\u00d7", "find": "!", "tmp": "\u4e34", "conv": "\u8c03",
                "seat": "\u2605" };
  /* Below the zoom that fits a county of median size ("overview"), schools, units and findings are hidden
   * (class ls-detail) and counties are summed; from it on ("detail") every school shows. */
  var SMALL_WINDOW = 900;

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

  function pointLayer(detail) {
    return function (feature, latlng) {
      var s = (feature.properties && feature.properties.s) || {};
      if (s.icon) {
        var size = s.size || 18;
        var html = el("span", "", ICONS[s.icon] || "");
        return L.marker(latlng, {
          icon: L.divIcon({ className: "ls-icon ls-icon-" + s.icon + (detail ? " ls-detail" : ""), html: html,
                            iconSize: [size, size] }),
          keyboard: false, riseOnHover: true
        });
      }
      return L.circleMarker(latlng, styled(s, detail));
    };
  }

  function styled(s, detail) {
    if (!detail) return s;
    var out = {};
    for (var k in s) out[k] = s[k];
    out.className = ((s.className || "") + " ls-detail").trim();
    return out;
  }

  function geojsonLayer(spec) {
    return L.geoJSON(spec.features, {
      pointToLayer: pointLayer(!!spec.detail),
      style: function (f) { return styled((f.properties && f.properties.s) || {}, !!spec.detail); },
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
                 className: "ls-gap " + (f.properties.k === "county" ? "ls-gap-county" : "ls-gap-town") };
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
    function set(level, year) {
      if (level) state.level = level;
      if (year !== undefined && year !== null) state.year = year;
      layer.setStyle(layer.options.style);
      map.fire("ls:gap", state);
    }
    layer.lsSet = set;
    layer.lsStep = function (d) {
      var i = Math.min(spec.years.length - 1, Math.max(0, spec.years.indexOf(state.year) + d));
      set(null, spec.years[i]);
    };
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
      sel.onchange = function () { set(sel.value, null); };
      range.oninput = function () { set(null, spec.years[+range.value]); };
      map.on("ls:gap", function () {  // the panel follows the state, whoever moved it (keys, a shared control)
        out.textContent = String(state.year); sel.value = state.level;
        range.value = Math.max(0, spec.years.indexOf(state.year));
      });
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
    if (!spec.embedded) {  // an embedded map (the comparison) is driven by the page's shared controls
      layer.on("add", function () { panel.addTo(map); });
      layer.on("remove", function () { panel.remove(); });
    }
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

  /* The legend's box: a header that folds it (folded at first on a small window) and its rows. */
  function legendBox(spec, folded) {
    var box = el("div", "ls-legend" + (folded ? " ls-folded" : ""));
    if (!document.getElementById("ls-legend")) box.id = "ls-legend";
    var head = el("button", "ls-legend-head", spec.labels.legend_title);
    head.type = "button"; head.setAttribute("aria-expanded", String(!folded));
    head.onclick = function () {
      var now = box.classList.toggle("ls-folded");
      head.setAttribute("aria-expanded", String(!now));
    };
    box.appendChild(head);
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
    return box;
  }

  function legendControl(spec) {
    var ctl = L.control({ position: "bottomleft" });
    ctl.onAdd = function () {
      var box = legendBox(spec, window.innerWidth < SMALL_WINDOW);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return ctl;
  }

  /* Names: a label per feature carrying "l" (text) and "lp" (where); county labels always, township labels
   * from the detail zoom on; a label that would overlap one already placed (counties first, then the
   * townships by population) is hidden, so names never collide. */
  function labelLayer(map, ls) {
    var group = L.layerGroup();
    (ls.features || []).forEach(function (f) {
      var p = f.properties || {};
      if (!p.l || !p.lp) return;
      var kind = ls.labels;
      var icon = L.divIcon({ className: "ls-label ls-label-" + kind + (kind === "township" ? " ls-detail" : ""),
                             html: el("span", "", p.l), iconSize: null });
      var m = L.marker([p.lp[1], p.lp[0]], { icon: icon, interactive: false, keyboard: false });
      m.lsRank = (kind === "county" ? 1e12 : 0) + (p.lr || 0);
      group.addLayer(m);
    });
    return group;
  }

  function declutter(map, groups) {
    var placed = [];
    var all = [];
    groups.forEach(function (g) { if (map.hasLayer(g)) g.eachLayer(function (m) { all.push(m); }); });
    all.sort(function (a, b) { return b.lsRank - a.lsRank; });
    all.forEach(function (m) {
      var node = m.getElement();
      if (!node) return;
      node.classList.remove("ls-clash");
      if (getComputedStyle(node).display === "none") return;
      var r = node.getBoundingClientRect();
      var hit = placed.some(function (q) {
        return r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom;
      });
      if (hit) node.classList.add("ls-clash"); else placed.push(r);
    });
  }

  /* Presentation mode (?present in the address, or the button): big type, controls hidden, a title bar
   * with the scenario, the year and the synthetic-data notice; arrow keys step through the years. */
  function presentation(map, spec, gap) {
    var bar = el("div", "ls-present-bar");
    bar.setAttribute("role", "status");
    function text() {
      var parts = [spec.title];
      if (gap) parts.push(String(gap.lsState.year));
      if (spec.synthetic) parts.push(spec.labels.synthetic_note);
      bar.textContent = parts.filter(Boolean).join(" \u00b7 ");
    }
    map.getContainer().appendChild(bar);
    text();
    map.on("ls:gap", text);
    function toggle(on) {
      document.body.classList.toggle("ls-present", on);
      map.invalidateSize();
    }
    var ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var b = el("button", "ls-present-button leaflet-bar", spec.labels.present);
      b.type = "button"; b.title = spec.labels.present;
      b.onclick = function () { toggle(!document.body.classList.contains("ls-present")); };
      L.DomEvent.disableClickPropagation(b);
      return b;
    };
    ctl.addTo(map);
    document.addEventListener("keydown", function (e) {
      if (e.target && /INPUT|SELECT|TEXTAREA/.test(e.target.tagName)) return;
      if (e.key === "Escape") toggle(false);
      else if ((e.key === "p" || e.key === "P") && !e.ctrlKey && !e.metaKey) toggle(!document.body.classList.contains("ls-present"));
      else if (gap && (e.key === "ArrowRight" || e.key === "ArrowLeft")) {
        gap.lsStep(e.key === "ArrowRight" ? 1 : -1);
        e.preventDefault();
      }
    });
    if (/[?&#]present\b/.test(window.location.search + window.location.hash)) toggle(true);
  }

  function build(container, spec) {
    var map = L.map(container, { zoomControl: true, preferCanvas: false, zoomSnap: 0.25, zoomDelta: 0.5 });
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
    var gap = null;
    var labels = [];
    (spec.layers || []).forEach(function (ls) {
      if (spec.embedded) ls.embedded = true;
      var layer = ls.kind === "gap" ? gapLayer(map, ls, spec.labels) : geojsonLayer(ls);
      if (ls.kind === "gap") { startYear = layer.lsState.year; gap = layer; }
      else { var f = yearFilter(layer); if (f) filters.push(f); }
      if (ls.labels) {
        var names = labelLayer(map, ls);
        labels.push(names);
        names.addTo(map);  // names to orient by, whichever layers are on
      }
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
    L.control.layers(base, overlays, { collapsed: !!spec.collapsed_layers || window.innerWidth < SMALL_WINDOW })
      .addTo(map);
    if (entries.length && !spec.embedded) searchControl(map, entries, spec.labels).addTo(map);
    if (spec.legend && !spec.embedded) legendControl(spec).addTo(map);
    map.fitBounds(spec.bounds, { padding: [8, 8] });
    var detailZoom = spec.detail_bounds ? map.getBoundsZoom(spec.detail_bounds) - 0.5 : -Infinity;
    function mode() {
      container.classList.toggle("ls-overview", map.getZoom() < detailZoom);
      declutter(map, labels);
    }
    map.on("zoomend moveend overlayadd overlayremove", mode);
    mode();
    if (!spec.embedded) presentation(map, spec, gap);
    var handle = { map: map, spec: spec, layers: byId, gap: gap, detailZoom: detailZoom };
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

  window.LayoutsimMap = { build: build, sync: sync, popupNode: popupNode, legendBox: legendBox };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
