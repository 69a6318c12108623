// Small behaviours shared by every page; no inline handlers so a strict CSP stays possible.
document.addEventListener("change", function (event) {
  var select = event.target.closest("select[data-auto-submit]");
  if (select && select.form) {
    select.form.submit();
  }
});
