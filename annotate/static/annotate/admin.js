// Names the admin's autocomplete boxes (loaded by templates/admin/base_site.html). Select2 hides
// each <select> and shows a combobox labelled only by the chosen value, so an empty one has no
// name for screen readers; the field's own <label> is added to what names the combobox.
// Also gives filter_horizontal's search icons the role their aria-label needs.
"use strict";
(function () {
  function nameComboboxes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach((select) => {
      const label = select.id && document.querySelector(`label[for="${select.id}"]`);
      const container = select.nextElementSibling;
      const box = container && container.querySelector(".select2-selection[role=combobox]");
      if (!label || !box) return;
      if (!label.id) label.id = `${select.id}_label`;
      const ids = (box.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
      if (!ids.includes(label.id)) box.setAttribute("aria-labelledby", [label.id, ...ids].join(" "));
      // The value shown inside is a read-only textbox of its own: it takes the label too.
      const shown = box.querySelector("[role=textbox]");
      if (shown) shown.setAttribute("aria-labelledby", label.id);
    });
  }
  // Django's autocomplete.js builds the boxes in a jQuery ready handler (run asynchronously, so
  // possibly after window's load event) and for each added inline row. A ready handler added now
  // runs after that one: this script is deferred, autocomplete.js is not.
  const jQuery = window.django && window.django.jQuery;
  if (jQuery) jQuery(() => nameComboboxes(document));
  else window.addEventListener("load", () => nameComboboxes(document));
  // SelectFilter2.js (filter_horizontal, e.g. a relation group's relations) names its search
  // icons with aria-label on a bare <span>, which ARIA forbids (axe: aria-prohibited-attr): the
  // icon is an image of what the label says. It builds them in a load handler added before this
  // deferred script ran, so this one runs after it.
  window.addEventListener("load", () => {
    document
      .querySelectorAll(".selector .search-label-icon[aria-label]:not([role])")
      .forEach((icon) => icon.setAttribute("role", "img"));
  });
  document.addEventListener("formset:added", (ev) => setTimeout(() => nameComboboxes(ev.target), 0));
})();
