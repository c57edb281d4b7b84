// The morning briefing's form: "add a task" shows the next hidden task row, and hides itself
// once every row is shown.
(function () {
  var add = document.getElementById("add-task");
  if (!add) return;
  add.addEventListener("click", function () {
    var hidden = document.querySelector(".fw-task[hidden]");
    if (hidden) { hidden.hidden = false; hidden.querySelector("input").focus(); }
    if (!document.querySelector(".fw-task[hidden]")) add.hidden = true;
  });
})();
