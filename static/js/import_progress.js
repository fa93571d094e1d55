// Dispatch import: while the next page is being prepared (checking or saving thousands of rows),
// show how far the server has got. Without JavaScript the page simply arrives when it is done.
(function () {
  "use strict";
  document.querySelectorAll("form[data-progress-url]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var box = form.querySelector(".import-progress");
      if (!box) return;
      var bar = box.querySelector("progress");
      var text = box.querySelector("span");
      box.hidden = false;
      function poll() {
        fetch(form.dataset.progressUrl, { credentials: "same-origin", cache: "no-store" })
          .then(function (r) { return r.ok ? r.json() : {}; })
          .then(function (state) {
            if (state.total) {
              bar.max = state.total;
              bar.value = state.done;
              text.textContent = state.done.toLocaleString() + " / " + state.total.toLocaleString();
            }
            window.setTimeout(poll, 500);
          })
          .catch(function () { window.setTimeout(poll, 1000); });
      }
      window.setTimeout(poll, 300);
    });
  });
})();
