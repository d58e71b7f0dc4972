// glovebox: a form shown again with errors. The error summary is first in
// the page's main content (found without this script); this moves focus
// to it, and a link in it moves focus to its field, not only the view.
(function () {
  'use strict';
  var summary = document.getElementById('error-summary');
  if (!summary) return;
  summary.focus();
  summary.addEventListener('click', function (event) {
    var link = event.target.closest('a[href^="#"]');
    if (!link) return;
    var target = document.getElementById(link.getAttribute('href').slice(1));
    if (!target) return;
    var field = target.matches('input, select, textarea, button')
      ? target : target.querySelector('input, select, textarea, button');
    if (!field) return;
    event.preventDefault();
    var label = document.querySelector('label[for="' + field.id + '"]');
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
