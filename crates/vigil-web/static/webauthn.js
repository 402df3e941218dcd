// Vigil: security-key ceremonies (WebAuthn). Vigil's own file, served from its own
// origin; the only script, loaded only on the pages that register a key or sign in
// with one. It reads the ceremony's options from the form's data-options attribute,
// asks the browser (navigator.credentials), puts the answer in the form's hidden
// "credential" field and submits the form as usual (CSRF token included). Without
// JavaScript the page says that security keys need it, and offers codes instead.
(function () {
  "use strict";
  var form = document.getElementById("webauthn-form");
  var button = document.getElementById("webauthn-start");
  var error = document.getElementById("webauthn-error");
  if (!form || !button) {
    return;
  }
  if (!window.PublicKeyCredential || !navigator.credentials) {
    if (error) {
      error.hidden = false;
    }
    return;
  }

  function fromB64url(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) {
      b64 += "=";
    }
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function toB64url(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function ids(list) {
    (list || []).forEach(function (c) {
      c.id = fromB64url(c.id);
    });
  }

  function failed() {
    button.disabled = false;
    if (error) {
      error.hidden = false;
    }
  }

  function submit(value) {
    form.elements.credential.value = JSON.stringify(value);
    form.submit();
  }

  function run() {
    button.disabled = true;
    if (error) {
      error.hidden = true;
    }
    var options = JSON.parse(form.getAttribute("data-options")).publicKey;
    options.challenge = fromB64url(options.challenge);
    if (form.getAttribute("data-webauthn") === "register") {
      options.user.id = fromB64url(options.user.id);
      ids(options.excludeCredentials);
      navigator.credentials.create({ publicKey: options }).then(function (c) {
        submit({
          id: c.id,
          rawId: toB64url(c.rawId),
          type: c.type,
          extensions: {},
          response: {
            attestationObject: toB64url(c.response.attestationObject),
            clientDataJSON: toB64url(c.response.clientDataJSON)
          }
        });
      }, failed);
    } else {
      ids(options.allowCredentials);
      navigator.credentials.get({ publicKey: options }).then(function (c) {
        submit({
          id: c.id,
          rawId: toB64url(c.rawId),
          type: c.type,
          extensions: {},
          response: {
            authenticatorData: toB64url(c.response.authenticatorData),
            clientDataJSON: toB64url(c.response.clientDataJSON),
            signature: toB64url(c.response.signature),
            userHandle: c.response.userHandle ? toB64url(c.response.userHandle) : null
          }
        });
      }, failed);
    }
  }

  button.hidden = false;
  button.addEventListener("click", run);
})();
