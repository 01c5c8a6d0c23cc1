// The exam sitting: every click on an option or the flag is saved at once; the timer counts
// down from the server's remaining seconds and reloads the page at zero (the server ends the
// sitting). Without this script the Previous/Next buttons save the answer too.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  var status = document.getElementById("save-status");
  var timer = document.getElementById("timer");
  function show(text) { if (status) { status.textContent = text; } }
  function save() {
    if (!form) { return; }
    var data = new FormData(form);
    data.delete("go");
    show("Saving...");
    fetch(form.action, {
      method: "POST",
      body: data,
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok && result.body.saved) {
        show("Saved");
        document.body.dataset.saved = String(Number(document.body.dataset.saved || 0) + 1);
      } else if (result.body.ended) {
        window.location.reload();
      } else {
        show(result.body.error || "Not saved: check your connection");
      }
    }).catch(function () {
      show("Not saved: check your connection. Your choice is kept on this page.");
    });
  }
  if (form) {
    form.querySelectorAll("input[name=choice], input[name=flagged]").forEach(function (input) {
      input.addEventListener("change", save);
    });
  }
  if (timer) {
    var left = Number(timer.dataset.remaining || 0);
    var started = Date.now();
    var tick = function () {
      var now = Math.max(0, left - Math.floor((Date.now() - started) / 1000));
      var h = Math.floor(now / 3600), m = Math.floor((now % 3600) / 60), s = now % 60;
      timer.textContent = (h ? h + ":" : "") + (h && m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
      if (now <= 0) { window.location.reload(); return; }
      window.setTimeout(tick, 1000);
    };
    tick();
  }
})();
