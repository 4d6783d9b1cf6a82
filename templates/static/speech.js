/* 朗读: the article read aloud by the browser's own speech synthesis (Web Speech API, a Chinese voice),
   section by section with the current one highlighted; a table row as 「行名，列名：数值，列名：数值」
   from the cells' headers, not as a stream of numbers. Loaded with defer by the toolbar; no third-party
   code and no request: where the browser cannot speak Chinese, the control says so. */
(function () {
  "use strict";
  var group = document.querySelector("[data-read-aloud]");
  if (!group) { return; }
  var article = group.closest("article") || document.querySelector("main");
  var toggle = group.querySelector('[data-speech="toggle"]');
  var pauseButton = group.querySelector('[data-speech="pause"]');
  var stopButton = group.querySelector('[data-speech="stop"]');
  var status = document.querySelector("[data-speech-status]");
  var synth = window.speechSynthesis;
  var supported = !!synth && typeof window.SpeechSynthesisUtterance === "function";

  var SECTIONS = "h1, .notice, .preamble, .report-section, .panel";
  var BLOCKS = /^(ADDRESS|ARTICLE|ASIDE|BLOCKQUOTE|DD|DIV|DL|DT|FIGCAPTION|FIGURE|FOOTER|H[1-6]|HEADER|LI|OL|P|PRE|SECTION|TABLE|UL)$/;
  var LONGEST = 120;   // characters per utterance: some engines stop a long one part-way
  var NO_SUPPORT = "本浏览器不支持语音朗读。可使用手机或电脑自带的朗读（读屏）功能，或换用新版浏览器。";
  var NO_VOICE = "本浏览器没有中文语音，无法朗读。可在系统设置中添加中文（普通话）语音后再试。";

  var run = 0;          // bumped on every start and stop: events of a cancelled utterance are ignored
  var queue = [];
  var next = 0;
  var voice = null;
  var current = null;   // the highlighted section

  // --- the text, in reading order -------------------------------------------------------------

  function skipped(el) {
    return el.hidden || el.getAttribute("aria-hidden") === "true" || /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE)$/.test(el.tagName);
  }

  function textOf(el) {
    var out = "";
    for (var n = el.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 3) { out += n.nodeValue; }
      else if (n.nodeType === 1 && !skipped(n)) { out += n.tagName === "BR" ? " " : textOf(n); }
    }
    return out;
  }

  function clean(text) { return text.replace(/\s+/g, " ").trim(); }

  // A sentence at a time; an overlong one at its commas.
  function addText(text, lines) {
    var sentences = clean(text).match(/[^。！？；]+[。！？；]*/g) || [];
    sentences.forEach(function (sentence) {
      var chunk = "";
      (sentence.match(/[^，,]+[，,]*/g) || []).forEach(function (piece) {
        if (chunk && (chunk + piece).length > LONGEST) { lines.push(chunk.trim()); chunk = ""; }
        chunk += piece;
      });
      if (chunk.trim()) { lines.push(chunk.trim()); }
    });
  }

  function collect(el, lines) {
    if (el.tagName === "TABLE") { readTable(el, lines); return; }
    var inline = "";
    for (var n = el.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 3) { inline += n.nodeValue; }
      else if (n.nodeType === 1 && !skipped(n)) {
        if (BLOCKS.test(n.tagName)) { addText(inline, lines); inline = ""; collect(n, lines); }
        else { inline += textOf(n); }
      }
    }
    addText(inline, lines);
  }

  // --- tables: each body row as one sentence, named by its header cells ------------------------

  function isRowHeader(th) { return /^row/.test(th.getAttribute("scope") || "") || th.parentNode.parentNode.tagName === "TBODY"; }

  // The cell's header cells: its headers="" list, else the row's th and the th above its column.
  function headersOf(cell) {
    var ids = (cell.getAttribute("headers") || "").split(/\s+/).filter(Boolean);
    if (ids.length) {
      return ids.map(function (id) { return document.getElementById(id); }).filter(Boolean);
    }
    var found = [], column = 0, cells = cell.parentNode.cells;
    for (var i = 0; i < cells.length && cells[i] !== cell; i++) {
      if (cells[i].tagName === "TH") { found.push(cells[i]); }
      column += cells[i].colSpan;
    }
    var head = cell.closest("table").tHead;
    if (head && head.rows.length) {
      var top = head.rows[head.rows.length - 1].cells;
      for (var j = 0, at = 0; j < top.length; at += top[j].colSpan, j++) {
        if (column >= at && column < at + top[j].colSpan) { found.push(top[j]); break; }
      }
    }
    return found;
  }

  // Names said once: only those not already said just before (a row group, a column group).
  function newNames(names, said) {
    var i = 0;
    while (i < names.length && names[i] === said[i]) { i++; }
    return names.slice(i);
  }

  function readTable(table, lines) {
    var caption = table.caption ? clean(textOf(table.caption)) : "";
    if (caption && lines.indexOf(caption) < 0) { lines.push(caption); }
    var saidGroups = [];
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) {
        var parts = [], saidColumns = null;
        var data = [].filter.call(rows[r].cells, function (c) { return c.tagName === "TD"; });
        data.forEach(function (cell) {
          var value = clean(textOf(cell));
          if (!value && cell.querySelector("svg, img, [aria-hidden='true']")) { return; }   // a drawing
          var heads = headersOf(cell);
          if (saidColumns === null) {   // the row's own names, before its first value
            var rowNames = heads.filter(isRowHeader).map(function (th) { return clean(textOf(th)); });
            parts = parts.concat(newNames(rowNames.slice(0, -1), saidGroups), rowNames.slice(-1));
            saidGroups = rowNames.slice(0, -1);
            saidColumns = [];
          }
          // A column group over the whole row (申请人情况) says nothing.
          var columns = heads.filter(function (th) { return !isRowHeader(th) && !(th.colSpan > 1 && th.colSpan >= data.length); })
            .map(function (th) { return clean(textOf(th)); });
          var name = columns.pop();
          parts = parts.concat(newNames(columns, saidColumns));
          saidColumns = columns;
          parts.push((name ? name + "：" : "") + (value || "空白"));
        });
        if (parts.length) { addText(parts.join("，") + "。", lines); }
      }
    }
  }

  function sections() {
    var picked = [];
    [].forEach.call(article.querySelectorAll(SECTIONS), function (el) {
      if (!skipped(el) && !picked.some(function (p) { return p.contains(el); })) { picked.push(el); }
    });
    return picked;
  }

  function readingQueue() {
    var items = [];
    sections().forEach(function (section) {
      var lines = [];
      collect(section, lines);
      lines.forEach(function (text) { items.push({ text: text, section: section }); });
    });
    return items;
  }

  function sectionName(section) {
    var heading = /^H\d$/.test(section.tagName) ? section : section.querySelector("h2, h3");
    return heading ? clean(textOf(heading)) : "";
  }

  // --- speaking -------------------------------------------------------------------------------

  function say(message) { if (status) { status.textContent = message; } }

  function highlight(section) {
    if (current === section) { return; }
    if (current) { current.classList.remove("speaking"); }
    current = section;
    if (!section) { return; }
    section.classList.add("speaking");
    if (section.scrollIntoView) { section.scrollIntoView({ block: "nearest" }); }
    var name = sectionName(section);
    say(name ? "正在朗读：" + name : "正在朗读");
  }

  function chineseVoice(voices) {
    var chinese = [].filter.call(voices, function (v) { return /^(zh|cmn)([-_]|$)/i.test(v.lang || ""); });
    return chinese.filter(function (v) { return /^(zh|cmn)[-_](CN|Hans)/i.test(v.lang); })[0] || chinese[0] || null;
  }

  // Browsers load their voices after the page: wait for them, but not forever (some never have any).
  function withVoices(then) {
    var voices = synth.getVoices();
    if (voices.length || !synth.addEventListener) { then(voices); return; }
    var done = false;
    function ready() {
      if (done) { return; }
      done = true;
      synth.removeEventListener("voiceschanged", ready);
      then(synth.getVoices());
    }
    synth.addEventListener("voiceschanged", ready);
    setTimeout(ready, 2000);
  }

  function speakNext(token) {
    if (token !== run) { return; }
    if (next >= queue.length) { finish("朗读完毕"); return; }
    var item = queue[next++];
    highlight(item.section);
    var utterance = new SpeechSynthesisUtterance(item.text);
    utterance.lang = voice.lang || "zh-CN";
    utterance.voice = voice;
    utterance.onend = function () { speakNext(token); };
    utterance.onerror = function (event) {
      if (token !== run || event.error === "interrupted" || event.error === "canceled") { return; }
      finish("朗读中断（" + (event.error || "未知原因") + "）");
    };
    synth.speak(utterance);
  }

  function showRunning(on) {
    toggle.setAttribute("aria-pressed", String(on));
    pauseButton.hidden = stopButton.hidden = !on;
    pauseButton.textContent = "暂停";
  }

  function start() {
    if (!supported) { say(NO_SUPPORT); return; }
    finish("");
    var token = run;
    showRunning(true);
    say("正在准备朗读……");
    withVoices(function (voices) {
      if (token !== run) { return; }
      voice = chineseVoice(voices);
      if (!voice) { finish(NO_VOICE); return; }
      queue = readingQueue();
      next = 0;
      speakNext(token);
    });
  }

  // Off: reading stopped (by 停止, by 朗读 again, or at the end); focus never left on a hidden button.
  function finish(message) {
    run++;
    if (supported) {
      if (synth.paused) { synth.resume(); }   // else a paused engine stays paused for the next start
      synth.cancel();
    }
    var refocus = document.activeElement === pauseButton || document.activeElement === stopButton;
    showRunning(false);
    highlight(null);
    say(message);
    if (refocus) { toggle.focus(); }
  }

  function pauseOrContinue() {
    if (pauseButton.textContent === "暂停") {
      synth.pause();
      pauseButton.textContent = "继续";
      say("已暂停");
    } else {
      synth.resume();
      pauseButton.textContent = "暂停";
      say(current ? "正在朗读：" + sectionName(current) : "正在朗读");
    }
  }

  toggle.addEventListener("click", function () {
    if (toggle.getAttribute("aria-pressed") === "true") { finish("已停止朗读"); } else { start(); }
  });
  pauseButton.addEventListener("click", pauseOrContinue);
  stopButton.addEventListener("click", function () { finish("已停止朗读"); });
  window.addEventListener("pagehide", function () { if (supported) { synth.cancel(); } });
  group.hidden = false;
})();
