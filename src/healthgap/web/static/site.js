// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Interactive charts: vega-embed draws the same spec the server rendered to SVG. Tooltips
  // are for the mouse; the keyboard path to every value is the data table under the chart.
  function embed(root) {
    if (!window.vegaEmbed) { return; }
    root.querySelectorAll("script.chart-spec").forEach(function (node) {
      var id = node.getAttribute("data-chart");
      var figure = node.closest("figure");
      var live = figure && figure.querySelector(".chart-live");
      var still = figure && figure.querySelector(".chart-static");
      if (!live || !still) { return; }
      var spec = JSON.parse(node.textContent);
      window.vegaEmbed(live, spec, { actions: false, renderer: "svg" }).then(function () {
        live.hidden = false;
        live.setAttribute("role", "img");
        live.setAttribute("aria-label", still.getAttribute("aria-label"));
        still.hidden = true;
        figure.setAttribute("data-enhanced", id);
      }).catch(function () { /* keep the server-rendered picture */ });
    });
  }
  // Views change in place: a control (form[data-autosubmit]) or a sort link (a[data-inplace])
  // fetches the new view, swaps <main>, keeps the keyboard focus where it was and puts the
  // view in the URL (history), so nothing moves under a keyboard or screen-reader user.
  var status = document.createElement("div");
  status.className = "visually-hidden view-status";
  status.setAttribute("role", "status");
  document.body.appendChild(status);
  var latest = 0;  // a faster later request wins over a slower earlier one
  function go(url, push) {
    var ticket = ++latest;
    var active = document.activeElement;
    var focusId = active && active.id;
    document.documentElement.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        if (ticket !== latest) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("main");
        var main = document.querySelector("main");
        if (!fresh || !main) { throw new Error("no main"); }
        main.replaceWith(fresh);
        document.title = doc.title;
        if (push) { history.pushState({ inplace: true }, "", url); }
        embed(fresh);
        var again = focusId && document.getElementById(focusId);
        if (again) { again.focus(); } else { fresh.focus(); }
        var h1 = fresh.querySelector("h1");
        status.textContent = "View updated" + (h1 ? ": " + h1.textContent : "");
        document.documentElement.removeAttribute("aria-busy");
      })
      .catch(function () { if (ticket === latest) { window.location.href = url; } });
  }
  function formUrl(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (v, k) { if (v !== "") { params.append(k, String(v)); } });
    var qs = params.toString();
    return form.getAttribute("action") + (qs ? "?" + qs : "");
  }
  var canSwap = !!(window.fetch && window.DOMParser && window.history && history.pushState);
  document.addEventListener("change", function (e) {
    var form = e.target.closest && e.target.closest("form[data-autosubmit]");
    if (!form) { return; }
    if (canSwap) { go(formUrl(form), true); } else { form.submit(); }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!canSwap || !form.matches("form[data-autosubmit]")) { return; }
    e.preventDefault();
    go(formUrl(form), true);
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("button[data-print]")) { window.print(); }
  });
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-inplace]");
    if (!canSwap || !link || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) { return; }
    e.preventDefault();
    go(link.getAttribute("href"), true);
  });
  window.addEventListener("popstate", function () { go(window.location.href, false); });
  function first() { embed(document); }
  if (document.readyState === "complete") { first(); } else { window.addEventListener("load", first); }
})();
