// On a phone the header's menu folds behind its button; without script it stays open.
// Loaded by a plain <script> at the end of the header, so it runs before the page below it
// is drawn (no flash of an open menu).
(function () {
  var header = document.currentScript.parentNode;
  var button = header.querySelector(".menu-button");
  header.classList.add("menu-folds");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    header.classList.toggle("menu-open", open);
  });
})();
