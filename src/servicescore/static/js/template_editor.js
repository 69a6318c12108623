// Appraisal-template editor: show each item's fields for its kind and rule, keep the
// weight sum live (red unless exactly 100), add and remove items, and edit band tables
// as a small table (kept in the row's JSON field). Labels come from data-* attributes the
// page renders in the user's language. No inline handlers (strict CSP).
(function () {
  "use strict";

  var form = document.querySelector("form[data-template-editor]");
  if (!form) {
    return;
  }
  var container = document.getElementById("item-rows");
  var rowTemplate = document.getElementById("item-row-template");
  var sum = form.querySelector("[data-weight-sum]");
  var labels = form.dataset;

  function selectedOption(select) {
    return select && select.selectedIndex >= 0 ? select.options[select.selectedIndex] : null;
  }

  function matches(token, kind, rule) {
    var parts = token.split(":");
    return parts[0] === kind && (!parts[1] || parts[1].split(",").indexOf(rule) >= 0);
  }

  // Show what applies to the row's kind and rule; a field with an error always stays.
  function applyWhen(row) {
    var kind = row.querySelector("[data-kind]").value;
    var rule = row.querySelector("[data-rule]").value;
    var option = selectedOption(row.querySelector("[data-indicator]"));
    var shrinkable = !option || !option.value || option.getAttribute("data-shrinkable") !== "0";
    row.querySelectorAll("[data-when]").forEach(function (element) {
      var show = element.getAttribute("data-when").split(/\s+/).some(function (token) {
        return matches(token, kind, rule);
      });
      var shrink = element.querySelector("input[name$='-shrink_k']");
      if (show && shrink && !shrinkable && !shrink.value) {
        show = false;
      }
      if (element.querySelector(".ss-field-error")) {
        show = true;
      }
      element.hidden = !show;
    });
  }

  function indicatorChanged(row) {
    var option = selectedOption(row.querySelector("[data-indicator]"));
    var hint = row.querySelector("[data-direction-hint]");
    var rule = row.querySelector("[data-rule]");
    if (hint) {
      hint.textContent = !option || !option.value ? "" :
        (option.getAttribute("data-direction") === "down" ? labels.hintDown : labels.hintUp);
    }
    if (option && option.value) {
      var manual = option.getAttribute("data-manual") === "1";
      if (manual && rule.value !== "manual") {
        rule.value = "manual";
      } else if (!manual && rule.value === "manual") {
        rule.value = "linear";
      }
    }
  }

  function updateSum() {
    var cents = 0;
    var unreadable = false;
    container.querySelectorAll("[data-item-row]").forEach(function (row) {
      var kind = row.querySelector("[data-kind]");
      if (row.classList.contains("ss-removed") || !kind || kind.value !== "scored") {
        return;
      }
      var input = row.querySelector("[data-weight]");
      var text = (input.value || "").trim().replace(",", ".");
      if (!text) {
        unreadable = unreadable || (input.validity && input.validity.badInput);
        return;
      }
      var number = Number(text);
      if (isNaN(number)) {
        unreadable = true;
        return;
      }
      cents += Math.round(number * 100);
    });
    var ok = cents === 10000 && !unreadable;
    sum.textContent = String(cents / 100);
    sum.classList.toggle("text-success", ok);
    sum.classList.toggle("text-danger", !ok);
    sum.setAttribute("data-ok", ok ? "1" : "0");
  }

  function renumber() {
    container.querySelectorAll("[data-item-row]").forEach(function (row, index) {
      var number = row.querySelector("[data-row-number]");
      if (number) {
        number.textContent = String(index + 1);
      }
    });
  }

  // --- band tables ----------------------------------------------------------------------

  function bandInput(value, label, placeholder) {
    var input = document.createElement("input");
    input.setAttribute("aria-label", label);
    input.type = "number";
    input.step = "any";
    input.className = "form-control form-control-sm";
    input.value = value === null || value === undefined ? "" : String(value);
    if (placeholder) {
      input.placeholder = placeholder;
    }
    return input;
  }

  function enhanceBands(textarea) {
    if (textarea.getAttribute("data-enhanced")) {
      return;
    }
    var bands;
    try {
      bands = JSON.parse(textarea.value.trim() || "[]");
    } catch (error) {
      return; // leave the text for the user to correct; the server says what is wrong
    }
    if (!Array.isArray(bands)) {
      return;
    }
    textarea.setAttribute("data-enhanced", "1");
    textarea.hidden = true;
    var block = textarea.closest("[data-bands-block]");
    var help = block && block.querySelector("[data-bands-help]");
    if (help) {
      help.hidden = true;
    }
    var table = document.createElement("table");
    table.className = "table table-sm ss-band-table mb-1";
    var head = document.createElement("thead");
    var headRow = document.createElement("tr");
    [labels.labelFrom, labels.labelTo, labels.labelPoints, ""].forEach(function (text) {
      var cell = document.createElement("th");
      cell.textContent = text;
      headRow.appendChild(cell);
    });
    head.appendChild(headRow);
    var body = document.createElement("tbody");
    table.appendChild(head);
    table.appendChild(body);

    function sync() {
      var rows = [];
      body.querySelectorAll("tr").forEach(function (tr) {
        var inputs = tr.querySelectorAll("input");
        var read = function (input) {
          var text = input.value.trim();
          return text === "" ? null : Number(text);
        };
        rows.push({ from: read(inputs[0]), to: read(inputs[1]), points: read(inputs[2]) });
      });
      textarea.value = rows.length ? JSON.stringify(rows) : "";
    }

    function addBand(band) {
      var tr = document.createElement("tr");
      [
        bandInput(band.from, labels.labelFrom, labels.labelOpen),
        bandInput(band.to, labels.labelTo, labels.labelOpen),
        bandInput(band.points, labels.labelPoints)
      ]
        .forEach(function (input) {
          var cell = document.createElement("td");
          cell.appendChild(input);
          tr.appendChild(cell);
        });
      var cell = document.createElement("td");
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-ghost-danger";
      remove.textContent = "×";
      remove.title = labels.labelRemoveBand;
      remove.setAttribute("aria-label", labels.labelRemoveBand);
      remove.addEventListener("click", function () {
        tr.remove();
        sync();
      });
      cell.appendChild(remove);
      tr.appendChild(cell);
      body.appendChild(tr);
    }

    (bands.length ? bands : [{ from: null, to: null, points: null }]).forEach(addBand);
    table.addEventListener("input", sync);
    var add = document.createElement("button");
    add.type = "button";
    add.className = "btn btn-sm";
    add.textContent = labels.labelAddBand;
    add.setAttribute("data-add-band", "");
    add.addEventListener("click", function () {
      addBand({ from: null, to: null, points: null });
      sync();
    });
    textarea.insertAdjacentElement("afterend", add);
    textarea.insertAdjacentElement("afterend", table);
    if (bands.length) {
      sync();
    }
  }

  // --- rows -----------------------------------------------------------------------------

  function setUp(row) {
    var textarea = row.querySelector("textarea[data-bands]");
    if (textarea) {
      enhanceBands(textarea);
    }
    var remove = row.querySelector("[data-delete]");
    if (remove) {
      row.classList.toggle("ss-removed", remove.checked);
    }
    indicatorHint(row);
    applyWhen(row);
  }

  function indicatorHint(row) {
    var option = selectedOption(row.querySelector("[data-indicator]"));
    var hint = row.querySelector("[data-direction-hint]");
    if (hint && option && option.value) {
      hint.textContent = option.getAttribute("data-direction") === "down" ? labels.hintDown : labels.hintUp;
    }
  }

  form.addEventListener("change", function (event) {
    var row = event.target.closest("[data-item-row]");
    if (!row) {
      return;
    }
    if (event.target.matches("[data-indicator]")) {
      indicatorChanged(row);
    }
    if (event.target.matches("[data-delete]")) {
      row.classList.toggle("ss-removed", event.target.checked);
    }
    applyWhen(row);
    updateSum();
  });
  form.addEventListener("input", function (event) {
    if (event.target.matches("[data-weight]")) {
      updateSum();
    }
  });

  var addButton = form.querySelector("[data-add-item]");
  var total = form.querySelector("input[name='items-TOTAL_FORMS']");
  if (addButton && rowTemplate && total) {
    addButton.hidden = false;
    addButton.addEventListener("click", function () {
      var index = Number(total.value);
      container.insertAdjacentHTML("beforeend", rowTemplate.innerHTML.replace(/__prefix__/g, String(index)));
      total.value = String(index + 1);
      var row = container.lastElementChild;
      setUp(row);
      renumber();
      updateSum();
      row.querySelector("[data-indicator]").focus();
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  container.querySelectorAll("[data-item-row]").forEach(setUp);
  updateSum();
})();
