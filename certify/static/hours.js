// Supervised hours: "select all" checkboxes and confirmation prompts (CSP forbids inline JS).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-select-all]").forEach((box) => {
    box.addEventListener("change", () => {
      const form = box.closest("form");
      form.querySelectorAll(`input[name="${box.dataset.selectAll}"]`).forEach((item) => {
        item.checked = box.checked;
      });
    });
  });
  document.querySelectorAll("[data-confirm]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });
});
