// Portico's own script: progressive enhancement only. Every page works
// without it. Loaded with defer from the layout (the CSP forbids inline
// script and inline event handlers).
(function () {
  "use strict";

  // Copy buttons: <button data-copy="ID" class="hidden"> copies the value
  // (or the text) of the element with that id. The buttons stay hidden where the
  // Clipboard API is missing (or the script does not run): the field is
  // read-only text to select and copy by hand.
  function initCopyButtons(root) {
    if (!navigator.clipboard || !window.isSecureContext) {
      return;
    }
    root.querySelectorAll("button[data-copy]").forEach(function (btn) {
      if (btn.dataset.copyReady) {
        return;
      }
      btn.dataset.copyReady = "1";
      btn.classList.remove("hidden");
      var label = btn.textContent;
      btn.addEventListener("click", function () {
        var target = document.getElementById(btn.dataset.copy);
        if (!target) {
          return;
        }
        var text = "value" in target ? target.value : target.textContent;
        navigator.clipboard.writeText(text).then(
          function () {
            btn.textContent = "Copied";
            btn.setAttribute("data-copied", "true");
            announce("Copied to the clipboard.");
            setTimeout(function () {
              btn.textContent = label;
              btn.removeAttribute("data-copied");
            }, 2000);
          },
          function () {
            if (typeof target.select === "function") {
              target.focus();
              target.select();
            }
            announce("Copying failed: the text is selected, press Ctrl+C or Cmd+C to copy it.");
          }
        );
      });
    });
  }

  // announce tells screen readers what happened, through one polite live
  // region.
  var live;
  function announce(text) {
    if (!live) {
      live = document.createElement("div");
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      live.className = "sr-only";
      live.setAttribute("data-testid", "copy-status");
      document.body.appendChild(live);
    }
    live.textContent = text;
  }

  // Read-only secret fields select their whole text on focus, to make
  // copying by hand easy.
  function initSelectOnFocus(root) {
    root.querySelectorAll("input[readonly]").forEach(function (el) {
      el.addEventListener("focus", function () {
        el.select();
      });
    });
  }

  // The subscribe form's "new application" fields show only while "A new
  // application…" (the empty value) is chosen.
  function initNewAppToggle(root) {
    root.querySelectorAll("select[data-new-app-select]").forEach(function (sel) {
      var fields = document.getElementById(sel.dataset.newAppSelect);
      if (!fields) {
        return;
      }
      var sync = function () {
        fields.hidden = sel.value !== "";
      };
      sel.addEventListener("change", function () {
        sync();
        if (!fields.hidden) {
          var first = fields.querySelector("input");
          if (first) {
            first.focus();
          }
        }
      });
      sync();
    });
  }

  function init() {
    initCopyButtons(document);
    initSelectOnFocus(document);
    initNewAppToggle(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  document.addEventListener("htmx:load", function (e) {
    initCopyButtons(e.target);
  });
})();
