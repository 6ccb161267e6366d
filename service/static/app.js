// kb web pages: a little progressive enhancement; every page works without it.
(function () {
  "use strict";

  // On a phone the filters start folded so the results come first; the chips above them say what is in use.
  function foldFiltersOnPhone() {
    var facets = document.querySelector("details.facets");
    if (facets && window.matchMedia("(max-width: 800px)").matches) facets.open = false;
  }

  // Opened from a search result with ?chunk=ID but no #chunk-ID: bring that passage into view.
  function showTargetPassage() {
    var target = document.querySelector("[data-target]");
    if (!target || window.location.hash) return;
    target.scrollIntoView({ block: "center" });
  }

  // "Back to the results" returns to the very page the reader came from (its filters, its scroll).
  function backToResults() {
    var link = document.querySelector("a[data-back]");
    if (!link || !document.referrer) return;
    var from = new URL(document.referrer);
    if (from.origin !== window.location.origin || from.pathname !== "/" || window.history.length < 2) return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.history.back();
    });
  }

  foldFiltersOnPhone();
  showTargetPassage();
  backToResults();
})();
