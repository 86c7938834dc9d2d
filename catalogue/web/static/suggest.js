// Type-ahead for the search box (the ARIA 1.2 combobox pattern): titles, creators and
// keywords starting with what was typed, from /api/search/suggest. Arrow keys move through
// them, Enter searches for the one chosen, Escape closes the list. Without JavaScript the
// box is a plain search field.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  if (!input || !window.fetch) {
    return;
  }
  var list = document.createElement("ul");
  list.id = input.id + "-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", input.dataset.suggestLabel || "Suggestions");
  list.hidden = true;
  input.parentNode.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  var timer = null;
  var asked = 0;
  var active = -1;

  function close() {
    list.hidden = true;
    list.textContent = "";
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function choose(index) {
    var options = list.querySelectorAll("[role=option]");
    if (index < 0 || index >= options.length) {
      return;
    }
    if (active >= 0) {
      options[active].setAttribute("aria-selected", "false");
    }
    active = index;
    options[active].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", options[active].id);
  }

  function show(suggestions) {
    close();
    suggestions.forEach(function (item, index) {
      var option = document.createElement("li");
      option.id = list.id + "-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = item.text; // text, never markup
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();
        input.value = item.text;
        input.form.submit();
      });
      list.appendChild(option);
    });
    if (suggestions.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    var text = input.value.trim();
    if (text.length < 2) {
      close();
      return;
    }
    timer = window.setTimeout(function () {
      var mine = ++asked;
      fetch("/api/search/suggest?size=8&q=" + encodeURIComponent(text), {
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : { suggestions: [] };
        })
        .then(function (answer) {
          if (mine === asked) {
            show(answer.suggestions || []);
          }
        })
        .catch(close);
    }, 200);
  });

  input.addEventListener("keydown", function (event) {
    var count = list.querySelectorAll("[role=option]").length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      choose(active + 1 < count ? active + 1 : 0);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      choose(active > 0 ? active - 1 : count - 1);
    } else if (event.key === "Enter" && active >= 0) {
      input.value = list.querySelectorAll("[role=option]")[active].textContent;
      close();
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () {
    window.setTimeout(close, 150);
  });
})();
