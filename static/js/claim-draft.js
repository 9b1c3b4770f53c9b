/* Portail AMO — the claim being typed is kept as a draft on the server (progressive enhancement:
   without this file, every post of the form keeps the draft all the same).
   - what is typed is sent to the autosave address shortly after each change, the chosen files at once;
     files sent are listed as attached and their inputs emptied (they are not sent twice);
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

  function showFiles(files) {
    if (!list || !files) { return; }
    list.textContent = "";
    files.forEach(function (file) {
      var item = document.createElement("li");
      item.dataset.file = file.id;
      var name = document.createElement("span");
      name.className = "ltr";
      name.textContent = file.name;
      item.appendChild(name);
      item.appendChild(document.createTextNode(" (" + file.size + ") "));
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link-button";
      button.dataset.removeFile = file.id;
      button.textContent = status ? status.dataset.removeLabel : "×";
      item.appendChild(button);
      list.appendChild(item);
    });
    if (box) { box.hidden = files.length === 0; }
  }

  function save() {
    if (stopped) { return Promise.resolve(); }
    if (saving) { again = true; return Promise.resolve(); }
    saving = true;
    var data = new FormData(form);
    var fileInputs = Array.prototype.filter.call(form.querySelectorAll("input[type=file]"), function (i) { return i.files.length; });
    return fetch(form.dataset.autosave, {method: "POST", body: data, credentials: "same-origin", redirect: "manual",
                                         headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (expired(response)) {
          stopped = true;
          say(status.dataset.expired);
          return null;
        }
        return response.json().then(function (answer) {
          fileInputs.forEach(function (input) { input.value = ""; });
          showFiles(answer.files);
          say(answer.errors && answer.errors.length ? answer.errors.join(" ") : answer.saved);
        });
      })
      .catch(function () { say(status.dataset.failed); })
      .then(function () {
        saving = false;
        if (again) { again = false; return save(); }
        return null;
      });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(save, DELAY);
  }

  form.addEventListener("input", function (event) {
    if (event.target.type !== "file") { later(); }
  });
  form.addEventListener("change", function (event) {
    if (event.target.type === "file") { clearTimeout(timer); save(); } else { later(); }
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
