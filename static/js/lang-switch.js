// The language switcher applies a choice at once; its button is there for browsers without JS.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("form [data-lang-select]")) {
    const form = select.form;
    const button = form.querySelector("[data-lang-submit]");
    if (button) button.hidden = true;
    select.addEventListener("change", () => {
      // The server never sees the fragment, and the console keeps the open conversation there.
      if (form.elements.next && location.hash) form.elements.next.value += location.hash;
      form.submit();
    });
  }
});
