/* Type-ahead for the search box: the WAI-ARIA 1.2 combobox pattern with a listbox popup
   (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/). Optional: without it the search form is a
   plain form. The server sends the options (GET data-typeahead?q=..., web/pages/typeahead.py).

   Keys: Down and Up move through the suggestions (Alt+Down only opens them), Enter chooses the one
   highlighted (otherwise it searches, as before), Escape closes the list, then clears the box.
   A theme or a place sets that filter and searches; a service opens its page. */
(function () {
  "use strict";

  var DELAY_MS = 150;  // a pause in typing, not every key
  var MAX_LENGTH = 100;  // as the server accepts
  var MIN_LETTERS = 2;
  var counter = 0;

  function letters(text) {
    return (text.match(/[\p{L}\p{N}]/gu) || []).length;
  }

  function setUp(input) {
    if (input.dataset.typeaheadReady) return;
    input.dataset.typeaheadReady = "true";
    var id = "typeahead-" + (++counter);
    var hadFocus = document.activeElement === input;

    // A wrapper the list is positioned against, so it opens right under the box at every width.
    var wrapper = document.createElement("div");
    wrapper.className = "typeahead";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    if (hadFocus) input.focus();

    var listbox = document.createElement("ul");
    listbox.id = id + "-listbox";
    listbox.className = "typeahead-list";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", input.dataset.typeaheadLabel || "");
    listbox.hidden = true;
    wrapper.appendChild(listbox);

    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");
    wrapper.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);

    var timer = null;
    var pending = null;  // the AbortController of the request in flight
    var sequence = 0;
    var active = -1;
    var shownFor = null;  // the text the options are for

    function options() {
      return listbox.querySelectorAll("[role=option]");
    }

    function announce(text) {
      // Cleared first, so that the same count is announced again after a new pause.
      status.textContent = "";
      if (!text) return;
      window.setTimeout(function () {
        if (document.activeElement === input) status.textContent = text;
      }, 50);
    }

    function highlight(index) {
      var all = options();
      active = index;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && all[index]) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      if (!options().length) return;
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      highlight(-1);
    }

    function isOpen() {
      return !listbox.hidden;
    }

    function cancel() {
      window.clearTimeout(timer);
      if (pending) pending.abort();
      pending = null;
    }

    function show(html, text) {
      var template = document.createElement("template");
      template.innerHTML = html;
      var list = template.content.querySelector("[data-suggestions]");
      var found = list ? Array.prototype.slice.call(list.querySelectorAll("[role=option]")) : [];
      found.forEach(function (option, i) { option.id = id + "-option-" + i; });
      listbox.replaceChildren.apply(listbox, found);
      shownFor = text;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (found.length && document.activeElement === input) open();
      else close();
      announce(list ? list.dataset.status : "");
    }

    function fetchFor(text) {
      cancel();
      var mine = ++sequence;
      pending = new AbortController();
      var url = input.dataset.typeahead + "?" + new URLSearchParams({ q: text }).toString();
      fetch(url, { signal: pending.signal, credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (mine === sequence) show(html, text);
        })
        .catch(function () { /* aborted or offline: the search button still works */ });
    }

    function changed() {
      var text = input.value.slice(0, MAX_LENGTH);
      if (letters(text) < MIN_LETTERS) {
        cancel();
        sequence++;
        listbox.replaceChildren();
        shownFor = null;
        close();
        status.textContent = "";
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { fetchFor(text); }, DELAY_MS);
    }

    function choose(option) {
      var form = input.form;
      var param = option.dataset.param;
      cancel();
      close();
      if (!param || !form) {
        window.location.assign(option.dataset.href);
        return;
      }
      // A theme or a place is a filter: the words typed were its name, not something to search for.
      input.value = "";
      var control = Array.prototype.find.call(form.elements, function (element) {
        return element.name === param && element.value === option.dataset.value &&
          (element.type === "checkbox" || element.type === "radio");
      });
      if (control) {
        control.checked = true;
      } else {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = param;
        hidden.value = option.dataset.value;
        hidden.dataset.typeaheadAdded = "true";
        form.appendChild(hidden);
      }
      form.requestSubmit();
    }

    input.addEventListener("input", changed);

    input.addEventListener("keydown", function (event) {
      var count = options().length;
      switch (event.key) {
        case "ArrowDown":
          if (!isOpen()) {
            if (!count || shownFor !== input.value.slice(0, MAX_LENGTH)) {
              if (letters(input.value) >= MIN_LETTERS) fetchFor(input.value.slice(0, MAX_LENGTH));
              return;
            }
            open();
            if (event.altKey) { event.preventDefault(); return; }
          }
          event.preventDefault();
          highlight(active + 1 >= count ? 0 : active + 1);
          break;
        case "ArrowUp":
          if (!isOpen()) return;
          event.preventDefault();
          highlight(active <= 0 ? count - 1 : active - 1);
          break;
        case "Enter":
          if (isOpen() && active >= 0) {
            event.preventDefault();
            choose(options()[active]);
          } else {
            cancel();
            close();
          }
          break;
        case "Escape":
          if (isOpen()) {
            // Only closes: the box keeps what was typed (a search box would clear it).
            event.preventDefault();
            event.stopPropagation();
            cancel();
            close();
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", function () {
      cancel();
      close();
    });
    input.addEventListener("focus", function () {
      if (shownFor !== null && shownFor === input.value.slice(0, MAX_LENGTH)) open();
    });
    input.addEventListener("click", function () {
      if (!isOpen() && shownFor !== null && shownFor === input.value.slice(0, MAX_LENGTH)) open();
    });

    // Focus stays in the box while a pointer chooses (ARIA 1.2: the list never takes focus).
    listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
    listbox.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) choose(option);
    });
    listbox.addEventListener("mousemove", function (event) {
      var option = event.target.closest("[role=option]");
      if (!option) return;
      var index = Array.prototype.indexOf.call(options(), option);
      if (index !== active) highlight(index);
    });
  }

  function enhance(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("input[data-typeahead]")) setUp(scope);
    scope.querySelectorAll("input[data-typeahead]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // The search page swaps its form (htmx): the new search box is set up as it arrives.
  document.addEventListener("htmx:load", function (event) { enhance(event.detail && event.detail.elt); });
  // Back to a page kept in memory: filters a chosen suggestion added are not the page's own.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("input[data-typeahead-added]").forEach(function (hidden) { hidden.remove(); });
  });
})();
