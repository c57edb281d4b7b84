/* A patrol's check-in at the point where the worker stands: on the worker's tap (never by
   itself, never again after), the phone is asked once for its position (WGS-84), which is sent
   with the note like a building's check-in. No trail: one point per tap. The form
   (form[data-point-checkin]) stays hidden on a browser without geolocation; without a
   connection it says to check in a building, which the phone's queue keeps. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-point-checkin]");
  if (!form || !navigator.geolocation) return;
  form.hidden = false;
  var status = form.querySelector("[data-point-status]");
  var button = form.querySelector("button");
  button.addEventListener("click", function () {
    // A point is checked in online only (the queue on the phone keeps buildings' check-ins).
    if (!navigator.onLine) {
      status.textContent = form.dataset.offline;
      return;
    }
    button.disabled = true;
    status.textContent = form.dataset.locating;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.lng.value = position.coords.longitude.toFixed(6);
        form.elements.lat.value = position.coords.latitude.toFixed(6);
        var note = document.getElementById("note");
        form.elements.note.value = note ? note.value : "";
        form.submit();
      },
      function (error) {
        button.disabled = false;
        status.textContent = error.code === 1 ? form.dataset.denied : form.dataset.unavailable;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 }
    );
  });
})();
