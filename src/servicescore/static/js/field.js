// The technician's phone pages and the dispatch board. Kept small for slow connections:
// no library, no inline handlers (strict CSP); behaviour hangs on data- attributes.
//   form[data-busy]            disable the submit button and show its data-busy-text
//   form[data-resize-photos]   shrink photos to MAX_SIDE px JPEG before they are sent
//   [data-field-geo]           hidden latitude/longitude filled from the browser, if granted
//   #board (htmx)              keep every row's technician select in step with the loads
(function () {
  "use strict";

  var MAX_SIDE = 1600;
  var JPEG_QUALITY = 0.8;
  // Formats a canvas re-encodes without losing anything that matters (GIFs may be animated).
  var RESIZABLE = /^image\/(jpeg|png|webp)$/;

  // --- busy buttons -----------------------------------------------------------------

  function setBusy(form, busy) {
    var buttons = form.querySelectorAll("button[type=submit], button:not([type])");
    Array.prototype.forEach.call(buttons, function (button) {
      if (busy) {
        if (!button.hasAttribute("data-idle-text")) {
          button.setAttribute("data-idle-text", button.textContent);
        }
        button.disabled = true;
        button.textContent = button.getAttribute("data-busy-text") || button.textContent;
      } else if (button.hasAttribute("data-idle-text")) {
        button.disabled = false;
        button.textContent = button.getAttribute("data-idle-text");
      }
    });
    if (busy) {
      form.setAttribute("aria-busy", "true");
    } else {
      form.removeAttribute("aria-busy");
    }
  }

  // Back-navigation may restore the page from the cache with its buttons still disabled.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-busy]"), function (form) {
      setBusy(form, false);
    });
  });

  // --- photos: resize in the browser ----------------------------------------------

  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () {
        resolve({ image: image, url: url });
      };
      image.onerror = function () {
        URL.revokeObjectURL(url);
        reject(new Error("not decodable"));
      };
      image.src = url;
    });
  }

  // A smaller JPEG of `file`, or the file itself when it cannot or need not be made smaller.
  function shrink(file) {
    if (!RESIZABLE.test(file.type) || !window.HTMLCanvasElement) {
      return Promise.resolve(file);
    }
    return loadImage(file).then(function (loaded) {
      var image = loaded.image;
      var width = image.naturalWidth;
      var height = image.naturalHeight;
      var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // JPEG has no transparency: PNG screenshots get a white ground
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(loaded.url);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || (scale === 1 && blob.size >= file.size)) {
            resolve(file);
            return;
          }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", JPEG_QUALITY);
      });
    }).catch(function () {
      return file;
    });
  }

  function shrinkInput(input) {
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length || typeof DataTransfer === "undefined") {
      return Promise.resolve();
    }
    return Promise.all(files.map(shrink)).then(function (smaller) {
      try {
        var transfer = new DataTransfer();
        smaller.forEach(function (file) {
          transfer.items.add(file);
        });
        input.files = transfer.files;
      } catch (error) {
        // The originals stay in the input: slower to send, but nothing is lost.
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-busy], form[data-resize-photos]")) {
      return;
    }
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault(); // a second tap while the first is under way
      return;
    }
    var inputs = form.hasAttribute("data-resize-photos")
      ? Array.prototype.filter.call(form.querySelectorAll("input[type=file]"), function (input) {
        return input.files && input.files.length;
      })
      : [];
    setBusy(form, true);
    if (!inputs.length) {
      return; // the browser sends the form now
    }
    event.preventDefault();
    Promise.all(inputs.map(shrinkInput)).catch(function () {
      return null;
    }).then(function () {
      // submit() sends without firing "submit" again; the constraints were checked already.
      HTMLFormElement.prototype.submit.call(form);
    });
  });

  // --- location ------------------------------------------------------------------------

  function showLocation(key) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-field-geo-status]"), function (status) {
      status.textContent = status.getAttribute("data-" + key) || status.textContent;
    });
  }

  function locate() {
    var latitudes = document.querySelectorAll("[data-field-geo=latitude]");
    var longitudes = document.querySelectorAll("[data-field-geo=longitude]");
    if (!latitudes.length) {
      return;
    }
    if (!("geolocation" in navigator)) {
      showLocation("unavailable");
      return;
    }
    showLocation("waiting");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        Array.prototype.forEach.call(latitudes, function (input) {
          input.value = position.coords.latitude.toFixed(6);
        });
        Array.prototype.forEach.call(longitudes, function (input) {
          input.value = position.coords.longitude.toFixed(6);
        });
        showLocation("found");
      },
      function () {
        showLocation("unavailable");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  // --- dispatch board ------------------------------------------------------------------

  // After an assignment the technicians' panel comes back fresh (out of band); the other
  // rows' selects still show the old loads, so rewrite their labels from the panel.
  function refreshLoads() {
    var board = document.getElementById("board");
    if (!board) {
      return;
    }
    var label = board.getAttribute("data-load-label") || "__LOAD__";
    var loads = {};
    Array.prototype.forEach.call(board.querySelectorAll("[data-technician][data-load]"), function (item) {
      loads[item.getAttribute("data-technician")] = item.getAttribute("data-load");
    });
    Array.prototype.forEach.call(board.querySelectorAll("option[data-technician-option]"), function (option) {
      var load = loads[option.getAttribute("data-technician-option")];
      if (load === undefined) {
        return;
      }
      var suffix = option.getAttribute("data-suffix");
      option.textContent = option.getAttribute("data-name") + " · " + label.replace("__LOAD__", load) +
        (suffix ? " · " + suffix : "");
    });
  }

  function rowMessage(event, key) {
    var form = event.detail && event.detail.elt;
    var row = form && form.closest ? form.closest("[id^=board-order-]") : null;
    var board = document.getElementById("board");
    var box = row && row.querySelector("[data-row-error]");
    if (!box || !board) {
      return;
    }
    box.textContent = board.getAttribute(key);
    box.hidden = false;
  }

  document.addEventListener("htmx:afterSettle", refreshLoads);
  // Nothing is swapped when the request fails: say so in the row, keep the user's choice.
  document.addEventListener("htmx:sendError", function (event) {
    rowMessage(event, "data-network-error");
  });
  document.addEventListener("htmx:responseError", function (event) {
    rowMessage(event, "data-server-error");
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", locate);
  } else {
    locate();
  }
})();
