/* Self-hosted ALTCHA proof-of-work solver (v1 challenges: find n with SHA-256(salt + n) = challenge).
   Progressive enhancement: without JavaScript the form shows a plain-text question instead. */
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
  var fallback = box.querySelector("[data-altcha-fallback]");
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
    if (fallback) {
      fallback.hidden = true;
      var answer = fallback.querySelector("input");
      if (answer) {
        answer.required = false;
      }
    }
    if (status) {
      status.textContent = status.getAttribute("data-done");
    }
  });
})();
