// 站内搜索: the Pagefind indexes in the browser, one per report year (pagefind/<year>/), merged
// into the newest. Results are built as elements with textContent (an excerpt's <mark>
// highlights become <mark> elements), never as HTML.
const form = document.querySelector("[data-search-form]");
const status = document.querySelector("[data-search-status]");
const list = document.querySelector("[data-search-results]");
const fields = { q: form.elements.q, year: form.elements.year, kind: form.elements.kind };
let pagefind = null;

async function engine() {
  if (!pagefind) {
    const index = new URL(form.dataset.index, location.href);
    const siteRoot = new URL("../", index).pathname;
    const [newest, ...others] = form.dataset.years.split(" ").filter(Boolean);
    pagefind = await import(new URL(`${newest}/pagefind.js`, index).href);
    await pagefind.options({ baseUrl: siteRoot });
    for (const year of others) await pagefind.mergeIndex(new URL(`${year}/`, index).href, { baseUrl: siteRoot });
  }
  return pagefind;
}

function excerpt(html) {
  const p = document.createElement("p");
  p.className = "search-excerpt";
  html.split(/(<mark>.*?<\/mark>)/).forEach((part) => {
    const marked = part.match(/^<mark>(.*)<\/mark>$/);
    const text = (marked ? marked[1] : part).replace(/<[^>]*>/g, "");
    const decoded = new DOMParser().parseFromString(`<body>${text}`, "text/html").body.textContent;
    p.append(marked ? Object.assign(document.createElement("mark"), { textContent: decoded }) : decoded);
  });
  return p;
}

function show(results, term) {
  list.replaceChildren();
  for (const data of results) {
    const item = document.createElement("li");
    const link = Object.assign(document.createElement("a"), { href: data.url, textContent: data.meta.title });
    const where = Object.assign(document.createElement("p"), {
      className: "search-where", textContent: `${data.meta["单位"]} · ${data.meta["年度"]}年度` });
    item.append(link, where, excerpt(data.excerpt));
    list.append(item);
  }
  status.textContent = results.length ? `找到 ${results.length} 份与「${term}」相关的报告。`
                                      : `未找到与「${term}」相关的报告，请换一个关键词或放宽筛选条件。`;
}

async function run() {
  const term = fields.q.value.trim();
  const params = new URLSearchParams();
  for (const [name, field] of Object.entries(fields)) if (field.value) params.set(name, field.value);
  history.replaceState(null, "", `?${params}`);
  if (!term) {
    list.replaceChildren();
    status.textContent = "请输入关键词。";
    return;
  }
  status.textContent = "正在搜索……";
  try {
    const filters = {};
    if (fields.year.value) filters["年度"] = fields.year.value;
    if (fields.kind.value) filters["单位类型"] = fields.kind.value;
    const search = await (await engine()).search(term, { filters });
    show(await Promise.all(search.results.slice(0, 50).map((r) => r.data())), term);
  } catch (error) {
    list.replaceChildren();
    status.textContent = "站内搜索暂时无法使用（搜索索引未生成）。请在年报栏目中按年度和单位查阅。";
  }
}

form.hidden = false;
form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
const given = new URLSearchParams(location.search);
for (const [name, field] of Object.entries(fields)) if (given.get(name)) field.value = given.get(name);
if (fields.q.value) run();
