// The screening keys, as in the terminal: i include, e then the reason's key, m maybe, u undo,
// s skip, n note, ? keys. Each key presses the page's own button, so the forms (and their CSRF
// token) are the only way anything is saved; the page works with the mouse and without this file.
(function () {
  "use strict";
  var busy = false;  // a decision is on its way: a second key must not decide the next card blind
  var exclude = document.getElementById("exclude");
  var note = document.getElementById("note-text");

  function press(selector) {
    var button = document.querySelector(selector);
    if (!button || busy) { return; }
    if (button.type === "submit") { busy = true; button.form.requestSubmit(button); } else { button.click(); }
  }

  function openReasons(open) {
    if (exclude) { exclude.classList.toggle("open", open); }
  }

  var opener = document.getElementById("exclude-open");
  if (opener) { opener.addEventListener("click", function () { openReasons(!exclude.classList.contains("open")); }); }

  if (note) {
    note.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { note.blur(); event.preventDefault(); }
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { note.form.requestSubmit(); event.preventDefault(); }
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT")) { return; }
    var key = event.key;
    if (exclude && exclude.classList.contains("open")) {
      if (key === "0" || key === "Escape" || key === "Backspace") { openReasons(false); }
      else { press('button[data-reason-key="' + key + '"]'); }
      event.preventDefault();
      return;
    }
    if (key === "i" || key === "m" || key === "u" || key === "s") { press('button[data-key="' + key + '"]'); }
    else if (key === "e") { openReasons(true); }
    else if (key === "n" && note) { note.focus(); }
    else if (key === "?") { var help = document.getElementById("keys-help"); help.hidden = !help.hidden; }
    else { return; }
    event.preventDefault();
  });
})();
