// The survey card (voice/invitations/card.html): "Copy link" copies the survey link for
// the advisor to paste into the customer's WeCom chat.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copyTarget);
  if (!input) return;
  const done = () => {
    button.textContent = button.dataset.copiedText || button.textContent;
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done, () => {
      input.select();
    });
  } else {
    input.select();
    if (document.execCommand("copy")) done();
  }
});
