// 站内搜索: the Pagefind index in the browser, in shards by year and unit, merged (see engine).
// Results are built as elements with textContent, never as HTML.
//
// Pagefind only proposes candidates. It splits a Chinese query into words (Intl.Segmenter), leaves
// out a word no page has, and for a word no indexed word starts with takes the longest indexed word
// the query word starts with: 「XYZQ」 searched for 「x」 (from 索引号 …X/2024), 「7730.28」 for
// 「7」, 「量子计算机」 for words starting with 「机」. So a candidate is shown only if its indexed
// text holds every part of the query (split at spaces), compared without spaces, case or width; its
// snippet is the sentence that holds the query, with the query marked.
const form = document.querySelector("[data-search-form]");
const status = document.querySelector("[data-search-status]");
const list = document.querySelector("[data-search-results]");
const more = document.querySelector("[data-search-more]");
const fields = { q: form.elements.q, year: form.elements.year, kind: form.elements.kind };
const SHOWN = 50;          // results shown per round
const CHECKED = 300;       // candidates checked at most per round: a query for words in no report stays cheap
const BATCH = 25;          // candidates fetched at once
const SNIPPET = 90;        // characters of the sentence around the match, at most
let pagefind = null;       // engine(): { shards, overlay, replaced }
let current = null;        // the search being shown: { term, parts, candidates, replaced, next, found }

// pagefind/shards.json lists the shards (pagefind/<year>/<bucket>/, newest year first), which are
// merged into the first: one search then asks every shard. It may also name an overlay: the index
// of the reports edited since their shards were indexed. A page it replaces is taken from it alone
// (its shard holds the report as it was).
async function engine() {
  if (!pagefind) {
    const index = new URL(form.dataset.index, location.href);
    const siteRoot = new URL("../", index).pathname;
    const listed = await (await fetch(new URL("shards.json", index))).json();
    const load = async (folder) => {
      const instance = await import(new URL(`${folder}/pagefind.js`, index).href);
      await instance.options({ baseUrl: siteRoot });
      return instance;
    };
    const [first, ...others] = listed.shards;
    const shards = await load(first);
    await Promise.all(others.map((shard) => shards.mergeIndex(new URL(`${shard}/`, index).href, { baseUrl: siteRoot })));
    pagefind = { shards, overlay: listed.overlay ? await load(listed.overlay) : null, replaced: new Set(listed.replaced) };
  }
  return pagefind;
}

// The candidates of the shards and the overlay in one list, by score (as mergeIndex ranks the
// shards'); a shard's candidate for a page the overlay replaces is marked stale.
async function candidates(term, filters) {
  const { shards, overlay, replaced } = await engine();
  const [found, fresh] = await Promise.all([shards.search(term, { filters }),
                                           overlay ? overlay.search(term, { filters }) : { results: [] }]);
  const listed = [...found.results.map((result) => ({ result, fresh: false })),
                  ...fresh.results.map((result) => ({ result, fresh: true }))];
  return { listed: listed.sort((a, b) => b.result.score - a.result.score), replaced };
}

// The text as compared: without spaces (Pagefind puts zero-width ones between words), full-width
// letters and digits folded (NFKC), lower case; `at` maps each folded character to the original.
function folded(text) {
  let out = "";
  const at = [];
  for (let i = 0; i < text.length; i++) {
    const piece = text[i].normalize("NFKC").toLowerCase().replace(/[\s\u200b]/g, "");
    out += piece;
    for (let k = 0; k < piece.length; k++) at.push(i);
  }
  return { text: out, at };
}

function queryParts(term) {
  return [...new Set(term.split(/\s+/).map((part) => folded(part).text).filter(Boolean))];
}

// Where each part occurs in the page's text, as [start, end) in the original; null if one is missing.
function occurrences(text, parts) {
  const { text: flat, at } = folded(text);
  const found = [];
  for (const part of parts) {
    let from = flat.indexOf(part);
    if (from < 0) return null;
    for (; from >= 0; from = flat.indexOf(part, from + part.length)) {
      found.push([at[from], at[from + part.length - 1] + 1]);
    }
  }
  return found.sort((a, b) => a[0] - b[0]);
}

// The sentence around the first match (Pagefind ends a heading or block with ". "), cut to SNIPPET
// characters around the match, each part marked.
function snippet(text, found) {
  const [start, end] = found[0];
  const lastStop = [...text.slice(0, start).matchAll(/[。！？；\n]|\.\s/g)].pop();
  const sentenceStart = lastStop ? lastStop.index + lastStop[0].length : 0;
  const after = text.slice(end).search(/[。！？；\n]|\.\s/);
  const sentenceEnd = after < 0 ? text.length : end + after + 1;
  const from = Math.max(sentenceStart, start - Math.floor(SNIPPET / 3));
  const to = Math.min(sentenceEnd, Math.max(end, from + SNIPPET));
  const p = document.createElement("p");
  p.className = "search-excerpt";
  if (from > sentenceStart) p.append("…");
  let cursor = from;
  for (const [s, e] of found) {
    if (s < cursor || e > to) continue;
    p.append(text.slice(cursor, s), Object.assign(document.createElement("mark"), { textContent: text.slice(s, e) }));
    cursor = e;
  }
  p.append(text.slice(cursor, to));
  if (to < sentenceEnd) p.append("…");
  p.normalize();
  p.firstChild.textContent = p.firstChild.textContent.trimStart();
  return p;
}

function item(data, found) {
  const li = document.createElement("li");
  const link = Object.assign(document.createElement("a"), { href: data.url, textContent: data.meta.title });
  const where = Object.assign(document.createElement("p"), {
    className: "search-where", textContent: `${data.meta["单位"]} · ${data.meta["年度"]}年度` });
  li.append(link, where, snippet(data.content, found));
  return li;
}

// Checks candidates in rank order until SHOWN more are found or CHECKED were looked at.
async function showMore() {
  const search = current;
  let shown = 0;
  const stop = Math.min(search.candidates.length, search.next + CHECKED);
  while (search.next < stop && shown < SHOWN) {
    const batch = search.candidates.slice(search.next, Math.min(stop, search.next + BATCH));
    search.next += batch.length;
    const loaded = await Promise.all(batch.map((candidate) => candidate.result.data()));
    for (const [i, data] of loaded.entries()) {
      if (search !== current) return;                 // a newer search took over
      if (!batch[i].fresh && search.replaced.has(data.raw_url)) continue;
      const found = occurrences(data.content, search.parts);
      if (found) {
        list.append(item(data, found));
        search.found += 1;
        shown += 1;
      }
    }
  }
  const rest = search.candidates.length - search.next;
  more.hidden = rest === 0;
  const { term, found } = search;
  if (rest === 0) {
    status.textContent = found ? `找到 ${found} 份与「${term}」相关的报告。`
                               : `未找到与「${term}」相关的报告，请换一个关键词或放宽筛选条件。`;
  } else {
    status.textContent = found ? `已列出 ${found} 份与「${term}」相关的报告，可能还有更多。`
                               : `在最相关的 ${search.next} 份报告中未找到「${term}」，可以继续查找其余 ${rest} 份。`;
  }
}

async function run() {
  const term = fields.q.value.trim();
  const params = new URLSearchParams();
  for (const [name, field] of Object.entries(fields)) if (field.value) params.set(name, field.value);
  history.replaceState(null, "", `?${params}`);
  list.replaceChildren();
  more.hidden = true;
  current = null;
  if (!term) {
    status.textContent = "请输入关键词。";
    return;
  }
  status.textContent = "正在搜索……";
  try {
    const filters = {};
    if (fields.year.value) filters["年度"] = fields.year.value;
    if (fields.kind.value) filters["单位类型"] = fields.kind.value;
    const { listed, replaced } = await candidates(term, filters);
    current = { term, parts: queryParts(term), candidates: listed, replaced, next: 0, found: 0 };
    await showMore();
  } catch (error) {
    list.replaceChildren();
    status.textContent = "站内搜索暂时无法使用（搜索索引未生成）。请在年报栏目中按年度和单位查阅。";
  }
}

form.hidden = false;
form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
more.addEventListener("click", async () => {
  const before = list.children.length;
  status.textContent = "正在搜索……";
  await showMore();
  // The button may be gone: a keyboard user goes on from the first new result.
  list.children[before]?.querySelector("a").focus();
});
const given = new URLSearchParams(location.search);
for (const [name, field] of Object.entries(fields)) if (given.get(name)) field.value = given.get(name);
if (fields.q.value) run();
