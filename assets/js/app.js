// qmstrack's small client script: confirmation prompts and upload progress.
// Inline scripts are blocked by the Content-Security-Policy, so page
// behaviour lives here, keyed by data- attributes.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.dataset && f.dataset.confirm && !window.confirm(f.dataset.confirm)) {
      e.preventDefault();
    }
  });
  // Forms with data-progress upload through XHR and show a progress bar.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.dataset || !f.dataset.progress || e.defaultPrevented) return;
    e.preventDefault();
    var bar = document.getElementById(f.dataset.progress);
    var meta = document.querySelector('meta[name="csrf-token"]');
    var xhr = new XMLHttpRequest();
    xhr.open(f.method || "POST", f.action);
    if (meta && meta.content) xhr.setRequestHeader("X-CSRF-Token", meta.content);
    xhr.setRequestHeader("Accept", "text/html");
    if (bar) { bar.hidden = false; bar.value = 0; }
    xhr.upload.onprogress = function (ev) {
      if (bar && ev.lengthComputable) bar.value = Math.round((ev.loaded / ev.total) * 100);
    };
    // The XHR has followed the form's redirect already: show the page it
    // got (loading it again would lose its one-time success message) and
    // put its address in the location bar.
    xhr.onload = function () {
      if (xhr.responseURL && xhr.status < 400) history.replaceState(null, "", xhr.responseURL);
      document.open(); document.write(xhr.responseText); document.close();
    };
    xhr.send(new FormData(f));
  });
  // An input with data-fold-filter="id" filters the options of the select
  // of that id by their data-fold text (folded by the server: lower case,
  // no diacritics), whatever accents the person types.
  function fold(s) {
    return s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/\u0111/g, "d").replace(/\s+/g, " ").trim();
  }
  document.addEventListener("input", function (e) {
    var box = e.target;
    if (!box.dataset || !box.dataset.foldFilter) return;
    var sel = document.getElementById(box.dataset.foldFilter);
    if (!sel) return;
    var q = fold(box.value), first = null;
    for (var i = 0; i < sel.options.length; i++) {
      var o = sel.options[i], show = q === "" || (o.dataset.fold || "").indexOf(q) >= 0;
      o.hidden = !show;
      if (show && first === null) first = o;
    }
    if (first && (sel.selectedIndex < 0 || sel.options[sel.selectedIndex].hidden)) first.selected = true;
  });
})();

// Upload checks before sending, from the limits the server applies (passed
// on <body>): a file too big or of a type not accepted is refused at once,
// the field marked invalid so the form is not sent. The server still checks.
(function () {
  "use strict";
  var b = document.body;
  if (!b || !b.dataset) return;
  var max = parseInt(b.dataset.uploadMax || "0", 10), accept = b.dataset.uploadAccept || "";
  var exts = accept.split(",").filter(function (x) { return x; });
  function inputs() { return document.querySelectorAll('input[type="file"]'); }
  function own(input) { return input.getAttribute("accept") || accept; }
  function check(input) {
    var ok = own(input).split(",").filter(function (x) { return x.charAt(0) === "."; });
    var msg = "";
    for (var i = 0; i < input.files.length && !msg; i++) {
      var f = input.files[i], name = f.name.toLowerCase();
      if (max > 0 && f.size > max) msg = b.dataset.uploadTooBig;
      else if (ok.length && !ok.some(function (x) { return name.slice(-x.length) === x; })) msg = b.dataset.uploadBadType;
    }
    input.setCustomValidity(msg);
    if (msg) input.reportValidity();
  }
  function arm() {
    var list = inputs();
    for (var i = 0; i < list.length; i++) {
      if (!list[i].hasAttribute("accept") && exts.length) list[i].setAttribute("accept", accept);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", arm); else arm();
  document.addEventListener("change", function (e) {
    if (e.target && e.target.type === "file") check(e.target);
  });
})();
