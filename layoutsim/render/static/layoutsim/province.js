/* layoutsim province page: counties coloured by the seat gap of a level in a year (gap = pupils − seats,
 * as a share of the pupils), a level selector and a year slider; a county's popup links to its map and
 * report. Data come from <script type="application/json" id="ls-province">; text goes in with textContent. */
(function () {
  "use strict";

  function start() {
    var node = document.getElementById("ls-province");
    if (!node || typeof L === "undefined") return;
    var spec = JSON.parse(node.textContent);
    var lab = spec.labels;
    var level = spec.levels[0];
    var yi = Math.max(0, spec.years.indexOf(spec.year));
    var map = L.map("pmap", {zoomSnap: 0.25, attributionControl: false});
    window.lsProvince = {map: map, spec: spec};

    function entry(code) {
      var s = spec.series[code];
      return s && s[level] ? s[level] : null;
    }
    function share(code) {
      var e = entry(code);
      if (!e || e.pupils[yi] === null || e.gap[yi] === null || !(e.pupils[yi] > 0)) return null;
      return e.gap[yi] / e.pupils[yi];
    }
    function colour(v) {
      if (v === null) return "#bbbbbb";
      for (var i = 0; i < spec.classes.length; i++) {
        if (v <= spec.classes[i]) return spec.colours[i];
      }
      return spec.colours[spec.colours.length - 1];
    }
    function style(f) {
      return {color: "#555", weight: 0.8, fillOpacity: 0.85, fillColor: colour(share(f.properties.adcode)),
              dashArray: f.properties.failed ? "3" : null};
    }
    function fmt(v) { return v === null || v === undefined ? "–" : Math.round(v).toLocaleString(); }
    function line(parent, text) {
      var d = document.createElement("div");
      d.textContent = text;
      parent.appendChild(d);
      return d;
    }
    function popup(f) {
      var p = f.properties, box = document.createElement("div"), e = entry(p.adcode);
      var b = document.createElement("b");
      b.textContent = p.city + " " + p.name;
      box.appendChild(b);
      line(box, lab[level] + " · " + spec.years[yi]);
      if (e) {
        line(box, lab.pupils + ": " + fmt(e.pupils[yi]) + "  " + lab.seats + ": " + fmt(e.seats[yi]));
        var g = e.gap[yi];
        line(box, lab.gap_short + ": " + (g > 0 ? "+" : "") + fmt(g));
        line(box, lab.province_short + ": " + fmt(e.short[yi]));
      } else {
        line(box, lab.province_no_data);
      }
      if (p.failed) {
        line(box, lab.province_failed);
      } else {
        var links = line(box, "");
        [["map", lab.province_map], ["report", lab.province_report]].forEach(function (pair) {
          var a = document.createElement("a");
          a.href = p[pair[0]];
          a.textContent = pair[1];
          a.style.marginRight = "10px";
          links.appendChild(a);
        });
      }
      return box;
    }
    var layer = L.geoJSON(spec.counties, {
      style: style,
      onEachFeature: function (f, l) {
        l.bindPopup(function () { return popup(f); });
        l.bindTooltip(f.properties.name, {sticky: true});
      }
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    window.lsProvince.layer = layer;

    function restyle() {
      layer.setStyle(style);
      document.getElementById("pyear-label").textContent = spec.years[yi];
    }
    document.getElementById("plevel").addEventListener("change", function (ev) {
      level = ev.target.value;
      restyle();
    });
    document.getElementById("pyear").addEventListener("input", function (ev) {
      yi = parseInt(ev.target.value, 10);
      restyle();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
