// The rating page: fast keyboard entry. With a rating group focused, the keys 1–5 choose
// that rating and 0 clears it; focus then goes to the comment when the rating needs one
// (below 3 or 5), otherwise to the next item's rating. The comment box says when it is
// needed. The server checks everything again; this only saves keystrokes.
(function () {
  var form = document.querySelector("[data-rating-form]");
  if (!form) {
    return;
  }
  var groups = Array.prototype.slice.call(form.querySelectorAll("[data-rating-group]"));

  function cellOf(element) {
    return element.closest("[data-cell]");
  }

  function needsComment(value) {
    return value === "1" || value === "2" || value === "5";
  }

  function mark(cell) {
    var checked = cell.querySelector("[data-rating-group] input:checked");
    var comment = cell.querySelector("[data-rating-comment]");
    if (checked && comment) {
      comment.classList.toggle("border-warning", needsComment(checked.value) && !comment.value.trim());
    }
  }

  function focusGroup(group) {
    var target = group.querySelector("input:checked") || group.querySelector("input");
    if (target) {
      target.focus();
    }
  }

  form.addEventListener("keydown", function (event) {
    var group = event.target.closest && event.target.closest("[data-rating-group]");
    if (!group || event.altKey || event.ctrlKey || event.metaKey || !/^[0-5]$/.test(event.key)) {
      return;
    }
    event.preventDefault();
    var value = event.key === "0" ? "" : event.key;
    var radio = Array.prototype.find.call(group.querySelectorAll("input"), function (input) {
      return input.value === value;
    });
    if (!radio) {
      return;
    }
    radio.checked = true;
    var cell = cellOf(group);
    mark(cell);
    var comment = cell.querySelector("[data-rating-comment]");
    if (needsComment(value) && comment && !comment.value.trim()) {
      comment.focus();
      return;
    }
    var next = groups[groups.indexOf(group) + 1];
    if (next) {
      focusGroup(next);
    }
  });

  form.addEventListener("change", function (event) {
    var cell = cellOf(event.target);
    if (cell) {
      mark(cell);
    }
  });
  form.addEventListener("input", function (event) {
    var cell = cellOf(event.target);
    if (cell) {
      mark(cell);
    }
  });
  Array.prototype.forEach.call(form.querySelectorAll("[data-cell]"), mark);
})();
