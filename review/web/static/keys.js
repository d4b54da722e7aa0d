// Single keys for a page's buttons: a key presses the button with that data-key, so the form (and
// its CSRF token) is the only way anything is saved, and the page works with the mouse too.
(function () {
  "use strict";
  var busy = false;  // a decision is on its way: a second key must not decide the next pair blind
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || busy) { return; }
    var target = event.target;
    if (target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.tagName === "SELECT")) { return; }
    var button = document.querySelector('button[data-key="' + event.key + '"]');
    if (!button) { return; }
    busy = true;
    button.form.requestSubmit(button);
    event.preventDefault();
  });
})();
