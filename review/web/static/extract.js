// The extraction form saves each field the moment it changes: one small POST (with the form's CSRF
// token) per field, so nothing typed is lost if the page closes. A text box saves when it loses the
// focus, on Enter, after a pause in typing, and when the page is hidden. Without this file the
// form's button posts every field at once.
(function () {
  "use strict";
  var form = document.getElementById("extraction");
  if (!form) { return; }
  var csrf = form.querySelector("input[name=csrf]").value;
  var timers = {};
  var dirty = {};

  function body(key) {
    var data = new URLSearchParams();
    data.append("csrf", csrf);
    var inputs = form.querySelectorAll('[name="f:' + key + '"]');
    var any = false;
    inputs.forEach(function (input) {
      if (input.type === "checkbox") { if (input.checked) { data.append("f:" + key, input.value); any = true; } }
      else { data.append("f:" + key, input.value); any = true; }
    });
    if (!any) { data.append("f:" + key, ""); }  // every box unticked: the field is cleared
    return data;
  }

  function status(key, text, bad) {
    var line = form.querySelector('[data-status-for="' + key + '"]');
    if (line) { line.textContent = text; line.classList.toggle("error", !!bad); }
  }

  function save(key) {
    clearTimeout(timers[key]);
    delete dirty[key];
    status(key, "saving…");
    return fetch(form.action, {method: "POST", body: body(key), headers: {"Accept": "application/json"},
                               credentials: "same-origin"})
      .then(function (response) { return response.json().then(function (got) { return [response.ok, got]; }); })
      .then(function (result) {
        var ok = result[0], got = result[1];
        if (!ok) { status(key, "Not saved: " + (got.error || "reload the page"), true); }
        else if (got.errors[key]) { status(key, "Not saved: " + got.errors[key], true); }
        else { status(key, "saved"); }
      })
      .catch(function () { status(key, "Not saved: the server did not answer; it is tried again on the next change", true); dirty[key] = true; });
  }

  function keyOf(target) {
    var named = target.name || "";
    return named.indexOf("f:") === 0 ? named.slice(2) : null;
  }

  form.addEventListener("change", function (event) {
    var key = keyOf(event.target);
    if (key) { save(key); }
  });
  form.addEventListener("input", function (event) {
    var key = keyOf(event.target);
    if (!key || event.target.type === "checkbox") { return; }
    dirty[key] = true;
    clearTimeout(timers[key]);
    timers[key] = setTimeout(function () { save(key); }, 800);
  });
  form.addEventListener("keydown", function (event) {
    var key = keyOf(event.target);
    if (key && event.key === "Enter" && event.target.tagName === "INPUT") { event.preventDefault(); save(key); }
  });
  form.addEventListener("click", function (event) {
    var key = event.target.getAttribute && event.target.getAttribute("data-accept");
    if (key) { save(key).then(function () { event.target.remove(); }); }
  });
  window.addEventListener("pagehide", function () {
    Object.keys(dirty).forEach(function (key) { navigator.sendBeacon(form.action, body(key)); });
  });
})();
