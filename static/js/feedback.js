/* Survey page enhancements; the form works the same without them. */
(function () {
  "use strict";
  // Move focus to the error summary (or notice) so screen readers and keyboards start there.
  var summary = document.getElementById("error-summary") || document.getElementById("notice");
  if (summary) {
    summary.focus();
  }
  var form = document.querySelector("form.survey");
  if (!form) {
    return;
  }
  // reCAPTCHA v3: fetch a token on submit, then submit for real.
  var v3 = form.querySelector("[data-recaptcha-v3]");
  var sending = false;
  form.addEventListener("submit", function (event) {
    if (sending) {
      event.preventDefault(); // a double click sends once
      return;
    }
    if (v3 && window.grecaptcha && !form.dataset.tokenReady) {
      event.preventDefault();
      window.grecaptcha.ready(function () {
        window.grecaptcha.execute(v3.getAttribute("data-sitekey"), { action: "feedback" }).then(function (token) {
          form.querySelector("input[name='g-recaptcha-response']").value = token;
          form.dataset.tokenReady = "1";
          sending = true;
          form.submit();
        });
      });
      return;
    }
    sending = true;
    // If the network drops the request, let the person try again after a while.
    window.setTimeout(function () { sending = false; }, 8000);
  });
  window.addEventListener("pageshow", function () { sending = false; });
  // Live character count for the comment.
  var comment = document.getElementById("id_comment");
  var limit = document.getElementById("comment_limit");
  if (comment && limit) {
    var template = limit.textContent;
    comment.addEventListener("input", function () {
      var left = 2000 - comment.value.length;
      limit.textContent = template + " (" + left + ")";
    });
  }
})();
