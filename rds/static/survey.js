// Survey pages: a "clear" button per task, so a respondent can leave a task unanswered again.
document.querySelectorAll("[data-clear-task]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    var task = button.closest(".survey-task");
    task.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.checked = false;
    });
    var first = task.querySelector("input[type=radio]");
    if (first) first.focus();
  });
});
