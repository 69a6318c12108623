// Small behaviours shared by every page; no inline handlers so a strict CSP stays possible.
document.addEventListener("change", function (event) {
  var select = event.target.closest("select[data-auto-submit]");
  if (select && select.form) {
    select.form.submit();
  }
});

// <form data-confirm="question">: asks before it is sent (an inline onsubmit would break the CSP).
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
