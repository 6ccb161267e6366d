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

  // Put text on the clipboard: the Clipboard API where the page is a secure context (https, localhost),
  // else the old way, a selected textarea and execCommand("copy"), as on a server reached by its LAN address.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      document.body.removeChild(area);
      if (copied) resolve(); else reject(new Error("copy refused"));
    });
  }

  // "Sao chép trích dẫn": each document's citation in official form, copied with one click, said aloud.
  function citationButtons() {
    document.querySelectorAll("button.copy-citation").forEach(function (button) {
      var status = button.parentNode.querySelector(".copy-status");
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(button.getAttribute("data-copy")).then(function () {
          status.textContent = "Đã sao chép";
        }, function () {
          status.textContent = "Không sao chép được; hãy bôi đen trích dẫn rồi nhấn Ctrl+C";
        });
        window.clearTimeout(button.copyTimer);
        button.copyTimer = window.setTimeout(function () { status.textContent = ""; }, 4000);
      });
    });
  }

  foldFiltersOnPhone();
  citationButtons();
  showTargetPassage();
  backToResults();
})();
