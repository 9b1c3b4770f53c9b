/* Portail AMO — the claim being typed is kept as a draft on the server (progressive enhancement:
   without this file, every post of the form keeps the draft all the same).
   - what is typed is sent to the autosave address shortly after each change, the chosen files at once
     (the form's own post sends them again: the draft keeps a document once);
   - nothing is sent while nothing changes, so that an idle session still ends;
   - once the session has ended, the page says so: the draft holds everything typed until then. */
(function () {
  "use strict";
  var form = document.getElementById("claim-form");
  if (!form || !form.dataset.autosave || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("draft-status");
  var list = document.getElementById("draft-files");
  var box = document.getElementById("pieces-jointes");
  var DELAY = 1500;
  var timer = null, saving = false, again = false, stopped = false;

  function say(text) { if (status) { status.textContent = text; } }
  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function expired(response) {
    return response.type === "opaqueredirect" || response.status === 0 || response.status === 302 ||
      response.status === 401 || response.status === 403;
  }

  /* Files go only with the save their choice starts (never again with each keystroke); the page
     does not move under the person's finger: the files attached are listed at its next load. */
  function save(withFiles) {
    if (stopped) { return Promise.resolve(); }
    if (saving) { again = again || "text"; if (withFiles) { again = "files"; } return Promise.resolve(); }
    saving = true;
    var data = new FormData(form);
    if (!withFiles) {
      form.querySelectorAll("input[type=file]").forEach(function (input) { data.delete(input.name); });
    }
    return fetch(form.dataset.autosave, {method: "POST", body: data, credentials: "same-origin", redirect: "manual",
                                         headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (expired(response)) {
          stopped = true;
          say(status.dataset.expired);
          return null;
        }
        return response.json().then(function (answer) {
          say(answer.errors && answer.errors.length ? answer.errors.join(" ") : answer.saved);
        });
      })
      .catch(function () { say(status.dataset.failed); })
      .then(function () {
        saving = false;
        if (again) { var files = again === "files"; again = false; return save(files); }
        return null;
      });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(function () { save(false); }, DELAY);
  }

  form.addEventListener("input", function (event) {
    if (event.target.type !== "file") { later(); }
  });
  form.addEventListener("change", function (event) {
    if (event.target.type === "file") { clearTimeout(timer); save(true); } else { later(); }
  });
  /* the row added by portal.js changes the number of rows */
  document.querySelectorAll("[data-add-line]").forEach(function (button) { button.addEventListener("click", later); });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-file]");
    if (!button) { return; }
    event.preventDefault();
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf());
    var url = form.dataset.removeUrl.replace(/\/0\/retirer\/$/, "/" + button.dataset.removeFile + "/retirer/");
    fetch(url, {method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (expired(response)) { say(status.dataset.expired); return; }
        if (!response.ok) { say(status.dataset.failed); return; }
        var item = button.closest("li");
        if (item) { item.remove(); }
        if (box && list && !list.children.length) { box.hidden = true; }
      })
      .catch(function () { say(status.dataset.failed); });
  });
})();
