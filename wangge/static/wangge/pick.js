/* Search boxes that pick something: the filing form's building search (its results are buttons
   an htmx fragment brings) and filters over a <select> (categories, units), matching what the
   server prepared in each option's data-search (name, pinyin, initials). */
(function () {
  "use strict";
  if (window.wanggePick) return; // included once per page, whichever template brought it
  window.wanggePick = true;

  function setValue(id, value) {
    var input = document.getElementById(id);
    if (input) input.value = value == null ? "" : value;
  }

  function showChosen(label) {
    var box = document.getElementById("chosen-place");
    var text = document.getElementById("chosen-label");
    if (!box || !text) return;
    text.textContent = label || "";
    box.hidden = !label;
  }

  // A tapped search result (or "Did you mean" candidate): the building, its point, the text.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.place-choice") : null;
    if (!button) return;
    var detail = {
      building: button.dataset.building,
      lng: button.dataset.lng ? parseFloat(button.dataset.lng) : null,
      lat: button.dataset.lat ? parseFloat(button.dataset.lat) : null,
      label: button.dataset.label,
    };
    setValue("building", detail.building);
    setValue("lng", button.dataset.lng);
    setValue("lat", button.dataset.lat);
    var crs = document.getElementById("crs");
    if (crs && crs.dataset.tileCrs) crs.value = crs.dataset.tileCrs; // the point is the tiles' again
    showChosen(detail.label);
    var list = button.closest("ul");
    if (list) list.querySelectorAll("button.place-choice").forEach(function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    document.dispatchEvent(new CustomEvent("wangge:place", { detail: detail }));
  });

  // The pick map chose a building (or a bare point: no building, no label).
  document.addEventListener("wangge:picked", function (event) {
    var detail = event.detail || {};
    showChosen(detail.building ? detail.label : "");
  });

  // A filter over a select: keep the options whose data-search holds every typed word; when
  // one option is left, choose it (and tell htmx, which loads its questions).
  function normalise(text) {
    return (text || "").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function filterSelect(input) {
    var select = document.getElementById(input.dataset.filterSelect);
    if (!select) return;
    if (!select._allOptions) {
      select._allOptions = Array.prototype.map.call(select.querySelectorAll("option"), function (option) {
        return { option: option, group: option.parentNode };
      });
    }
    var words = normalise(input.value).split(" ").filter(Boolean);
    var kept = [];
    select._allOptions.forEach(function (entry) {
      var option = entry.option;
      var haystack = normalise((option.dataset.search || "") + " " + option.textContent);
      var keep = !option.value || words.every(function (w) { return haystack.indexOf(w) !== -1; });
      if (keep && !option.parentNode) entry.group.appendChild(option);
      if (!keep && option.parentNode) option.parentNode.removeChild(option);
      if (keep && option.value) kept.push(option);
    });
    select.querySelectorAll("optgroup").forEach(function (group) {
      group.hidden = !group.querySelector("option");
    });
    if (words.length && kept.length === 1) {
      choose(select, kept[0].value);
      kept = [];
    }
    if (input.hasAttribute("data-filter-buttons")) showButtons(input, select, words.length ? kept : []);
  }

  function choose(select, value) {
    if (select.value === value) return;
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // The options left, as buttons under the filter: one tap chooses (a phone's select takes two).
  function showButtons(input, select, options) {
    var list = document.getElementById(input.id + "-options");
    if (!list) {
      list = document.createElement("ul");
      list.id = input.id + "-options";
      list.className = "plain pick-options";
      input.insertAdjacentElement("afterend", list);
    }
    list.textContent = "";
    options.slice(0, 8).forEach(function (option) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "pick-option";
      button.textContent = option.textContent;
      button.addEventListener("click", function () {
        choose(select, option.value);
        list.textContent = "";
      });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.dataset && event.target.dataset.filterSelect) filterSelect(event.target);
  });
})();
