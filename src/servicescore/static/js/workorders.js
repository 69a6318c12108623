// Work-order pages: fill the hidden latitude/longitude of a check-in or note form from the
// browser's location when the user allows it. No inline handlers (strict CSP).
(function () {
  "use strict";

  function setStatus(form, key, extra) {
    var status = form.querySelector("[data-geo-status]");
    if (status) {
      status.textContent = (status.getAttribute("data-" + key) || "") + (extra || "");
    }
  }

  function locate(form) {
    var latitude = form.querySelector("[data-geo=latitude]");
    var longitude = form.querySelector("[data-geo=longitude]");
    if (!latitude || !longitude) {
      return;
    }
    if (!("geolocation" in navigator)) {
      setStatus(form, "unavailable");
      return;
    }
    setStatus(form, "waiting");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        setStatus(form, "found", ": " + latitude.value + ", " + longitude.value +
          " (±" + Math.round(position.coords.accuracy) + " m)");
      },
      function (error) {
        latitude.value = "";
        longitude.value = "";
        setStatus(form, error.code === error.PERMISSION_DENIED ? "denied" : "unavailable");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-geolocate-button]");
    if (button && button.form) {
      locate(button.form);
    }
  });

  // Opening the check-in panel asks for the location at once: that is when it matters.
  document.addEventListener("shown.bs.collapse", function (event) {
    var form = event.target.querySelector("form[data-geolocate=auto]");
    if (form && !form.querySelector("[data-geo=latitude]").value) {
      locate(form);
    }
  });
})();
