/* Self-hosted ALTCHA proof-of-work solver (v1 challenges: find n with SHA-256(salt + n) = challenge).
   Progressive enhancement: without JavaScript the form is sent without a proof, and the server then
   asks more time on the page and applies much tighter rate limits. */
(function () {
  "use strict";
  var box = document.querySelector("[data-altcha-challenge]");
  if (!box || !window.crypto || !window.crypto.subtle || !window.TextEncoder) {
    return;
  }
  var challenge;
  try {
    challenge = JSON.parse(box.getAttribute("data-altcha-challenge"));
  } catch (e) {
    return;
  }
  var input = box.querySelector("input[name=altcha]");
  var status = box.querySelector("[data-altcha-status]");
  var form = box.closest("form");
  var solved = false;
  var waiting = null; // the submit button pressed before the proof was ready
  var encoder = new TextEncoder();

  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }

  async function solve() {
    for (var n = 0; n <= challenge.maxNumber; n++) {
      var digest = await window.crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + n));
      if (hex(digest) === challenge.challenge) {
        return n;
      }
    }
    return null;
  }

  if (status) {
    status.textContent = status.getAttribute("data-working");
  }
  solve().then(function (number) {
    if (number === null) {
      return;
    }
    input.value = btoa(JSON.stringify({
      algorithm: challenge.algorithm,
      challenge: challenge.challenge,
      number: number,
      salt: challenge.salt,
      signature: challenge.signature
    }));
    solved = true;
    if (status) {
      status.textContent = status.getAttribute("data-done");
    }
    if (waiting && form) {
      form.requestSubmit(waiting);
    }
  });
  // "Send" pressed while the proof is still being worked out: send as soon as it is ready.
  // Other submit buttons (the language switch) go at once: they send nothing to be judged.
  if (form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (solved || !submitter || submitter.id !== "submit") {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      waiting = submitter;
      if (status) {
        status.textContent = status.getAttribute("data-working");
      }
    });
  }
})();
