// A table wider than the screen scrolls sideways inside its .table-responsive box. Such a box
// gets tabindex, a region role and a name, so keyboard users can reach it and scroll it with
// the arrow keys (WCAG 2.1.1); boxes that do not scroll stay out of the tab order.
(function () {
  var HEADINGS = "main h1, main h2, main h3, main h4, main h5, main h6";

  function name(box) {
    var caption = box.querySelector("caption");
    var text = caption ? caption.textContent : "";
    if (!text.trim()) {
      document.querySelectorAll(HEADINGS).forEach(function (h) {
        if (h.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING) text = h.textContent;
      });
    }
    return (text.trim() || "Table").replace(/\s+/g, " ") + " (scrolls sideways)";
  }

  function update() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name(box));
        box.dataset.scrollRegion = "1";
      } else if (!scrolls && box.dataset.scrollRegion) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.scrollRegion;
      }
    });
  }

  var pending = null;
  function later() {
    if (pending) window.clearTimeout(pending);
    pending = window.setTimeout(update, 100);
  }

  update();
  window.addEventListener("resize", later);
  window.addEventListener("load", update);
  document.addEventListener("toggle", later, true); // a <details> opened or closed
})();
