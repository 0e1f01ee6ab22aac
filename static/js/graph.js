// iamlab access graph: click (or Tab + Enter on) a node to open its panel. Without
// JavaScript every node is reachable from the "From"/"To" lists and the links in the page.
(function () {
  "use strict";

  function ids() {
    var script = document.getElementById("graph-ids");
    if (!script) return {};
    try { return JSON.parse(script.textContent); } catch (e) { return {}; }
  }

  // Nodes become keyboard targets with a name a screen reader can say.
  function prepare(root) {
    var canvas = (root || document).querySelector("#graph-canvas");
    if (!canvas) return;
    canvas.querySelectorAll("g.node").forEach(function (g) {
      if (g.id.indexOf("node-s") === 0) return; // a summary box: nothing to open
      var title = g.querySelector("title");
      var text = Array.prototype.map.call(g.querySelectorAll("text"), function (t) { return t.textContent; }).join(", ");
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", "Open " + (text || (title && title.textContent) || "node"));
    });
  }

  function open(g) {
    var section = document.getElementById("graph");
    var map = ids();
    var dotId = g.id.replace(/^node-/, "");
    var arn = map[dotId];
    if (!section || !arn || !window.htmx) return;
    var url = section.dataset.nodeUrl + "?id=" + encodeURIComponent(arn);
    document.querySelectorAll("#graph-canvas g.node.selected").forEach(function (n) { n.classList.remove("selected"); });
    g.classList.add("selected");
    window.htmx.ajax("GET", url, { target: "#graph-panel", swap: "innerHTML" }).then(function () {
      var params = new URLSearchParams(window.location.search);
      params.set("node", arn);
      window.history.replaceState(window.history.state, "", "?" + params.toString());
      var panel = document.getElementById("graph-panel");
      if (panel) panel.focus({ preventScroll: false });
    });
  }

  document.addEventListener("click", function (event) {
    var g = event.target.closest && event.target.closest("#graph-canvas g.node");
    if (g) { event.preventDefault(); open(g); return; }
    var close = event.target.closest && event.target.closest("[data-panel-close]");
    if (close && document.getElementById("graph-canvas")) {
      event.preventDefault();
      var panel = document.getElementById("graph-panel");
      if (panel) panel.innerHTML = "";
      var params = new URLSearchParams(window.location.search);
      params.delete("node");
      window.history.replaceState(window.history.state, "", "?" + params.toString());
      return;
    }
    var fit = event.target.closest && event.target.closest("[data-graph-fit]");
    if (fit) {
      var canvas = document.getElementById("graph-canvas");
      var on = canvas.classList.toggle("fit");
      fit.setAttribute("aria-pressed", on ? "true" : "false");
      return;
    }
    // "Path from here…" fills the From (or To) list instead of leaving the page.
    var from = event.target.closest && event.target.closest("[data-path-from],[data-path-to]");
    if (from) {
      var select = document.getElementById(from.dataset.pathFrom ? "g-from" : "g-to");
      if (select) {
        event.preventDefault();
        select.value = from.dataset.pathFrom || from.dataset.pathTo;
        var other = document.getElementById(from.dataset.pathFrom ? "g-to" : "g-from");
        (other && !other.value ? other : select).focus();
      }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    var g = event.target.closest && event.target.closest("#graph-canvas g.node");
    if (!g) return;
    event.preventDefault();
    open(g);
  });

  // A drawing too wide to fit opens at its own size: scroll it so the node it is drawn
  // around sits in the middle of the canvas.
  function centre() {
    var canvas = document.getElementById("graph-canvas");
    if (!canvas || canvas.classList.contains("fit") || !canvas.dataset.centre) return;
    var map = ids();
    var dotId = Object.keys(map).find(function (k) { return map[k] === canvas.dataset.centre; });
    var g = dotId && document.getElementById("node-" + dotId);
    if (!g) return;
    var box = g.getBoundingClientRect();
    var frame = canvas.getBoundingClientRect();
    canvas.scrollLeft += box.left - frame.left - (frame.width - box.width) / 2;
    canvas.scrollTop += box.top - frame.top - (frame.height - box.height) / 2;
  }

  document.addEventListener("DOMContentLoaded", function () { prepare(document); centre(); });
  document.addEventListener("htmx:afterSettle", function () { prepare(document); });
})();
