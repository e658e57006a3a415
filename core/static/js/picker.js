// The recipient picker (templates/_picker.html): search, "this unit and all its units", group
// shortcuts and a summary with removable chips. Without this file the check boxes still post.
"use strict";
(() => {
  // As accounts.picker.fold: lower case, no accents, đ as d, single spaces.
  const fold = (text) =>
    text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();

  function setUp(picker) {
    if (picker.dataset.ready) return;
    picker.dataset.ready = "1";
    picker.querySelector("[data-picker-tools]").hidden = false;
    for (const button of picker.querySelectorAll("[data-picker-subtree]")) button.hidden = false;
    const search = picker.querySelector("[data-picker-search]");
    const summary = picker.querySelector("[data-picker-summary]");
    const chips = picker.querySelector("[data-picker-chips]");
    const empty = picker.querySelector("[data-picker-empty]");
    const boxes = () => [...picker.querySelectorAll(".picker-tree input[type=checkbox]")];

    function refresh() {
      const checked = boxes().filter((box) => box.checked);
      const units = checked.filter((box) => box.dataset.kind === "unit").length;
      summary.textContent = checked.length
        ? picker.dataset.summary.replace("{units}", units).replace("{people}", checked.length - units)
        : picker.dataset.none;
      chips.replaceChildren(...checked.map((box) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = `${box.dataset.label} ✕`;
        button.setAttribute("aria-label", picker.dataset.remove.replace("{name}", box.dataset.label));
        button.addEventListener("click", () => { box.checked = false; refresh(); });
        item.append(button);
        return item;
      }));
    }

    // A unit is shown when it, one of its people or one of its units matches; the people of a
    // matching unit all stay, those of another unit only when they match.
    function show(unit, query) {
      let below = false;
      for (const child of unit.querySelectorAll(":scope > ul > li.picker-unit")) {
        below = show(child, query) || below;
      }
      const itself = !query || unit.dataset.search.includes(query);
      let person = false;
      const people = unit.querySelector(":scope > details");
      if (people) {
        for (const item of people.querySelectorAll("li")) {
          const match = itself || item.dataset.search.includes(query);
          item.hidden = !match;
          person = person || (Boolean(query) && !itself && match);
        }
        if (person) people.open = true;
      }
      unit.hidden = !(itself || below || person);
      return !unit.hidden;
    }

    function filter() {
      const query = fold(search.value);
      let any = false;
      for (const root of picker.querySelectorAll(".picker-tree > li.picker-unit")) {
        any = show(root, query) || any;
      }
      empty.hidden = any;
    }

    search.addEventListener("input", filter);
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault(); // a search, not the form's submit
    });
    picker.addEventListener("change", refresh);
    picker.addEventListener("click", (event) => {
      const target = event.target instanceof Element ? event.target : null;
      const subtree = target?.closest("[data-picker-subtree]");
      if (subtree) {
        for (const box of subtree.closest("li.picker-unit").querySelectorAll("input[data-kind=unit]")) {
          box.checked = true;
        }
        refresh();
      }
      const group = target?.closest("[data-picker-group]");
      if (group) {
        const ids = new Set(group.dataset.pickerGroup.split(" "));
        for (const box of boxes()) {
          if (box.dataset.kind === "unit" && ids.has(box.value)) box.checked = true;
        }
        refresh();
      }
    });
    refresh();
  }

  const start = () => document.querySelectorAll("[data-picker]").forEach(setUp);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
