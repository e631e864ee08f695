// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Controls apply as soon as they change (the URL keeps the state; the button stays for keyboards).
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
  });
  // Interactive charts: vega-embed draws the same spec the server rendered to SVG.
  function embed() {
    if (!window.vegaEmbed) { return; }
    document.querySelectorAll("script.chart-spec").forEach(function (node) {
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
  if (document.readyState === "complete") { embed(); } else { window.addEventListener("load", embed); }
})();
