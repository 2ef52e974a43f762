/* layoutsim offline shim for the two jQuery calls folium's own templates make:
 *   $(`<div>...</div>`)[0]      (folium.Popup: parse an HTML string into nodes)
 *   $(document).ready(fn), $(fn) (folium.Map objects_in_front)
 * It is NOT jQuery. Anything else throws, so a feature that needs real jQuery
 * shows up as a console error in the browser tests instead of half working.
 * Part of layoutsim, MIT licensed (see LICENSE beside this file). */
(function () {
  "use strict";
  if (window.jQuery) { return; }
  function unsupported(what) {
    throw new Error("layoutsim offline jQuery shim: unsupported use: " + what +
                    " (vendor real jQuery in layoutsim/render/static and register it)");
  }
  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { fn(); });
    } else {
      fn();
    }
  }
  function $(arg) {
    if (typeof arg === "function") { ready(arg); return; }
    if (arg === document || arg === window) {
      return { ready: function (fn) { ready(fn); return this; } };
    }
    if (typeof arg === "string" && /^\s*</.test(arg)) {
      /* <template> content is inert: no script runs, no image loads, until inserted. */
      var t = document.createElement("template");
      t.innerHTML = arg.trim();
      return Array.prototype.slice.call(t.content.childNodes);
    }
    unsupported(typeof arg === "string" ? "selector " + JSON.stringify(arg) : String(arg));
  }
  ["ajax", "extend", "each", "getJSON", "get", "post", "fn"].forEach(function (name) {
    Object.defineProperty($, name, {
      get: function () { unsupported("$." + name); }
    });
  });
  window.$ = window.jQuery = $;
})();
