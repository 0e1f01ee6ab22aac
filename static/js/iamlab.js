// iamlab: the little JavaScript there is. Every page works without it; this adds comfort.
(function () {
  "use strict";

  // A folder upload: browsers send each file's name without its folders, so the page sends
  // each file's path beside it (the server rebuilds the folder from them).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-folder-upload")) return;
    form.querySelectorAll("input[data-folder-path]").forEach(function (old) { old.remove(); });
    var input = form.querySelector("input[name=folder]");
    if (!input || !input.files) return;
    Array.prototype.forEach.call(input.files, function (file) {
      var path = document.createElement("input");
      path.type = "hidden";
      path.name = "path";
      path.value = file.webkitRelativePath || file.name;
      path.setAttribute("data-folder-path", "");
      form.appendChild(path);
    });
  });

  // Ctrl+Enter (or Cmd+Enter) in any box of the simulator submits it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("#simulator-form");
    if (!form) return;
    event.preventDefault();
    var button = form.querySelector("button[value=simulate]");
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  });

  // Clicking a finding's line:column puts the caret there.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.goto");
    if (!button) return;
    var box = document.getElementById(button.dataset.target);
    if (!box) return;
    var line = parseInt(button.dataset.line, 10);
    var column = parseInt(button.dataset.column, 10);
    var lines = box.value.split("\n");
    var offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    offset += Math.max(0, column - 1);
    box.focus();
    box.setSelectionRange(offset, offset + 1);
    var lineHeight = parseFloat(getComputedStyle(box).lineHeight) || 18;
    box.scrollTop = Math.max(0, (line - 3) * lineHeight);
  });

  // "Insert AWS managed policy…": a name picked from the list (or typed, then Enter) fetches
  // the document and puts it in the box.
  function insertManaged(select) {
    var name = select.value.trim();
    if (!/^[\w+=,.@-]+$/.test(name)) return;
    var box = document.getElementById(select.dataset.target);
    var url = select.dataset.url.replace("NAME", encodeURIComponent(name));
    select.value = "";
    if (!box) return;
    if (box.value.trim() && !window.confirm("Replace what is in this box with the AWS managed policy?")) return;
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        box.value = data.text;
        box.rows = 12;
        box.dispatchEvent(new Event("input", { bubbles: true }));
        box.focus();
      })
      .catch(function () { window.alert("Could not load " + name + ": no AWS managed policy has that name."); });
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("insert-managed") || !input.list) return;
    for (var i = 0; i < input.list.options.length; i++) {  // a name picked from the list
      if (input.list.options[i].value === input.value) { insertManaged(input); return; }
    }
  });
  // A policy finder beside a names box (a permission set's AWS managed policies): the name
  // picked from the list is added as a line of the box.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.dataset || !input.dataset.appendTo || !input.list) return;
    var box = document.getElementById(input.dataset.appendTo);
    var picked = Array.prototype.some.call(input.list.options, function (o) { return o.value === input.value; });
    if (!box || !picked) return;
    var names = box.value.split(/[\s,]+/).filter(Boolean);
    if (names.indexOf(input.value) < 0) names.push(input.value);
    box.value = names.join("\n");
    input.value = "";
  });
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.classList || !input.classList.contains("insert-managed")) return;
    event.preventDefault();  // Enter inserts; it does not submit the simulator's form
    if (input.value) insertManaged(input);
  });

  // A form that says so (data-swap-refused) gets its refusal swapped in too: the server
  // answers a refused form with 400 and the form and its messages, which htmx would drop.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.xhr.status !== 400 || !elt || !elt.closest || !elt.closest("[data-swap-refused]")) return;
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  });

  // The sandbox's questions (access check, who can, import): after the answer is swapped in,
  // focus the error summary or the answer, so keyboard and screen-reader users land on it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || ["check", "who", "import"].indexOf(target.id) < 0) return;
    var fresh = document.getElementById(target.id) || target;
    var landing = fresh.querySelector("[data-testid=error-summary], [data-testid=import-problem], #result, [data-testid=who-result]");
    if (landing) {
      if (!landing.hasAttribute("tabindex")) landing.setAttribute("tabindex", "-1");
      landing.focus();
    }
  });

  // A box that scrolls sideways (a long policy line, a wide table) takes the keyboard's focus,
  // so it can be scrolled with the arrow keys (WCAG 2.1.1; axe's scrollable-region-focusable).
  function focusableScrollers(root) {
    var main = document.getElementById("main");
    if (!main) return;
    var scope = root && root.querySelectorAll && main.contains(root) ? root : main;
    scope.querySelectorAll("*").forEach(function (box) {
      if (box.hasAttribute("tabindex")) return;
      var wide = box.scrollWidth > box.clientWidth + 1, tall = box.scrollHeight > box.clientHeight + 1;
      if (!wide && !tall) return;
      var style = getComputedStyle(box), scrolls = ["auto", "scroll"];
      if (!(wide && scrolls.indexOf(style.overflowX) >= 0) && !(tall && scrolls.indexOf(style.overflowY) >= 0)) return;
      if (box.querySelector("a[href], button, input, select, textarea, [tabindex]")) return;
      box.setAttribute("tabindex", "0");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { focusableScrollers(); });
  else focusableScrollers();
  window.addEventListener("resize", function () { focusableScrollers(); });
  document.addEventListener("htmx:afterSettle", function (event) { focusableScrollers(event.detail.elt); });

  // After htmx swaps in a result, move focus to it so keyboard and screen-reader users hear it.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "simulator") return;
    var result = document.getElementById("result");
    var summary = document.querySelector("[data-testid=error-summary]");
    var autofocus = document.querySelector("#simulator [autofocus]");
    if (autofocus) autofocus.focus();
    else if (summary) summary.focus();
    else if (result) result.focus({ preventScroll: false });
  });
})();
