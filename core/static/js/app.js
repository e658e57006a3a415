// VanThu: small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.documentElement.classList.add("js");
// The phone menu: one button shows and hides the menus; a drop-down closes when another opens.
document.addEventListener("click", (event) => {
  const toggle = event.target instanceof Element ? event.target.closest(".menu-toggle") : null;
  if (toggle) {
    const menus = document.getElementById(toggle.getAttribute("aria-controls"));
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    menus?.classList.toggle("open", open);
    return;
  }
  for (const group of document.querySelectorAll("details.navgroup[open]")) {
    if (!(event.target instanceof Node) || !group.contains(event.target)) {
      group.removeAttribute("open");
    }
  }
});
// A button marked data-print prints the page (the activation codes, shown once).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
