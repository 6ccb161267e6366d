// kb web pages: a little progressive enhancement; every page works without it.
(function () {
  "use strict";

  // On a phone the filters start folded so the results come first (unless one is in use).
  function foldFiltersOnPhone() {
    var facets = document.querySelector("details.facets");
    if (!facets || !window.matchMedia("(max-width: 800px)").matches) return;
    if (!document.querySelector(".facet-link.is-active")) facets.open = false;
  }

  // Opened from a search result with ?chunk=ID but no #chunk-ID: bring that passage into view.
  function showTargetPassage() {
    var target = document.querySelector("[data-target]");
    if (!target || window.location.hash) return;
    target.scrollIntoView({ block: "center" });
  }

  foldFiltersOnPhone();
  showTargetPassage();
})();
