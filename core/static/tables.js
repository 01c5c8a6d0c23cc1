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

  // A list table with class "table-cards" stacks its rows as cards on phones (app.css); each
  // cell is labelled with its column's header unless the template labelled it already. A cell
  // spanning several columns (an empty state) stays unlabelled.
  function label(table) {
    var heads = [];
    table.querySelectorAll(":scope > thead > tr:last-child > th").forEach(function (th) {
      var text = th.textContent.replace(/[\u2191\u2193]/g, "").replace(/\s+/g, " ").trim();
      for (var i = 0; i < (th.colSpan || 1); i++) heads.push(text);
    });
    table.querySelectorAll(":scope > tbody > tr").forEach(function (tr) {
      var col = 0;
      Array.prototype.forEach.call(tr.children, function (cell) {
        var span = cell.colSpan || 1;
        if (span === 1 && !cell.hasAttribute("data-label") && heads[col] !== undefined) {
          cell.setAttribute("data-label", heads[col]);
        }
        col += span;
      });
    });
  }
  document.querySelectorAll("table.table-cards").forEach(label);

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
