/* The report toolbar (字体【大 中 小】, 打印, 关闭) and the 长者模式 switch of every page.
   Loaded in <head> so the remembered font size and mode apply before the first paint;
   the controls stay hidden (and the page fully readable) without JavaScript. */
(function () {
  "use strict";
  var KEY = "gongkai-font-size";
  var CARE_KEY = "gongkai-care";
  var SIZES = { large: "font-large", medium: "", small: "font-small" };
  var NAMES = { large: "大", medium: "中", small: "小" };
  var root = document.documentElement;

  function stored(key) {
    try { return localStorage.getItem(key || KEY); } catch (e) { return null; }
  }

  function remember(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* private mode: not remembered */ }
  }

  function applyCare(on) {
    root.classList.toggle("care", on);
    return on;
  }

  function apply(size) {
    if (!SIZES.hasOwnProperty(size)) { size = "medium"; }
    for (var s in SIZES) { if (SIZES[s]) { root.classList.remove(SIZES[s]); } }
    if (SIZES[size]) { root.classList.add(SIZES[size]); }
    return size;
  }

  apply(stored());
  applyCare(stored(CARE_KEY) === "on");

  function setUpCareSwitch() {
    var box = document.querySelector("[data-care-switch]");
    if (!box) { return; }
    var button = box.querySelector("[data-care]");
    var status = box.querySelector("[data-care-status]");
    // Another tab may have switched it since this page was painted.
    button.setAttribute("aria-pressed", String(applyCare(stored(CARE_KEY) === "on")));
    button.addEventListener("click", function () {
      var on = applyCare(!root.classList.contains("care"));
      remember(CARE_KEY, on ? "on" : "off");
      button.setAttribute("aria-pressed", String(on));
      if (status) { status.textContent = on ? "已开启长者模式" : "已关闭长者模式"; }
    });
    box.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var pageUrl = document.querySelector("[data-page-url]");
    if (pageUrl && !pageUrl.textContent) { pageUrl.textContent = window.location.href; }
    // Built without the page's address (no 网站地址, or 404.html): the 找错 link gets the one read.
    var jiucuo = document.querySelector("[data-jiucuo]");
    if (jiucuo && /[?&]url=$/.test(jiucuo.href)) { jiucuo.href += encodeURIComponent(window.location.href); }
    setUpCareSwitch();
    var toolbar = document.querySelector("[data-toolbar]");
    if (!toolbar) { return; }
    var status = toolbar.querySelector("[data-font-status]");
    var buttons = toolbar.querySelectorAll("[data-font]");

    function show(size) {
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].setAttribute("aria-pressed", String(buttons[i].getAttribute("data-font") === size));
      }
    }

    show(apply(stored()));
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function () {
        var size = apply(this.getAttribute("data-font"));
        remember(KEY, size);
        show(size);
        if (status) { status.textContent = "字体已设为" + NAMES[size]; }
      });
    }
    toolbar.querySelector("[data-print]").addEventListener("click", function () { window.print(); });
    toolbar.querySelector("[data-close]").addEventListener("click", function () {
      var fallback = this.getAttribute("data-fallback");
      window.close();
      // Browsers only close windows a script opened; otherwise go back to the listing.
      setTimeout(function () { if (!window.closed) { window.location.href = fallback; } }, 100);
    });
    toolbar.hidden = false;
  });
})();
